package gossip

import (
	"slices"
	"testing"
	"time"

	"aitbc/engine/consensus"
	"aitbc/internal/wait"
)

// SendConsensusTo reaches the one peer named and no other; PeerIDs lists
// the established peers.
func TestSendConsensusToOnePeer(t *testing.T) {
	nodes := mesh(t, 3, nil)
	a, b, c := nodes[0], nodes[1], nodes[2]
	ids := a.tr.PeerIDs()
	if !slices.IsSorted(ids) || len(ids) != 2 || !slices.Contains(ids, b.id) || !slices.Contains(ids, c.id) {
		t.Fatalf("PeerIDs = %v, want sorted [%s %s]", ids, b.id[:8], c.id[:8])
	}
	f := newChainFixture(t)
	a.tr.SendConsensusTo(b.id, []consensus.Message{f.vote(2, 0)})
	a.tr.SendConsensusTo(c.id, []consensus.Message{f.proposal(0)})
	wait.Until(t, "b's vote", 10*time.Second, func() bool { return b.rec.nConsensus() == 1 })
	wait.Until(t, "c's proposal", 10*time.Second, func() bool { return c.rec.nConsensus() == 1 })
	time.Sleep(200 * time.Millisecond) // anything misrouted would arrive by now
	b.rec.mu.Lock()
	_, bVote := b.rec.consensus[0].(*consensus.VoteMsg)
	nb := len(b.rec.consensus)
	b.rec.mu.Unlock()
	c.rec.mu.Lock()
	_, cProp := c.rec.consensus[0].(*consensus.ProposalMsg)
	nc := len(c.rec.consensus)
	c.rec.mu.Unlock()
	if !bVote || !cProp || nb != 1 || nc != 1 {
		t.Errorf("b got vote=%v (%d msgs), c got proposal=%v (%d msgs)", bVote, nb, cProp, nc)
	}
	before := dropped(a.m, dropNoPeer)
	a.tr.SendConsensusTo("no-such-peer", []consensus.Message{f.vote(2, 0)})
	if d := dropped(a.m, dropNoPeer) - before; d != 1 {
		t.Errorf("send to an unknown peer: %v drops counted, want 1", d)
	}
}
