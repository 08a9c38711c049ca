package node

import (
	"log/slog"
	"testing"

	"aitbc/engine/consensus"
	"aitbc/engine/metrics"
	"aitbc/engine/types"
	"aitbc/engine/validators/valtest"
	"aitbc/internal/logtest"
)

// TestStepPeersChecksSlotsTogether: the votes of a slot queued together
// are checked as a batch; a forged vote among them is still refused and
// its peer alone penalized, and the good votes count (a quorum of
// precommits decides the block).
func TestStepPeersChecksSlotsTogether(t *testing.T) {
	c := newCluster(t, 4)
	g := &recGossip{}
	mx := metrics.New(nil)
	m, err := NewMachine(clusterConfig(), Deps{Genesis: c.gen, Store: c.stores[0], Verifier: newTestBatcher(t), Metrics: mx,
		Signer: consensus.NewKeySigner(c.keys[0].BLS), WAL: c.wals[0], Log: logtest.New(t, slog.LevelWarn), Gossip: g})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Stop()
	m.Init()
	blk := c.block1(t, 1)
	pc := func(i int) *types.Vote {
		return valtest.Vote(c.gen.ChainID, c.keys[i], types.Precommit, i, 1, 0, blk.Hash())
	}
	forged := pc(2)
	forged.Sig = pc(3).Sig
	batch := []peerMsg{
		{peer: "forger", msg: &consensus.VoteMsg{Vote: forged}},
		{peer: "p1", msg: &consensus.VoteMsg{Vote: pc(1)}},
		{peer: "p3", msg: &consensus.VoteMsg{Vote: pc(3)}},
		{peer: "p3", msg: &consensus.VoteMsg{Vote: pc(3)}}, // a repeat: refused unchecked
	}
	m.stepPeers(batch)
	if got := counterValue(t, mx.VotesBatchChecked); got != 2 {
		t.Fatalf("%v votes checked in a batch, want 2 (validators 1 and 3)", got)
	}
	if !g.penalized("forger", consensus.ErrBadSignature) || g.penaltyCount() != 1 {
		t.Fatalf("penalties %+v, want one, for the forger's bad signature", g.penalties)
	}
	m.stepPeers([]peerMsg{{peer: "p2", msg: &consensus.VoteMsg{Vote: pc(2)}}})
	// Three precommits of four decide the block, whose body this Machine
	// never saw: it is missing, so the good votes of the batch counted.
	if h, _, ok := m.core.MissingDecision(); !ok || h != blk.Hash() {
		t.Fatal("three good precommits (two of them checked in the batch) did not decide the block")
	}
}
