package node

import (
	"log/slog"
	"sync"
	"testing"
	"time"

	"aitbc/engine"
	"aitbc/engine/consensus"
	"aitbc/engine/enginetest"
	"aitbc/engine/types"
	"aitbc/engine/validators/valtest"
	"aitbc/internal/logtest"
	"aitbc/internal/wait"
)

// byzantinePrevotes are two prevotes of validator i for different blocks
// in round 0 of height 1, signed with its real key.
func byzantinePrevotes(c *cluster, i int) (x, y *types.Vote) {
	x = valtest.Vote(c.gen.ChainID, c.keys[i], types.Prevote, i, 1, 0, types.Sum256([]byte("block x")))
	y = valtest.Vote(c.gen.ChainID, c.keys[i], types.Prevote, i, 1, 0, types.Sum256([]byte("block y")))
	return x, y
}

func storedEvidence(t *testing.T, s engine.BlockStore) []*types.Evidence {
	t.Helper()
	evs, err := s.Evidence(0, 100)
	if err != nil {
		t.Fatal(err)
	}
	return evs
}

// recBroadcaster records consensus events.
type recBroadcaster struct {
	mu     sync.Mutex
	events []engine.Event
}

func (*recBroadcaster) BlockCommitted(*engine.CommittedBlock) {}
func (*recBroadcaster) TxAdmitted(*types.Tx, types.Hash)      {}
func (b *recBroadcaster) ConsensusEvent(ev engine.Event) {
	b.mu.Lock()
	b.events = append(b.events, ev)
	b.mu.Unlock()
}

func (b *recBroadcaster) evidenceEvents() []engine.Event {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []engine.Event
	for _, ev := range b.events {
		if ev.Kind == engine.EventEvidence {
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
		store := &enginetest.FaultStore{BlockStore: c.stores[0]}
		store.FailEvidence.Store(failing)
		pub := &recBroadcaster{}
		n, _ := c.startAlone(t, store, pub)
		x, y := byzantinePrevotes(c, 2)
		sendVotes(t, n, "mallory", x, y)
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
		Signer: consensus.NewKeySigner(c.keys[0].BLS), WAL: c.wals[0], Log: logtest.New(t, slog.LevelWarn), Gossip: &recGossip{}})
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

// A peer that forwards two conflicting votes of another validator (as a
// proposer forwarding a proof of lock does) is not penalized for the
// signer's equivocation: the evidence names the signer.
func TestForwardedEquivocationNotPenalized(t *testing.T) {
	c := newCluster(t, 4)
	n, g := c.startAlone(t, c.stores[0], nil)
	x, y := byzantinePrevotes(c, 2)
	sendVotes(t, n, "forwarder", x, y)
	wait.Until(t, "the evidence stored", 20*time.Second, func() bool { return len(storedEvidence(t, c.stores[0])) == 1 })
	if k := g.penaltyCount(); k != 0 {
		t.Fatalf("the forwarder got %d penalties for validator 2's equivocation", k)
	}
}
