package node

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"

	"aitbc/engine"
	"aitbc/engine/blocksync"
	"aitbc/engine/bls"
	"aitbc/engine/consensus"
	"aitbc/engine/enginetest"
	"aitbc/engine/types"
	"aitbc/engine/validators/valtest"
	"aitbc/gpu"
	"aitbc/internal/logtest"
	"aitbc/internal/wait"
)

// recGossip is a engine.Gossip that records what the node asks of it.
type recGossip struct {
	mu        sync.Mutex
	consensus int
	txs       []*types.Tx
	statuses  []uint64
	requests  []blockRequest
	answers   []peerBlocks
	penalties []memPenalty
	// validators are the lists of SetValidators calls, in order.
	validators [][]bls.PublicKey
	evidence   []sentEvidence
}

// sentEvidence is one BroadcastEvidence call.
type sentEvidence struct {
	from engine.PeerID
	evs  []*types.Evidence
}

func (g *recGossip) BroadcastEvidence(from engine.PeerID, evs []*types.Evidence) {
	g.mu.Lock()
	g.evidence = append(g.evidence, sentEvidence{from: from, evs: evs})
	g.mu.Unlock()
}

func (g *recGossip) evidenceSent() []sentEvidence {
	g.mu.Lock()
	defer g.mu.Unlock()
	return slices.Clone(g.evidence)
}

func (g *recGossip) BroadcastConsensus(msgs []consensus.Message) {
	g.mu.Lock()
	g.consensus += len(msgs)
	g.mu.Unlock()
}

func (g *recGossip) BroadcastTxs(txs []*types.Tx) {
	g.mu.Lock()
	g.txs = append(g.txs, txs...)
	g.mu.Unlock()
}

func (g *recGossip) BroadcastStatus(height uint64, _ types.Hash) {
	g.mu.Lock()
	g.statuses = append(g.statuses, height)
	g.mu.Unlock()
}

func (g *recGossip) RequestBlocks(peer engine.PeerID, from uint64, count int) {
	g.mu.Lock()
	g.requests = append(g.requests, blockRequest{peer: peer, from: from, count: count})
	g.mu.Unlock()
}

func (g *recGossip) SendBlocks(peer engine.PeerID, blocks []engine.SyncedBlock) {
	g.mu.Lock()
	g.answers = append(g.answers, peerBlocks{peer: peer, blocks: blocks})
	g.mu.Unlock()
}

func (g *recGossip) SetValidators(keys []bls.PublicKey) {
	g.mu.Lock()
	g.validators = append(g.validators, slices.Clone(keys))
	g.mu.Unlock()
}

func (g *recGossip) Penalize(peer engine.PeerID, reason error) {
	g.mu.Lock()
	g.penalties = append(g.penalties, memPenalty{peer: peer, err: reason})
	g.mu.Unlock()
}

func (g *recGossip) penalized(peer engine.PeerID, target error) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, p := range g.penalties {
		if p.peer == peer && errors.Is(p.err, target) {
			return true
		}
	}
	return false
}

func (g *recGossip) penaltyCount() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.penalties)
}

func (g *recGossip) relayed(hash types.Hash) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return slices.ContainsFunc(g.txs, func(tx *types.Tx) bool { return tx.Hash() == hash })
}

func (g *recGossip) requestList() []blockRequest {
	g.mu.Lock()
	defer g.mu.Unlock()
	return slices.Clone(g.requests)
}

func (g *recGossip) answerList() []peerBlocks {
	g.mu.Lock()
	defer g.mu.Unlock()
	return slices.Clone(g.answers)
}

func newTestBatcher(t testing.TB) *gpu.Batcher {
	v := gpu.NewCPU(1)
	b, err := gpu.NewBatcher(v, v, gpu.DefaultBatcherConfig(), gpu.NopMetrics())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	return b
}

func testLogger(t testing.TB) *slog.Logger {
	return logtest.New(t, slog.LevelWarn)
}

// startPeerNode starts validator 0 of a four-validator cluster genesis on
// its own, wired to a recGossip: it stays at height 1 (no quorum), which is
// all the peer-input tests need.
func startPeerNode(t *testing.T) (*cluster, *Node, *recGossip) {
	c := newCluster(t, 4)
	n, g := c.startAlone(t, c.stores[0], nil)
	return c, n, g
}

// startAlone starts validator 0 on store, publishing to pub (nil: none),
// wired to a new recGossip.
func (c *cluster) startAlone(t *testing.T, store engine.BlockStore, pub engine.Broadcaster) (*Node, *recGossip) {
	g := &recGossip{}
	n, err := New(clusterConfig(), Deps{Genesis: c.gen, Store: store, Verifier: newTestBatcher(t), Publish: pub,
		Signer: consensus.NewKeySigner(c.keys[0].BLS), WAL: c.wals[0], Log: logtest.New(t, slog.LevelWarn), Gossip: g})
	if err != nil {
		t.Fatal(err)
	}
	n.Start()
	t.Cleanup(func() { n.Stop() })
	return n, g
}

// sendVotes hands votes to n as peer sent them.
func sendVotes(t *testing.T, n *Node, peer engine.PeerID, votes ...*types.Vote) {
	t.Helper()
	for _, v := range votes {
		if err := n.HandleConsensus(peer, &consensus.VoteMsg{Vote: v}); err != nil {
			t.Fatal(err)
		}
	}
}

// Malformed peer input is refused with engine.ErrBadPeerMessage, never panics, and
// never reaches the consensus loop.
func TestPeerHandlersRejectMalformedInput(t *testing.T) {
	c, n, g := startPeerNode(t)
	chain := c.gen.ChainID
	vote := func(mut func(*types.Vote)) *consensus.VoteMsg {
		v := valtest.Vote(chain, c.keys[1], types.Prevote, 1, 1, 0, types.Hash{})
		if mut != nil {
			mut(v)
		}
		return &consensus.VoteMsg{Vote: v}
	}
	block := func(h uint64) *types.Block {
		return &types.Block{Header: types.Header{ChainID: chain, Height: h, TxRoot: types.MerkleRoot(nil)}}
	}
	proposal := func(mut func(*types.Proposal, *types.Block)) *consensus.ProposalMsg {
		b := block(1)
		p := &types.Proposal{Height: 1, Round: 0, POLRound: -1}
		if mut != nil {
			mut(p, b)
		}
		if p.BlockHash.IsZero() {
			p.BlockHash = b.Hash()
		}
		return &consensus.ProposalMsg{Proposal: p, Block: b}
	}
	synced := func(from uint64, k int) []engine.SyncedBlock {
		var out []engine.SyncedBlock
		for i := 0; i < k; i++ {
			b := block(from + uint64(i))
			out = append(out, engine.SyncedBlock{Block: b, Cert: &types.CommitCert{Height: b.Header.Height, BlockHash: b.Hash()}})
		}
		return out
	}
	tx := c.transfer(n, 1, types.Address{1}, 1)
	const p = engine.PeerID("mallory")
	cases := []struct {
		name string
		call func() error
	}{
		{"nil message", func() error { return n.HandleConsensus(p, nil) }},
		{"block built", func() error { return n.HandleConsensus(p, &consensus.BlockBuilt{Height: 1, Block: block(1)}) }},
		{"block validated", func() error { return n.HandleConsensus(p, &consensus.BlockValidated{Valid: true}) }},
		{"commit msg", func() error { return n.HandleConsensus(p, &consensus.CommitMsg{Block: block(1)}) }},
		{"nil vote msg", func() error { return n.HandleConsensus(p, (*consensus.VoteMsg)(nil)) }},
		{"nil vote", func() error { return n.HandleConsensus(p, &consensus.VoteMsg{}) }},
		{"vote type", func() error { return n.HandleConsensus(p, vote(func(v *types.Vote) { v.Type = 3 })) }},
		{"vote height 0", func() error { return n.HandleConsensus(p, vote(func(v *types.Vote) { v.Height = 0 })) }},
		{"vote index", func() error {
			return n.HandleConsensus(p, vote(func(v *types.Vote) { v.ValidatorIndex = types.MaxValidators }))
		}},
		{"nil proposal msg", func() error { return n.HandleConsensus(p, (*consensus.ProposalMsg)(nil)) }},
		{"nil proposal", func() error { return n.HandleConsensus(p, &consensus.ProposalMsg{Block: block(1)}) }},
		{"nil proposal block", func() error {
			return n.HandleConsensus(p, &consensus.ProposalMsg{Proposal: proposal(nil).Proposal})
		}},
		{"proposal height 0", func() error {
			return n.HandleConsensus(p, proposal(func(p *types.Proposal, b *types.Block) { p.Height, b.Header.Height = 0, 0 }))
		}},
		{"proposal pol round", func() error {
			return n.HandleConsensus(p, proposal(func(p *types.Proposal, _ *types.Block) { p.POLRound = 0 }))
		}},
		{"proposal chain", func() error {
			return n.HandleConsensus(p, proposal(func(_ *types.Proposal, b *types.Block) { b.Header.ChainID = "other" }))
		}},
		{"proposal block height", func() error {
			return n.HandleConsensus(p, proposal(func(_ *types.Proposal, b *types.Block) { b.Header.Height = 2 }))
		}},
		{"proposal block hash", func() error {
			return n.HandleConsensus(p, proposal(func(p *types.Proposal, _ *types.Block) { p.BlockHash = types.Hash{1} }))
		}},
		{"proposal nil tx", func() error {
			return n.HandleConsensus(p, proposal(func(_ *types.Proposal, b *types.Block) { b.Txs = []*types.Tx{nil} }))
		}},
		{"proposal body stripped", func() error {
			// The header commits to one tx; the body carries none: the
			// hash (header only) still matches.
			return n.HandleConsensus(p, proposal(func(_ *types.Proposal, b *types.Block) { b.Header.TxRoot = tx.Hash() }))
		}},
		{"proposal body swapped", func() error {
			return n.HandleConsensus(p, proposal(func(_ *types.Proposal, b *types.Block) {
				b.Header.TxRoot = types.MerkleRoot([]types.Hash{tx.Hash()})
				b.Txs = []*types.Tx{c.transfer(n, 1, types.Address{2}, 1)}
			}))
		}},
		{"proposal last commit", func() error {
			return n.HandleConsensus(p, proposal(func(_ *types.Proposal, b *types.Block) { b.LastCommit = &types.CommitCert{} }))
		}},
		{"too many txs", func() error { return n.HandleTxs(p, make([]*types.Tx, engine.MaxGossipTxs+1)) }},
		{"nil tx", func() error { return n.HandleTxs(p, []*types.Tx{tx, nil}) }},
		{"status without hash", func() error { return n.HandleStatus(p, 5, types.Hash{}) }},
		{"status hash at 0", func() error { return n.HandleStatus(p, 0, types.Hash{1}) }},
		{"request from 0", func() error { return n.HandleBlockRequest(p, 0, 1) }},
		{"request count 0", func() error { return n.HandleBlockRequest(p, 1, 0) }},
		{"request count -1", func() error { return n.HandleBlockRequest(p, 1, -1) }},
		{"request too many", func() error { return n.HandleBlockRequest(p, 1, engine.MaxSyncBlocks+1) }},
		{"too many blocks", func() error { return n.HandleBlocks(p, synced(1, engine.MaxSyncBlocks+1)) }},
		{"nil synced block", func() error { return n.HandleBlocks(p, []engine.SyncedBlock{{Cert: &types.CommitCert{Height: 1}}}) }},
		{"nil synced cert", func() error { return n.HandleBlocks(p, []engine.SyncedBlock{{Block: block(1)}}) }},
		{"synced gap", func() error { s := synced(1, 3); s[2] = synced(4, 1)[0]; return n.HandleBlocks(p, s) }},
		{"synced descending", func() error { s := synced(1, 2); s[0], s[1] = s[1], s[0]; return n.HandleBlocks(p, s) }},
		{"synced height 0", func() error { return n.HandleBlocks(p, synced(0, 1)) }},
		{"synced cert height", func() error { s := synced(1, 1); s[0].Cert.Height = 2; return n.HandleBlocks(p, s) }},
		{"synced chain", func() error { s := synced(1, 1); s[0].Block.Header.ChainID = "other"; return n.HandleBlocks(p, s) }},
		{"synced nil tx", func() error { s := synced(1, 1); s[0].Block.Txs = []*types.Tx{nil}; return n.HandleBlocks(p, s) }},
	}
	for _, tc := range cases {
		err := tc.call()
		if !errors.Is(err, engine.ErrBadPeerMessage) {
			t.Errorf("%s: got %v, want engine.ErrBadPeerMessage", tc.name, err)
		}
	}
	// Well-formed input is accepted.
	for name, err := range map[string]error{
		"vote":          n.HandleConsensus(p, vote(nil)),
		"status":        n.HandleStatus(p, 0, types.Hash{}),
		"empty txs":     n.HandleTxs(p, nil),
		"empty answer":  n.HandleBlocks(p, nil),
		"block request": n.HandleBlockRequest(p, 1, engine.MaxSyncBlocks),
	} {
		if err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	time.Sleep(50 * time.Millisecond) // let the loop run over whatever got through
	if err := n.Err(); err != nil {
		t.Fatalf("node halted: %v", err)
	}
	if k := g.penaltyCount(); k != 0 {
		t.Fatalf("%d penalties for well-formed input", k)
	}
}

// A vote whose signature does not verify, or a tx with a bad signature,
// counts against the peer that sent it; good ones are used and do not.
func TestPeerBadSignaturesArePenalized(t *testing.T) {
	c, n, g := startPeerNode(t)
	chain := c.gen.ChainID

	good := valtest.Vote(chain, c.keys[1], types.Prevote, 1, 1, 0, types.Hash{})
	if err := n.HandleConsensus("honest", &consensus.VoteMsg{Vote: good}); err != nil {
		t.Fatal(err)
	}
	forged := valtest.Vote(chain, c.keys[2], types.Prevote, 1, 1, 0, types.Hash{})
	forged.ValidatorIndex = 3 // validator 2's signature, claimed as validator 3's
	if err := n.HandleConsensus("mallory", &consensus.VoteMsg{Vote: forged}); err != nil {
		t.Fatal(err)
	}
	wait.Until(t, "penalty for the forged vote", 20*time.Second, func() bool { return g.penalized("mallory", consensus.ErrBadSignature) })

	bob := types.Address{0xb0}
	okTx := c.transfer(n, 1, bob, 3)
	badTx := c.transfer(n, 2, bob, 3)
	badTx.Sig[7] ^= 1
	if err := n.HandleTxs("honest", []*types.Tx{okTx}); err != nil {
		t.Fatal(err)
	}
	if err := n.HandleTxs("mallory", []*types.Tx{badTx}); err != nil {
		t.Fatal(err)
	}
	wait.Until(t, "penalty for the forged tx", 20*time.Second, func() bool { return g.penalized("mallory", engine.ErrBadSignature) })
	wait.Until(t, "the good tx in the mempool", 20*time.Second, func() bool { info, err := n.Tx(okTx.Hash()); return err == nil && info.Pending })
	wait.Until(t, "the good tx relayed", 20*time.Second, func() bool { return g.relayed(okTx.Hash()) })
	if g.relayed(badTx.Hash()) {
		t.Fatal("a tx with a bad signature was relayed")
	}
	// A replay of an admitted tx is normal traffic, not a fault.
	if err := n.HandleTxs("honest", []*types.Tx{okTx}); err != nil {
		t.Fatal(err)
	}
	// Txs from RPC are relayed too.
	rpcTx := c.transfer(n, 2, bob, 4)
	if _, err := n.SubmitTx(context.Background(), rpcTx); err != nil {
		t.Fatal(err)
	}
	wait.Until(t, "the RPC tx relayed", 20*time.Second, func() bool { return g.relayed(rpcTx.Hash()) })
	if g.penalized("honest", engine.ErrBadPeerMessage) || g.penalized("honest", engine.ErrBadSignature) || g.penalized("honest", consensus.ErrBadSignature) {
		t.Fatal("the honest peer was penalized")
	}
}

// produceChain runs a single validator until it has committed height h,
// with one transfer committed on the way, and returns its blocks.
func produceChain(t *testing.T, c *testChain, h uint64) ([]engine.SyncedBlock, types.Hash) {
	n := startNode(t, c, enginetest.NewMemStore(), enginetest.NewMemWAL(), nil)
	wait.Until(t, "first block", 20*time.Second, func() bool { return n.height() >= 1 })
	tx := c.transfer(t, c.faucet, 1, types.Address{0xb0}, 9, n.MinFee(c.transfer(t, c.faucet, 1, types.Address{0xb0}, 9, 0)))
	hash, err := n.SubmitTx(context.Background(), tx)
	if err != nil {
		t.Fatal(err)
	}
	wait.Until(t, fmt.Sprintf("height %d", h), 20*time.Second, func() bool { return n.height() >= h })
	if err := n.Stop(); err != nil {
		t.Fatal(err)
	}
	var out []engine.SyncedBlock
	for i := uint64(1); i <= h; i++ {
		blk, cert, err := n.Block(i)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, engine.SyncedBlock{Block: blk, Cert: cert})
	}
	return out, hash
}

// A full node learns peers' heads from their status, asks one peer at a
// time for blocks, moves on to another peer when a request times out,
// refuses (and reports) blocks that do not match their header or
// certificate, and commits the good ones.
func TestBlockSyncFromPeers(t *testing.T) {
	c := newTestChain(t)
	chain, txHash := produceChain(t, c, 8)
	txHeight := uint64(0)
	for _, sb := range chain {
		for _, tx := range sb.Block.Txs {
			if tx.Hash() == txHash {
				txHeight = sb.Block.Header.Height
			}
		}
	}
	if txHeight < 2 {
		t.Fatalf("the transfer landed at height %d; the test needs a block before it", txHeight)
	}
	top := chain[len(chain)-1]

	cfg := clusterConfig()
	cfg.SyncTimeout = 200 * time.Millisecond
	cfg.PeerTTL = time.Minute // a and b stay "live" however slow the machine
	g := &recGossip{}
	n, err := New(cfg, Deps{Genesis: c.gen, Store: enginetest.NewMemStore(), Verifier: newTestBatcher(t), Log: logtest.New(t, slog.LevelWarn), Gossip: g})
	if err != nil {
		t.Fatal(err)
	}
	n.Start()
	defer n.Stop()

	if err := n.HandleStatus("a", top.Block.Header.Height, top.Block.Hash()); err != nil {
		t.Fatal(err)
	}
	wait.Until(t, "a block request", 20*time.Second, func() bool { return len(g.requestList()) >= 1 })
	if err := n.HandleStatus("b", top.Block.Header.Height, top.Block.Hash()); err != nil {
		t.Fatal(err)
	}
	if r := g.requestList()[0]; r != (blockRequest{peer: "a", from: 1, count: 8}) {
		t.Fatalf("first request %+v", r)
	}
	if !n.Status().Syncing {
		t.Fatal("not syncing while 8 blocks behind")
	}
	// a never answers; after the timeout b is asked.
	wait.Until(t, "a second request", 20*time.Second, func() bool { return len(g.requestList()) >= 2 })
	if r := g.requestList()[1]; r != (blockRequest{peer: "b", from: 1, count: 8}) {
		t.Fatalf("request after the timeout %+v, want one to b", r)
	}

	// b sends the blocks up to the transfer's, that one with its txs
	// swapped out: the good ones commit, the bad one is refused.
	answer := slices.Clone(chain[:txHeight])
	bad := *answer[txHeight-1].Block
	bad.Txs = nil
	answer[txHeight-1] = engine.SyncedBlock{Block: &bad, Cert: answer[txHeight-1].Cert}
	if err := n.HandleBlocks("b", answer); err != nil {
		t.Fatal(err)
	}
	wait.Until(t, "penalty for the tampered block", 20*time.Second, func() bool { return g.penalized("b", engine.ErrBadPeerMessage) })
	if h := n.height(); h != txHeight-1 {
		t.Fatalf("height %d after the tampered answer, want %d", h, txHeight-1)
	}

	// a and b are sidelined; c is asked next and sends the right block
	// with a forged certificate.
	askedOf := func(p engine.PeerID) func() bool {
		return func() bool {
			return slices.ContainsFunc(g.requestList(), func(r blockRequest) bool { return r.peer == p })
		}
	}
	if err := n.HandleStatus("c", top.Block.Header.Height, top.Block.Hash()); err != nil {
		t.Fatal(err)
	}
	wait.Until(t, "a request to c", 20*time.Second, askedOf("c"))
	forged := *chain[txHeight-1].Cert
	forged.AggSig = bls.Sign(otherKey(), []byte("not a precommit"))
	if err := n.HandleBlocks("c", []engine.SyncedBlock{{Block: chain[txHeight-1].Block, Cert: &forged}}); err != nil {
		t.Fatal(err)
	}
	wait.Until(t, "penalty for the forged certificate", 20*time.Second, func() bool { return g.penalized("c", consensus.ErrBadSignature) })

	// e sends blocks nobody asked it for: dropped, and counted against it.
	if err := n.HandleBlocks("e", chain[txHeight-1:]); err != nil {
		t.Fatal(err)
	}
	wait.Until(t, "penalty for the unsolicited blocks", 20*time.Second, func() bool { return g.penalized("e", blocksync.ErrUnsolicited) })
	if h := n.height(); h != txHeight-1 {
		t.Fatalf("height %d after unsolicited blocks, want %d", h, txHeight-1)
	}

	// d is asked and sends the rest.
	if err := n.HandleStatus("d", top.Block.Header.Height, top.Block.Hash()); err != nil {
		t.Fatal(err)
	}
	wait.Until(t, "a request to d", 20*time.Second, askedOf("d"))
	if r := g.requestList()[len(g.requestList())-1]; r != (blockRequest{peer: "d", from: txHeight, count: int(top.Block.Header.Height - txHeight + 1)}) {
		t.Fatalf("request to d %+v", r)
	}
	if err := n.HandleBlocks("d", chain[txHeight-1:]); err != nil {
		t.Fatal(err)
	}
	wait.Until(t, "the top block", 20*time.Second, func() bool { return n.height() == top.Block.Header.Height })
	head, _ := n.Head()
	if head.Hash != top.Block.Hash() {
		t.Fatalf("synced head %s, want %s", head.Hash, top.Block.Hash())
	}
	if info, err := n.Tx(txHash); err != nil || info.Height != txHeight {
		t.Fatalf("synced transfer: %+v, %v", info, err)
	}
	if a, _ := n.Account(types.Address{0xb0}); a.Balance != 9 {
		t.Fatalf("synced balance %d, want 9", a.Balance)
	}
	wait.Until(t, "not syncing", 20*time.Second, func() bool { return !n.Status().Syncing })
	if st := n.Status(); st.Peers != 4 {
		t.Fatalf("Status.Peers %d, want 4 (a, b, c and d announced heads)", st.Peers)
	}
	if err := n.Err(); err != nil {
		t.Fatalf("node halted: %v", err)
	}
	if got := counterValue(t, n.m.BlocksSynced); got != float64(top.Block.Header.Height) {
		t.Fatalf("BlocksSynced %v, want %d", got, top.Block.Header.Height)
	}
}

func otherKey() *bls.SecretKey {
	_, k := valtest.Validator(99, 1)
	return k.BLS
}

// A node answers block requests from its store: the blocks it has, with
// their certificates, stopping at its head; nothing for heights it lacks.
// It announces its head after commits.
func TestServesBlockRequests(t *testing.T) {
	c := newTestChain(t)
	g := &recGossip{}
	cfg := DefaultConfig()
	cfg.TickInterval, cfg.BlockTime = time.Millisecond, 20*time.Millisecond
	n, err := New(cfg, Deps{Genesis: c.gen, Store: enginetest.NewMemStore(), Verifier: newTestBatcher(t), Signer: c.signer,
		WAL: enginetest.NewMemWAL(), Log: logtest.New(t, slog.LevelWarn), Gossip: g})
	if err != nil {
		t.Fatal(err)
	}
	n.Start()
	defer n.Stop()
	wait.Until(t, "height 6", 20*time.Second, func() bool { return n.height() >= 6 })

	if err := n.HandleBlockRequest("p", 2, 3); err != nil {
		t.Fatal(err)
	}
	wait.Until(t, "an answer", 20*time.Second, func() bool { return len(g.answerList()) >= 1 })
	a := g.answerList()[0]
	if a.peer != "p" || len(a.blocks) != 3 {
		t.Fatalf("answer to %s with %d blocks, want 3 to p", a.peer, len(a.blocks))
	}
	for i, sb := range a.blocks {
		h := uint64(2 + i)
		if sb.Block.Header.Height != h || sb.Cert.BlockHash != sb.Block.Hash() {
			t.Fatalf("answer block %d: height %d, cert for %s", i, sb.Block.Header.Height, sb.Cert.BlockHash)
		}
		if err := n.vals.VerifyCommit(c.gen.ChainID, sb.Cert); err != nil {
			t.Fatalf("answer block %d: %v", h, err)
		}
	}

	if err := n.HandleBlockRequest("p", 1<<62, engine.MaxSyncBlocks); err != nil {
		t.Fatal(err)
	}
	wait.Until(t, "a second answer", 20*time.Second, func() bool { return len(g.answerList()) >= 2 })
	if b := g.answerList()[1].blocks; len(b) != 0 {
		t.Fatalf("answer beyond our head has %d blocks", len(b))
	}

	if err := n.HandleBlockRequest("p", 1, engine.MaxSyncBlocks); err != nil {
		t.Fatal(err)
	}
	wait.Until(t, "a third answer", 20*time.Second, func() bool { return len(g.answerList()) >= 3 })
	b := g.answerList()[2].blocks
	if len(b) < 6 || b[len(b)-1].Block.Header.Height != uint64(len(b)) || b[len(b)-1].Block.Header.Height > n.height() {
		t.Fatalf("answer from 1 has %d blocks; want 1, 2, ... up to our head", len(b))
	}

	h := n.height()
	wait.Until(t, "a status announcing a later head", 20*time.Second, func() bool {
		g.mu.Lock()
		defer g.mu.Unlock()
		return len(g.statuses) > 0 && g.statuses[len(g.statuses)-1] > h
	})
}

// TestValidatorRebroadcastsPendingTxs: a validator sends a tx that stayed
// pending a whole status interval to its peers again, not only at
// admission (that relay is lost to a partition; a validator alone of four
// decides nothing here, so its tx stays pending).
func TestValidatorRebroadcastsPendingTxs(t *testing.T) {
	c := newCluster(t, 4)
	n, g := c.startAlone(t, c.stores[0], nil)
	tx := c.transfer(n, 1, types.Address{7}, 5)
	if _, err := n.SubmitTx(context.Background(), tx); err != nil {
		t.Fatal(err)
	}
	hash := tx.Hash()
	sent := func() int {
		g.mu.Lock()
		defer g.mu.Unlock()
		k := 0
		for _, x := range g.txs {
			if x.Hash() == hash {
				k++
			}
		}
		return k
	}
	wait.Until(t, "the tx sent again", 20*time.Second, func() bool { return sent() >= 2 })
}
