package gossip

import (
	"encoding/binary"
	"fmt"
	"testing"

	"aitbc/engine"
	"aitbc/engine/types"
)

// heardFrom keeps up to maxHeardPeers senders per message, forgets the
// oldest message when its ring is full, and never grows past it.
func TestHeardFromBounded(t *testing.T) {
	h := newHeardFrom(4)
	key := func(i int) types.Hash { var k types.Hash; binary.BigEndian.PutUint64(k[:], uint64(i)); return k }
	for p := range maxHeardPeers + 2 {
		h.add(key(0), engine.PeerID(fmt.Sprintf("p%d", p)))
	}
	for p := range maxHeardPeers + 2 {
		if got, want := h.has(key(0), engine.PeerID(fmt.Sprintf("p%d", p))), p < maxHeardPeers; got != want {
			t.Fatalf("peer %d: has %v, want %v", p, got, want)
		}
	}
	h.add(key(0), "p0") // a repeat takes no room
	for i := 1; i <= 4; i++ {
		h.add(key(i), "q")
	}
	if h.has(key(0), "p0") || !h.has(key(4), "q") || !h.has(key(1), "q") {
		t.Fatal("the ring of 4 did not forget exactly the oldest message")
	}
	if len(h.idx) != 4 {
		t.Fatalf("index holds %d keys, ring of 4", len(h.idx))
	}
}

// proposalKey reads the proposal part of a PROPOSAL payload as relayFrame
// keys it, and refuses a payload too short for its length field.
func TestProposalKey(t *testing.T) {
	f := newChainFixture(t)
	m := f.proposal(0)
	frame, _, want, _, ok := relayFrame(m)
	if !ok {
		t.Fatal("relayFrame refused a proposal")
	}
	got, ok := proposalKey(frame[frameHeader:])
	if !ok || got != types.Hash(want) {
		t.Fatalf("proposalKey %x (%v), relay key %x", got[:4], ok, want[:4])
	}
	for _, bad := range [][]byte{nil, {0, 0, 1}, {0, 0, 0, 9, 1, 2}} {
		if _, ok := proposalKey(bad); ok {
			t.Fatalf("proposalKey accepted %x", bad)
		}
	}
}
