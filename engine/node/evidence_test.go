package node

import (
	"errors"
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

// evidenceOf pairs two votes of validator i of the cluster's set.
func evidenceOf(t *testing.T, n *Node, i int, x, y *types.Vote) *types.Evidence {
	t.Helper()
	v := n.vals.Get(i)
	ev, err := types.NewDuplicateVoteEvidence(x, y, v.Address, v.BLSPubKey)
	if err != nil {
		t.Fatal(err)
	}
	return ev
}

func (g *recGossip) evidenceHashes() map[types.Hash][]engine.PeerID {
	out := map[types.Hash][]engine.PeerID{}
	for _, s := range g.evidenceSent() {
		for _, ev := range s.evs {
			out[ev.Hash()] = append(out[ev.Hash()], s.from)
		}
	}
	return out
}

// Evidence our core detects goes to every peer (from ""); a peer's valid
// piece is recorded and relayed once, to all but its sender; the same
// piece again is neither paired nor relayed again; a piece whose
// signatures are not its validator's penalizes the sender and is not
// recorded; one beyond the heights whose sets we know is dropped without
// a penalty; a malformed message is refused outright.
func TestEvidenceGossip(t *testing.T) {
	c := newCluster(t, 4)
	n, g := c.startAlone(t, c.stores[0], nil)

	x, y := byzantinePrevotes(c, 1)
	sendVotes(t, n, "forwarder", x, y)
	own := evidenceOf(t, n, 1, x, y)
	wait.Until(t, "our own evidence broadcast", 20*time.Second, func() bool { return len(g.evidenceHashes()[own.Hash()]) == 1 })
	if from := g.evidenceHashes()[own.Hash()]; from[0] != "" {
		t.Fatalf("our own evidence sent as from %q", from[0])
	}

	x, y = byzantinePrevotes(c, 2)
	valid := evidenceOf(t, n, 2, x, y)
	if err := n.HandleEvidence("alice", []*types.Evidence{valid}); err != nil {
		t.Fatal(err)
	}
	wait.Until(t, "the peer's evidence relayed", 20*time.Second, func() bool { return len(g.evidenceHashes()[valid.Hash()]) == 1 })
	if from := g.evidenceHashes()[valid.Hash()]; from[0] != "alice" {
		t.Fatalf("relayed as from %q, want alice (not back to the sender)", from[0])
	}
	if len(storedEvidence(t, c.stores[0])) != 2 {
		t.Fatalf("stored %d pieces, want 2", len(storedEvidence(t, c.stores[0])))
	}

	if err := n.HandleEvidence("bob", []*types.Evidence{valid}); err != nil {
		t.Fatal(err)
	}
	wait.Until(t, "the duplicate seen", 20*time.Second, func() bool { return counterValue(t, n.m.EvidenceReceived.WithLabelValues("known")) == 1 })

	// Validator 3's signatures under validator 2's name.
	fx := valtest.Vote(c.gen.ChainID, c.keys[3], types.Prevote, 2, 1, 0, types.Sum256([]byte("block x")))
	fy := valtest.Vote(c.gen.ChainID, c.keys[3], types.Prevote, 2, 1, 0, types.Sum256([]byte("block y")))
	forged := evidenceOf(t, n, 2, fx, fy)
	if err := n.HandleEvidence("mallory", []*types.Evidence{forged}); err != nil {
		t.Fatal(err)
	}
	wait.Until(t, "the forger penalized", 20*time.Second, func() bool { return g.penalized("mallory", consensus.ErrBadEvidence) })
	if !g.penalized("mallory", engine.ErrBadPeerMessage) {
		t.Fatal("the penalty does not wrap engine.ErrBadPeerMessage")
	}

	// Height 3 is beyond head+2 (head 0): its set may not be known yet.
	ahead := evidenceOf(t, n, 3,
		valtest.Vote(c.gen.ChainID, c.keys[3], types.Prevote, 3, 3, 0, types.Sum256([]byte("block x"))),
		valtest.Vote(c.gen.ChainID, c.keys[3], types.Prevote, 3, 3, 0, types.Sum256([]byte("block y"))))
	if err := n.HandleEvidence("carol", []*types.Evidence{ahead}); err != nil {
		t.Fatal(err)
	}
	wait.Until(t, "the future piece dropped", 20*time.Second, func() bool { return counterValue(t, n.m.EvidenceReceived.WithLabelValues("future")) == 1 })

	if got := len(storedEvidence(t, c.stores[0])); got != 2 {
		t.Fatalf("stored %d pieces, want 2 (the forged and the future one are not)", got)
	}
	if sent := g.evidenceSent(); len(sent) != 2 {
		t.Fatalf("%d evidence broadcasts, want 2 (ours, alice's once)", len(sent))
	}
	if g.penaltyCount() != 1 {
		t.Fatalf("%d penalties, want 1 (mallory's)", g.penaltyCount())
	}
	for _, tc := range []struct {
		name string
		evs  []*types.Evidence
	}{
		{"none", nil},
		{"nil piece", []*types.Evidence{valid, nil}},
		{"too many", make([]*types.Evidence, engine.MaxGossipEvidence+1)},
	} {
		if err := n.HandleEvidence("dave", tc.evs); !errors.Is(err, engine.ErrBadPeerMessage) {
			t.Errorf("%s: err %v", tc.name, err)
		}
	}
}

// TestEvidenceWindow: the heights of a peer's evidence a node checks, with
// head 100 and max_evidence_age 10: from 91 (the last a block at 101 may
// include) to 102 (the next height but one).
func TestEvidenceWindow(t *testing.T) {
	for _, tc := range []struct {
		h, head, age uint64
		want         string
	}{
		{90, 100, 10, "stale"}, {91, 100, 10, ""}, {100, 100, 10, ""}, {102, 100, 10, ""}, {103, 100, 10, "future"},
		{1, 0, 10, ""}, {2, 0, 10, ""}, {3, 0, 10, "future"}, {1, 1001, 1000, "stale"}, {1, 1000, 1000, ""},
	} {
		if got := evidenceWindow(tc.h, tc.head, tc.age); got != tc.want {
			t.Errorf("evidenceWindow(%d, %d, %d) = %q, want %q", tc.h, tc.head, tc.age, got, tc.want)
		}
	}
}
