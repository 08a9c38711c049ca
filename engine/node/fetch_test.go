package node

import (
	"errors"
	"log/slog"
	"testing"
	"time"

	"aitbc/engine"
	"aitbc/engine/bls"
	"aitbc/engine/consensus"
	"aitbc/engine/enginetest"
	"aitbc/engine/exec"
	"aitbc/engine/mempool"
	"aitbc/engine/metrics"
	"aitbc/engine/state"
	"aitbc/engine/types"
	"aitbc/engine/validators"
	"aitbc/engine/validators/valtest"
	"aitbc/internal/logtest"
	"aitbc/internal/wait"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// startFetchNode starts validator 0 of c alone with a short sync timeout,
// its peers' claims live for the whole test.
func startFetchNode(t *testing.T, c *cluster) (*Node, *recGossip) {
	cfg := clusterConfig()
	cfg.SyncTimeout = 300 * time.Millisecond
	cfg.PeerTTL = time.Minute
	g := &recGossip{}
	n, err := New(cfg, Deps{Genesis: c.gen, Store: c.stores[0], Verifier: newTestBatcher(t),
		Signer: consensus.NewKeySigner(c.keys[0].BLS), WAL: c.wals[0], Log: logtest.New(t, slog.LevelWarn), Gossip: g})
	if err != nil {
		t.Fatal(err)
	}
	n.Start()
	t.Cleanup(func() { n.Stop() })
	return n, g
}

// block1 is a valid height-1 block of c proposed by validator proposer,
// carrying txs, stamped now.
func (c *cluster) block1(t *testing.T, proposer int, txs ...*types.Tx) *types.Block {
	t.Helper()
	st, err := state.FromGenesis(c.gen)
	if err != nil {
		t.Fatal(err)
	}
	vals, err := validators.FromGenesis(c.gen)
	if err != nil {
		t.Fatal(err)
	}
	ledger := exec.NewLedger(st, mempool.New(mempool.DefaultConfig()), metrics.Nop())
	now := time.Now()
	for _, tx := range txs {
		if err := ledger.Admit(tx, tx.Hash(), 0, now); err != nil {
			t.Fatal(err)
		}
	}
	x := exec.NewExecutor(c.gen.ChainID, vals, vals.Get(proposer).Address, ledger, newTestBatcher(t), exec.NewVerdictCache(16), slog.New(slog.DiscardHandler))
	blk := x.Build(&consensus.BuildRequest{Height: 1}, engine.Head{Time: c.gen.GenesisTime, StateRoot: ledger.Root()}, now)
	if len(blk.Txs) != len(txs) {
		t.Fatalf("built a block with %d txs, want %d", len(blk.Txs), len(txs))
	}
	return blk
}

// decide1 has validators 1, 2 and 3 (a quorum of four) precommit hash at
// height 1, round; it returns their certificate.
func (c *cluster) decide1(t *testing.T, n *Node, round uint32, hash types.Hash) *types.CommitCert {
	t.Helper()
	var votes []*types.Vote
	for i := 1; i <= 3; i++ {
		votes = append(votes, valtest.Vote(c.gen.ChainID, c.keys[i], types.Precommit, i, 1, round, hash))
	}
	sendVotes(t, n, "honest", votes...)
	cert, err := n.vals.MakeCommit(1, round, hash, votes)
	if err != nil {
		t.Fatal(err)
	}
	return cert
}

// proposal1 is validator 1's signed proposal of blk at height 1, round 1
// (validator 1 proposes round 1 of four equal validators).
func (c *cluster) proposal1(blk *types.Block) *consensus.ProposalMsg {
	p := &types.Proposal{Height: 1, Round: 1, POLRound: -1, BlockHash: blk.Hash()}
	p.Sig = bls.Sign(c.keys[1].BLS, p.SignBytes(c.gen.ChainID))
	return &consensus.ProposalMsg{Proposal: p, Block: blk}
}

func gaugeValue(t *testing.T, n *Node) float64 {
	var m dto.Metric
	if err := n.m.ConsensusHalted.Write(&m); err != nil {
		t.Fatal(err)
	}
	return m.GetGauge().GetValue()
}

// A node that was sent a stripped copy of a block (same header, txs
// removed) while the others decide the genuine one does not keep the
// copy and does not halt: it fetches the decided block from a peer whose
// head has it, moves to another peer when the first does not deliver, and
// commits the genuine block with its txs. (Before bodies were checked on
// arrival the stripped copy was stored, failed validation at commit and
// the node exited.)
func TestDecidedBlockFetchedWhenItsBodyWasStripped(t *testing.T) {
	c := newCluster(t, 4)
	n, g := startFetchNode(t, c)
	bob := types.Address{0xb0}
	tx := c.transfer(n, 1, bob, 7)
	genuine := c.block1(t, 1, tx)
	stripped := *genuine
	stripped.Txs = nil
	if stripped.Hash() != genuine.Hash() {
		t.Fatal("the stripped copy must keep the header")
	}
	if err := n.HandleConsensus("mallory", c.proposal1(&stripped)); !errors.Is(err, engine.ErrBadPeerMessage) {
		t.Fatalf("stripped proposal: %v, want engine.ErrBadPeerMessage", err)
	}
	cert := c.decide1(t, n, 1, genuine.Hash())
	for _, p := range []engine.PeerID{"p1", "p2"} {
		if err := n.HandleStatus(p, 1, genuine.Hash()); err != nil {
			t.Fatal(err)
		}
	}
	wait.Until(t, "a request for height 1", 20*time.Second, func() bool { return len(g.requestList()) >= 1 })
	if r := g.requestList()[0]; r.from != 1 || r.peer != "p1" {
		t.Fatalf("first request %+v, want height 1 from p1", r)
	}
	// p1 never answers: p2 is asked next.
	wait.Until(t, "a request to p2", 20*time.Second, func() bool {
		for _, r := range g.requestList() {
			if r.peer == "p2" && r.from == 1 {
				return true
			}
		}
		return false
	})
	if err := n.HandleBlocks("p2", []engine.SyncedBlock{{Block: genuine, Cert: cert}}); err != nil {
		t.Fatal(err)
	}
	wait.Until(t, "height 1", 20*time.Second, func() bool { return n.height() >= 1 })
	if head, _ := n.Head(); head.Hash != genuine.Hash() {
		t.Fatalf("committed %s, want the genuine %s", head.Hash, genuine.Hash())
	}
	if a, _ := n.Account(bob); a.Balance != 7 {
		t.Fatalf("bob's balance %d, want 7: the genuine body's tx was not applied", a.Balance)
	}
	if err := n.Err(); err != nil {
		t.Fatalf("node failed: %v", err)
	}
	if st := n.Status(); st.Halted != nil {
		t.Fatalf("node halted: %+v", st.Halted)
	}
}

// A block that a quorum decides but that fails validation here (only
// possible with more than a third of the power faulty, or a local bug)
// does not stop the process: consensus halts at that height, nothing more
// is signed, Status and the metric report it, and the node keeps serving.
func TestInvalidDecidedBlockHaltsConsensusNotTheNode(t *testing.T) {
	c := newCluster(t, 4)
	n, g := startFetchNode(t, c)
	bad := c.block1(t, 1)
	bad.Header.StateRoot = types.Sum256([]byte("not the state after this block"))
	if err := n.HandleConsensus("p1", c.proposal1(bad)); err != nil {
		t.Fatal(err)
	}
	c.decide1(t, n, 1, bad.Hash())
	wait.Until(t, "the halt reported", 20*time.Second, func() bool { return n.Status().Halted != nil })
	h := n.Status().Halted
	if h.Height != 1 || h.Hash != bad.Hash() || h.Reason == "" {
		t.Fatalf("halt %+v, want height 1, block %s and a reason", h, bad.Hash())
	}
	if v := gaugeValue(t, n); v != 1 {
		t.Fatalf("aitbc_consensus_halted %v, want 1", v)
	}
	select {
	case <-n.Done():
		t.Fatalf("the node loop exited: %v", n.Err())
	default:
	}
	if err := n.Err(); err != nil {
		t.Fatalf("node failed: %v", err)
	}
	if head, _ := n.Head(); head.Height != 0 {
		t.Fatalf("head %d: the invalid block was committed", head.Height)
	}
	// Still serving: a block request is answered (empty: no blocks yet).
	if err := n.HandleBlockRequest("p9", 1, 4); err != nil {
		t.Fatal(err)
	}
	wait.Until(t, "an answer while halted", 20*time.Second, func() bool { return len(g.answerList()) >= 1 })
	// Nothing more is signed: the core is neither ticked nor stepped, so
	// no timeout moves it to another round and no vote leaves.
	sent := counterValue(t, n.m.ConsensusSent)
	time.Sleep(300 * time.Millisecond) // a round's worth of ticks
	sendVotes(t, n, "honest", valtest.Vote(c.gen.ChainID, c.keys[2], types.Prevote, 2, 2, 0, types.Hash{}))
	time.Sleep(100 * time.Millisecond)
	if now := counterValue(t, n.m.ConsensusSent); now != sent {
		t.Fatalf("%v consensus messages sent after the halt", now-sent)
	}
}

// Two certificates for different blocks of one height (a quorum of
// precommits here, a certified block from sync) halt the node instead of
// committing either. A Machine, so that the precommits are stepped before
// the synced block is (a Node's loop may take its queues in any order).
func TestConflictingCertificateHalts(t *testing.T) {
	c := newCluster(t, 4)
	g := &recGossip{}
	m, err := NewMachine(clusterConfig(), Deps{Genesis: c.gen, Store: c.stores[0], Verifier: newTestBatcher(t),
		Signer: consensus.NewKeySigner(c.keys[0].BLS), WAL: c.wals[0], Log: logtest.New(t, slog.LevelWarn), Gossip: g})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Stop()
	m.Init()
	decided, other := c.block1(t, 1), c.block1(t, 2)
	var mine, theirs []*types.Vote
	for i := 1; i <= 3; i++ {
		mine = append(mine, valtest.Vote(c.gen.ChainID, c.keys[i], types.Precommit, i, 1, 1, decided.Hash()))
		theirs = append(theirs, valtest.Vote(c.gen.ChainID, c.keys[i], types.Precommit, i, 1, 0, other.Hash()))
	}
	for _, v := range mine {
		if err := m.HandleConsensus("honest", &consensus.VoteMsg{Vote: v}); err != nil {
			t.Fatal(err)
		}
	}
	cert, err := m.vals.MakeCommit(1, 0, other.Hash(), theirs)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.HandleStatus("p1", 1, other.Hash()); err != nil {
		t.Fatal(err)
	}
	m.Housekeep() // the decided block is missing: asked for at once
	if rs := g.requestList(); len(rs) != 1 || rs[0] != (blockRequest{peer: "p1", from: 1, count: 1}) {
		t.Fatalf("requests %+v, want height 1 from p1", rs)
	}
	if err := m.HandleBlocks("p1", []engine.SyncedBlock{{Block: other, Cert: cert}}); err != nil {
		t.Fatal(err)
	}
	h := m.Status().Halted
	if h == nil || h.Height != 1 || h.Hash != decided.Hash() {
		t.Fatalf("halt %+v, want height 1 at the decided %s", h, decided.Hash())
	}
	if head, _ := m.Head(); head.Height != 0 {
		t.Fatalf("head %d after conflicting certificates", head.Height)
	}
	if m.Err() != nil {
		t.Fatalf("node failed: %v", m.Err())
	}
}

// A peer that claims blocks and answers a request for them with none is
// sidelined, not banned: its renewed claim is not asked while it is
// benched, another peer is, and it is not penalized.
func TestSyncPeerThatDoesNotDeliverIsSidelined(t *testing.T) {
	c := newTestChain(t)
	cfg := clusterConfig()
	cfg.PeerTTL = time.Minute
	g := &recGossip{}
	n, err := New(cfg, Deps{Genesis: c.gen, Store: enginetest.NewMemStore(), Verifier: newTestBatcher(t), Log: logtest.New(t, slog.LevelWarn), Gossip: g})
	if err != nil {
		t.Fatal(err)
	}
	n.Start()
	defer n.Stop()
	claim := types.Sum256([]byte("head 5"))
	if err := n.HandleStatus("x", 5, claim); err != nil {
		t.Fatal(err)
	}
	wait.Until(t, "a request to x", 20*time.Second, func() bool { return len(g.requestList()) == 1 })
	if err := n.HandleBlocks("x", nil); err != nil {
		t.Fatal(err)
	}
	wait.Until(t, "x sidelined", 20*time.Second, func() bool {
		return counterVecValue(t, n.m.SyncSidelined, "empty") == 1
	})
	if err := n.HandleStatus("x", 6, claim); err != nil { // claims again, and more
		t.Fatal(err)
	}
	if err := n.HandleStatus("y", 5, claim); err != nil {
		t.Fatal(err)
	}
	wait.Until(t, "a request to y", 20*time.Second, func() bool { return len(g.requestList()) >= 2 })
	for _, r := range g.requestList()[1:] {
		if r.peer == "x" {
			t.Fatalf("x asked again while sidelined: %+v", g.requestList())
		}
	}
	if g.penaltyCount() != 0 {
		t.Fatal("a peer that answered nothing was penalized")
	}
}

func counterVecValue(t *testing.T, v *prometheus.CounterVec, label string) float64 {
	return counterValue(t, v.WithLabelValues(label))
}
