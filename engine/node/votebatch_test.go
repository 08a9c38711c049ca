package node

import (
	"fmt"
	"log/slog"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"aitbc/engine"

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
	m := c.voteMachine(t, 0, mx, g)
	blk := c.block1(t, 1)
	pc := func(i int) *types.Vote { return c.vote(types.Precommit, i, blk) }
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

// TestVotesHeldForAQuorum: a peer's vote of the round being decided is
// held until the votes held for its slot and those counted reach a quorum;
// then they are checked in one product. A vote that cannot reach one is
// released by the second tick after it came and checked alone.
func TestVotesHeldForAQuorum(t *testing.T) {
	c := newCluster(t, 4)
	g := &recGossip{}
	mx := metrics.New(nil)
	m := c.voteMachine(t, 0, mx, g)
	blk := c.block1(t, 1)
	pc := func(i int) *types.Vote { return c.vote(types.Precommit, i, blk) }
	counted := func() uint64 {
		forBlock, _, current := m.core.Tally(pc(1))
		if !current {
			t.Fatal("the core left height 1 round 0")
		}
		return forBlock
	}
	// Two of the three peers' precommits (power 2 of 4, quorum 3):
	// held, none counted or checked yet.
	m.stepPeers([]peerMsg{{peer: "p1", msg: &consensus.VoteMsg{Vote: pc(1)}}})
	m.stepPeers([]peerMsg{{peer: "p2", msg: &consensus.VoteMsg{Vote: pc(2)}}})
	if got := counted(); got != 0 || len(m.held) != 2 {
		t.Fatalf("counted %d, %d held; want 0 counted, 2 held", got, len(m.held))
	}
	// The third makes a quorum: the three are checked in one product and
	// decide the block (missing here: this Machine never saw its body).
	m.stepPeers([]peerMsg{{peer: "p3", msg: &consensus.VoteMsg{Vote: pc(3)}}})
	if got := counterValue(t, mx.VotesBatchChecked); got != 3 || len(m.held) != 0 {
		t.Fatalf("%v votes checked in a batch, %d held; want 3 and 0", got, len(m.held))
	}
	if h, _, ok := m.core.MissingDecision(); !ok || h != blk.Hash() {
		t.Fatal("the quorum checked together did not decide the block")
	}

	// A fresh node: a lone vote waits for the second tick, then counts.
	m2 := c.voteMachine(t, 1, metrics.New(nil), &recGossip{})
	m2.stepPeers([]peerMsg{{peer: "p2", msg: &consensus.VoteMsg{Vote: pc(2)}}})
	if forBlock, _, _ := m2.core.Tally(pc(2)); forBlock != 0 || len(m2.held) != 1 {
		t.Fatalf("a lone vote: counted %d, %d held; want 0 and 1", forBlock, len(m2.held))
	}
	// The next tick may come at once after the vote: it waits for a
	// second one.
	m2.Tick()
	if forBlock, _, _ := m2.core.Tally(pc(2)); forBlock != 0 || len(m2.held) != 1 {
		t.Fatalf("after a tick: counted %d, %d held; want 0 and 1", forBlock, len(m2.held))
	}
	m2.Tick()
	if forBlock, _, _ := m2.core.Tally(pc(2)); forBlock != 1 || len(m2.held) != 0 {
		t.Fatalf("after two ticks: counted %d, %d held; want 1 and 0", forBlock, len(m2.held))
	}
}

// TestHeldForgeryPenalizesItsPeer: a forged vote held with good ones of
// its slot fails the joint check, is isolated, refused and its peer alone
// penalized; the good votes count; a forged vote in an honest
// validator's name does not keep that validator's real vote out.
func TestHeldForgeryPenalizesItsPeer(t *testing.T) {
	c := newCluster(t, 4)
	g := &recGossip{}
	m := c.voteMachine(t, 0, metrics.New(nil), g)
	blk := c.block1(t, 1)
	pc := func(i int) *types.Vote { return c.vote(types.Precommit, i, blk) }
	forged := pc(2)
	forged.Sig = pc(3).Sig
	m.stepPeers([]peerMsg{{peer: "forger", msg: &consensus.VoteMsg{Vote: forged}}})
	m.stepPeers([]peerMsg{{peer: "p1", msg: &consensus.VoteMsg{Vote: pc(1)}}})
	m.stepPeers([]peerMsg{{peer: "p3", msg: &consensus.VoteMsg{Vote: pc(3)}}}) // a quorum held: released
	if !g.penalized("forger", consensus.ErrBadSignature) || g.penaltyCount() != 1 {
		t.Fatalf("penalties %+v, want one, for the forger's bad signature", g.penalties)
	}
	if _, _, ok := m.core.MissingDecision(); ok {
		t.Fatal("decided on two good precommits and a forged one")
	}
	m.stepPeers([]peerMsg{{peer: "p2", msg: &consensus.VoteMsg{Vote: pc(2)}}})
	if h, _, ok := m.core.MissingDecision(); !ok || h != blk.Hash() {
		t.Fatal("validator 2's real precommit, after a forgery in its name, did not complete the quorum")
	}
}

// voteMachine is an initialized Machine of validator i of c, with the
// metrics and transport given; it stops with the test.
func (c *cluster) voteMachine(t *testing.T, i int, mx *metrics.Metrics, g engine.Gossip) *Machine {
	t.Helper()
	m, err := NewMachine(clusterConfig(), Deps{Genesis: c.gen, Store: c.stores[i], Verifier: newTestBatcher(t), Metrics: mx,
		Signer: consensus.NewKeySigner(c.keys[i].BLS), WAL: c.wals[i], Log: logtest.New(t, slog.LevelWarn), Gossip: g})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(m.Stop)
	m.Init()
	return m
}

// vote is validator i's vote of type vt for blk at height 1, round 0.
func (c *cluster) vote(vt types.VoteType, i int, blk *types.Block) *types.Vote {
	return valtest.Vote(c.gen.ChainID, c.keys[i], vt, i, 1, 0, blk.Hash())
}

// TestSurplusPrevoteDroppedUnchecked: once the core counted a quorum of
// prevotes for a block, a further prevote for it from a validator with no
// prevote counted is dropped unchecked: not counted, not relayed, its
// peer not penalized even when the signature is forged. A validator that
// prevoted another block in the round is not surplus: its vote is checked
// and the equivocation found.
func TestSurplusPrevoteDroppedUnchecked(t *testing.T) {
	// Seven validators of power 1, quorum 5; validator 1 (not the proposer
	// of height 1 round 0) has not prevoted.
	c := newCluster(t, 7)
	blk := c.block1(t, 1)
	b := blk.Hash()
	pv := func(i int, h types.Hash) *types.Vote {
		return valtest.Vote(c.gen.ChainID, c.keys[i], types.Prevote, i, 1, 0, h)
	}
	votes := func(h types.Hash, from ...int) []peerMsg {
		var out []peerMsg
		for _, i := range from {
			out = append(out, peerMsg{peer: engine.PeerID(fmt.Sprintf("p%d", i)), msg: &consensus.VoteMsg{Vote: pv(i, h)}})
		}
		return out
	}

	g := &relayGossip{}
	mx := metrics.New(nil)
	m := c.voteMachine(t, 1, mx, g)
	m.stepPeers(votes(b, 0, 2, 3, 4, 5))
	if forBlock, _, _ := m.core.Tally(pv(0, b)); forBlock != 5 {
		t.Fatalf("counted %d for the block, want the quorum of 5", forBlock)
	}
	relays := len(g.calls())
	forged := pv(6, b)
	forged.Sig = pv(5, b).Sig
	m.stepPeers([]peerMsg{{peer: "forger", msg: &consensus.VoteMsg{Vote: forged}}})
	m.stepPeers(votes(b, 6))
	if got := counterValue(t, mx.VotesSurplus); got != 2 {
		t.Fatalf("surplus votes %v, want 2 (a forged and a real one)", got)
	}
	if forBlock, _, _ := m.core.Tally(pv(0, b)); forBlock != 5 || len(m.held) != 0 {
		t.Fatalf("after surplus votes: counted %d, %d held; want 5 and 0", forBlock, len(m.held))
	}
	if len(g.penalties) != 0 || len(g.calls()) != relays || relays != 5 {
		t.Fatalf("relays %d (want the quorum's 5), then %d; penalties %v: a surplus vote was checked or relayed", relays, len(g.calls()), g.penalties)
	}

	// Validator 0 prevoted nil first (counted at the second tick), then the block
	// reached its quorum: validator 0's prevote for the block is an
	// equivocation, checked and reported, not dropped.
	mx2 := metrics.New(nil)
	m2 := c.voteMachine(t, 1, mx2, &relayGossip{})
	m2.stepPeers(votes(types.Hash{}, 0))
	m2.Tick()
	m2.Tick()
	m2.stepPeers(votes(b, 2, 3, 4, 5, 6))
	m2.stepPeers(votes(b, 0))
	if got := counterValue(t, mx2.VotesSurplus); got != 0 {
		t.Fatalf("an equivocating prevote was dropped as surplus (%v)", got)
	}
	if got := counterValue(t, mx2.Core.Equivocations.(prometheus.Counter)); got != 1 {
		t.Fatalf("equivocations %v, want 1", got)
	}
}
