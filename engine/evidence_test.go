package engine

import (
	"errors"
	"sync"
	"testing"
	"time"

	"aitbc/engine/consensus"
	"aitbc/engine/types"
	"aitbc/engine/validators/valtest"
	"aitbc/internal/wait"
)

// byzantinePrevotes are two prevotes of validator i for different blocks
// in round 0 of height 1, signed with its real key.
func byzantinePrevotes(c *cluster, i int) (x, y *types.Vote) {
	x = valtest.Vote(c.gen.ChainID, c.keys[i], types.Prevote, i, 1, 0, types.Sum256([]byte("block x")))
	y = valtest.Vote(c.gen.ChainID, c.keys[i], types.Prevote, i, 1, 0, types.Sum256([]byte("block y")))
	return x, y
}

func storedEvidence(t *testing.T, s BlockStore) []*types.Evidence {
	t.Helper()
	evs, err := s.Evidence(0, 100)
	if err != nil {
		t.Fatal(err)
	}
	return evs
}

// A byzantine validator sends conflicting prevotes over the gossip twin,
// in opposite orders to two nodes. Each node penalizes the peer, verifies
// the pair, and stores exactly one evidence with both signed votes; the
// two nodes store the same bytes, whatever the arrival order.
func TestNetworkRecordsDoubleVoteEvidence(t *testing.T) {
	c := newCluster(t, 4)
	// Two of four validators: no quorum, so both stay at height 1 and keep
	// round 0's votes for as long as the test runs.
	c.start(0)
	c.start(1)
	const byz = 3
	x, y := byzantinePrevotes(c, byz)
	mallory := c.net.peer("mallory")
	deliver := func(to int, votes ...*types.Vote) {
		for _, v := range votes {
			mallory.send(c.net.peer(nodeID(to)), func(h PeerHandler) error {
				return h.HandleConsensus("mallory", &consensus.VoteMsg{Vote: v})
			})
		}
	}
	deliver(0, x, y, x, y) // the repeats must not record anything new
	deliver(1, y, x)

	for i := 0; i < 2; i++ {
		wait.Until(t, "evidence in node's store", 20*time.Second, func() bool { return len(storedEvidence(t, c.stores[i])) > 0 })
	}
	wait.Until(t, "mallory penalized for equivocation by both nodes", 20*time.Second, func() bool {
		by := map[PeerID]bool{}
		for _, p := range c.net.penalties("mallory") {
			if errors.Is(p.err, consensus.ErrEquivocation) {
				by[p.by] = true
			}
		}
		return by[nodeID(0)] && by[nodeID(1)]
	})
	c.checkHealthy()

	ev0, ev1 := storedEvidence(t, c.stores[0]), storedEvidence(t, c.stores[1])
	if len(ev0) != 1 || len(ev1) != 1 {
		t.Fatalf("stored %d and %d pieces of evidence, want 1 each", len(ev0), len(ev1))
	}
	ev := ev0[0]
	if ev.Hash() != ev1[0].Hash() {
		t.Fatal("the two nodes recorded different evidence for the same pair")
	}
	if err := consensus.VerifyEvidence(c.gen.ChainID, c.nodes[0].vals, ev); err != nil {
		t.Fatalf("stored evidence does not verify: %v", err)
	}
	want := c.nodes[0].vals.Get(byz).Address
	if ev.Kind != types.DuplicateVote || ev.ValidatorIndex != byz || ev.Validator != want || ev.Height() != 1 || ev.Round() != 0 {
		t.Fatalf("evidence %s h=%d r=%d v%d %s, want prevote h=1 r=0 v%d %s", ev.Step(), ev.Height(), ev.Round(), ev.ValidatorIndex, ev.Validator, byz, want)
	}
	for _, v := range []*types.Vote{ev.VoteA, ev.VoteB} {
		if *v != *x && *v != *y {
			t.Fatal("the evidence does not hold the signed votes")
		}
	}
	if ev.VoteA.BlockHash == ev.VoteB.BlockHash {
		t.Fatal("both votes of the evidence are the same")
	}
	// Served through the node (what /rpc/get_evidence reads), and counted.
	got, err := c.nodes[1].Evidence(1, 10)
	if err != nil || len(got) != 1 || got[0].Hash() != ev.Hash() {
		t.Fatalf("Node.Evidence(1, 10) = %d pieces, %v", len(got), err)
	}
	if none, _ := c.nodes[1].Evidence(2, 10); len(none) != 0 {
		t.Fatalf("Node.Evidence(2, 10) = %d pieces, want none", len(none))
	}
	for i := 0; i < 2; i++ {
		if n := counterValue(t, c.nodes[i].m.EvidenceRecorded); n != 1 {
			t.Fatalf("node %d counted %v pieces of evidence, want 1", i, n)
		}
	}
}

// evidenceFailStore is a MemStore whose evidence writes fail.
type evidenceFailStore struct{ *MemStore }

func (evidenceFailStore) AddEvidence(*types.Evidence) (bool, error) {
	return false, errors.New("disk full")
}

// recBroadcaster records consensus events.
type recBroadcaster struct {
	mu     sync.Mutex
	events []Event
}

func (*recBroadcaster) BlockCommitted(*CommittedBlock)   {}
func (*recBroadcaster) TxAdmitted(*types.Tx, types.Hash) {}
func (b *recBroadcaster) ConsensusEvent(ev Event) {
	b.mu.Lock()
	b.events = append(b.events, ev)
	b.mu.Unlock()
}

func (b *recBroadcaster) evidenceEvents() []Event {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []Event
	for _, ev := range b.events {
		if ev.Kind == "evidence" {
			out = append(out, ev)
		}
	}
	return out
}

// Storing evidence is not consensus: a node whose store refuses it logs
// and counts the failure and keeps running; a node whose store takes it
// publishes a consensus event naming the validator and the evidence.
func TestEvidenceStoreFailureIsNotFatal(t *testing.T) {
	for _, failing := range []bool{true, false} {
		c := newCluster(t, 4)
		var store BlockStore = c.stores[0]
		if failing {
			store = evidenceFailStore{c.stores[0]}
		}
		pub := &recBroadcaster{}
		n, err := New(clusterConfig(), Deps{Genesis: c.gen, Store: store, Verifier: newTestBatcher(t), Publish: pub,
			Signer: consensus.NewKeySigner(c.keys[0].BLS), WAL: c.wals[0], Log: testLogger(t), Gossip: &recGossip{}})
		if err != nil {
			t.Fatal(err)
		}
		n.Start()
		t.Cleanup(func() { n.Stop() })
		x, y := byzantinePrevotes(c, 2)
		for _, v := range []*types.Vote{x, y} {
			if err := n.HandleConsensus("mallory", &consensus.VoteMsg{Vote: v}); err != nil {
				t.Fatal(err)
			}
		}
		if failing {
			wait.Until(t, "the failed evidence write counted", 20*time.Second, func() bool { return counterValue(t, n.m.EvidenceStoreErrors) == 1 })
			// The loop goes on: a second fault (a double precommit) is
			// handled, and fails to store, in turn.
			for _, h := range []string{"block x", "block y"} {
				v := valtest.Vote(c.gen.ChainID, c.keys[2], types.Precommit, 2, 1, 0, types.Sum256([]byte(h)))
				if err := n.HandleConsensus("mallory", &consensus.VoteMsg{Vote: v}); err != nil {
					t.Fatal(err)
				}
			}
			wait.Until(t, "the second failed evidence write", 20*time.Second, func() bool { return counterValue(t, n.m.EvidenceStoreErrors) == 2 })
			if n.Err() != nil {
				t.Fatalf("node halted on an evidence write error: %v", n.Err())
			}
			if counterValue(t, n.m.EvidenceRecorded) != 0 || len(pub.evidenceEvents()) != 0 {
				t.Fatal("evidence that was not stored was counted or published as recorded")
			}
			continue
		}
		wait.Until(t, "the evidence event", 20*time.Second, func() bool { return len(pub.evidenceEvents()) == 1 })
		evs := storedEvidence(t, c.stores[0])
		got := pub.evidenceEvents()[0]
		if len(evs) != 1 || got.EvidenceHash != evs[0].Hash() || got.Validator != n.vals.Get(2).Address ||
			got.Height != 1 || got.Round != 0 || got.Step != "prevote" {
			t.Fatalf("event %+v for %d stored pieces", got, len(evs))
		}
	}
}

// TestEvidenceCountedOnce: the core may report a pair again after a
// restart (its dedup is per run); the store keeps one copy, and the
// metric and the event count it once.
func TestEvidenceCountedOnce(t *testing.T) {
	c := newCluster(t, 4)
	pub := &recBroadcaster{}
	n, err := New(clusterConfig(), Deps{Genesis: c.gen, Store: c.stores[0], Verifier: newTestBatcher(t), Publish: pub,
		Signer: consensus.NewKeySigner(c.keys[0].BLS), WAL: c.wals[0], Log: testLogger(t), Gossip: &recGossip{}})
	if err != nil {
		t.Fatal(err)
	}
	x, y := byzantinePrevotes(c, 2)
	v := n.vals.Get(2)
	ev, err := types.NewDuplicateVoteEvidence(x, y, v.Address, v.BLSPubKey)
	if err != nil {
		t.Fatal(err)
	}
	n.recordEvidence(ev)
	n.recordEvidence(ev) // as after a restart
	if got := counterValue(t, n.m.EvidenceRecorded); got != 1 || len(pub.evidenceEvents()) != 1 || len(storedEvidence(t, c.stores[0])) != 1 {
		t.Fatalf("recorded %v, %d events, %d stored; want 1 of each", got, len(pub.evidenceEvents()), len(storedEvidence(t, c.stores[0])))
	}
}
