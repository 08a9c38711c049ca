package gossip

import (
	"crypto/sha256"
	"encoding/binary"
	"sync"

	"aitbc/engine"
	"aitbc/engine/types"
)

// heardEntries bounds the consensus messages whose senders heardFrom
// remembers: a height carries a proposal and two votes per validator, so
// this covers many heights of a full set.
const heardEntries = 4096

// maxHeardPeers bounds the senders remembered per message.
const maxHeardPeers = 4

// heardFrom remembers, for recent proposals and votes, the peers that
// sent each to us (first copy or duplicate), keyed as the relay keys
// them. A peer that sent us a message has it, so the relay skips it
// (relay.go): in a mesh every validator hears each vote from its signer
// and from the peers that relayed it before us, and each such copy sent
// back was waste. A fixed ring (hashRing), so memory is bounded whatever
// peers send; a message past maxHeardPeers senders is still relayed to
// the others (only a copy is wasted). Safe for concurrent use.
type heardFrom struct {
	mu sync.Mutex
	hashRing[heardEntry]
}

type heardEntry struct {
	peers [maxHeardPeers]engine.PeerID
	n     uint8
}

func newHeardFrom(size int) *heardFrom {
	return &heardFrom{hashRing: newHashRing[heardEntry](size)}
}

// add records that peer sent the message keyed key.
func (h *heardFrom) add(key types.Hash, peer engine.PeerID) {
	h.mu.Lock()
	defer h.mu.Unlock()
	e := h.get(key)
	if e == nil {
		e = h.put(key)
	}
	for _, p := range e.peers[:e.n] {
		if p == peer {
			return
		}
	}
	if int(e.n) < maxHeardPeers {
		e.peers[e.n] = peer
		e.n++
	}
}

// has reports whether peer sent the message keyed key.
func (h *heardFrom) has(key types.Hash, peer engine.PeerID) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	e := h.get(key)
	if e == nil {
		return false
	}
	for _, p := range e.peers[:e.n] {
		if p == peer {
			return true
		}
	}
	return false
}

// proposalKey is the relay key of a PROPOSAL frame's payload: the hash of
// its proposal's encoding (relayFrame), read without decoding the block;
// ok is false for a payload too short to hold it (the decoder rejects
// that one).
func proposalKey(payload []byte) (key types.Hash, ok bool) {
	if len(payload) < 4 {
		return key, false
	}
	n := uint64(binary.BigEndian.Uint32(payload))
	if uint64(len(payload)-4) < n {
		return key, false
	}
	return sha256.Sum256(payload[4 : 4+n]), true
}
