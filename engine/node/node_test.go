package node

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"errors"
	"fmt"
	"log/slog"
	mrand "math/rand"
	"sync"
	"testing"
	"time"

	"aitbc/engine"
	"aitbc/engine/bls"
	"aitbc/engine/consensus"
	"aitbc/engine/enginetest"
	"aitbc/engine/mempool"
	"aitbc/engine/state"
	"aitbc/engine/types"
	"aitbc/internal/logtest"
	"aitbc/internal/wait"
)

type testChain struct {
	gen    *types.Genesis
	signer *consensus.KeySigner
	faucet ed25519.PrivateKey
}

func newTestChain(t testing.TB) *testChain {
	t.Helper()
	sk, err := bls.GenerateKey(mrand.New(mrand.NewSource(1)))
	if err != nil {
		t.Fatal(err)
	}
	valAcct := ed25519.NewKeyFromSeed(make([]byte, 32))
	faucet := ed25519.NewKeyFromSeed(sha256.New().Sum([]byte("faucet"))[:32])
	pk, pop := sk.PublicKey(), bls.ProvePossession(sk)
	vpub := valAcct.Public().(ed25519.PublicKey)
	g := &types.Genesis{
		ChainID: "test-chain", GenesisTime: 1_700_000_000_000, ConsensusMode: "poa", Params: types.DefaultParams(),
		Accounts: []types.GenesisAccount{{Address: types.AddressFromPubKey(faucet.Public().(ed25519.PublicKey)), Balance: 1_000_000}},
		Authorities: []types.Authority{{Address: types.AddressFromPubKey(vpub), PubKey: types.HexBytes(vpub),
			BLSPubKey: pk[:], BLSPoP: pop[:], Weight: 10}},
	}
	if err := g.Validate(); err != nil {
		t.Fatal(err)
	}
	return &testChain{gen: g, signer: consensus.NewKeySigner(sk), faucet: faucet}
}

func (c *testChain) transfer(t testing.TB, from ed25519.PrivateKey, nonce uint64, to types.Address, amount, fee uint64) *types.Tx {
	tx := &types.Tx{ChainID: c.gen.ChainID, Type: types.TxTransfer, Nonce: nonce, Recipient: to, Amount: amount, Fee: fee}
	tx.Sign(from)
	return tx
}

func startNode(t testing.TB, c *testChain, store engine.BlockStore, wal engine.WAL, idx engine.Index) *Node {
	t.Helper()
	cfg := DefaultConfig()
	cfg.TickInterval = time.Millisecond
	cfg.BlockTime = 20 * time.Millisecond
	n, err := New(cfg, Deps{Genesis: c.gen, Store: store, Index: idx, Verifier: newTestBatcher(t), Signer: c.signer, WAL: wal,
		Log: logtest.New(t, slog.LevelWarn)})
	if err != nil {
		t.Fatal(err)
	}
	n.Start()
	t.Cleanup(func() { n.Stop() })
	return n
}

func (n *Node) height() uint64 { h, _ := n.Head(); return h.Height }

func TestNodeCommitsTransfer(t *testing.T) {
	c := newTestChain(t)
	store, wal := enginetest.NewMemStore(), enginetest.NewMemWAL()
	n := startNode(t, c, store, wal, nil)
	wait.Until(t, "first block", 20*time.Second, func() bool { return n.height() >= 2 })

	bob := types.Address{0xb0, 0xb0}
	minFee := n.MinFee(c.transfer(t, c.faucet, 1, bob, 5, 0))
	tx := c.transfer(t, c.faucet, 1, bob, 5, minFee)
	hash, err := n.SubmitTx(context.Background(), tx)
	if err != nil {
		t.Fatal(err)
	}
	if info, err := n.Tx(hash); err != nil || !info.Pending {
		t.Fatalf("right after submit: %+v, %v; want pending", info, err)
	}
	var info engine.TxInfo
	wait.Until(t, "tx commit", 20*time.Second, func() bool { info, err = n.Tx(hash); return err == nil && !info.Pending })
	blk, cert, err := n.Block(info.Height)
	if err != nil {
		t.Fatal(err)
	}
	if blk.Txs[info.Index].Hash() != hash || cert.BlockHash != blk.Hash() {
		t.Fatalf("block %d does not hold the tx at %d or its cert is for another block", info.Height, info.Index)
	}
	if err := n.vals.VerifyCommit(c.gen.ChainID, cert); err != nil {
		t.Fatalf("commit cert: %v", err)
	}
	got, _ := n.Account(bob)
	if got.Balance != 5 {
		t.Fatalf("bob balance %d, want 5", got.Balance)
	}
	faucet, _ := n.Account(tx.From())
	if faucet.Balance != 1_000_000-5-minFee || faucet.Nonce != 1 {
		t.Fatalf("faucet %+v", faucet)
	}
	// Fee went to the proposer.
	prop, _ := n.Account(c.gen.Authorities[0].Address)
	if prop.Balance != minFee {
		t.Fatalf("proposer balance %d, want the fee %d", prop.Balance, minFee)
	}
	// Consecutive heights, each linked to its parent.
	for h := uint64(2); h <= info.Height; h++ {
		b, _, err := n.Block(h)
		if err != nil {
			t.Fatal(err)
		}
		parent, _, _ := n.Block(h - 1)
		if b.Header.ParentHash != parent.Hash() || b.Header.Time <= parent.Header.Time {
			t.Fatalf("height %d not linked to its parent", h)
		}
	}
}

func TestNodeRejectsBadTxsWithoutStateChange(t *testing.T) {
	c := newTestChain(t)
	n := startNode(t, c, enginetest.NewMemStore(), enginetest.NewMemWAL(), nil)
	bob := types.Address{0xb0}
	fee := n.MinFee(c.transfer(t, c.faucet, 1, bob, 1, 0))
	good := c.transfer(t, c.faucet, 1, bob, 10, fee)
	if _, err := n.SubmitTx(context.Background(), good); err != nil {
		t.Fatal(err)
	}
	wait.Until(t, "commit", 20*time.Second, func() bool { a, _ := n.Account(bob); return a.Balance == 10 })
	before, _ := n.Account(good.From())

	badSig := c.transfer(t, c.faucet, 2, bob, 1, fee)
	badSig.Sig[5] ^= 1
	wrongChain := c.transfer(t, c.faucet, 2, bob, 1, fee)
	wrongChain.ChainID = "other"
	wrongChain.Sign(c.faucet)
	poor := ed25519.NewKeyFromSeed(make([]byte, 32))
	// STAKE, UNSTAKE and UNJAIL are not executed yet: admitted, they would travel
	// and sit in mempools without ever paying a fee.
	stake := &types.Tx{ChainID: c.gen.ChainID, Type: types.TxStake, Nonce: 2, Amount: 5, Fee: fee}
	stake.Sign(c.faucet)
	unstake := &types.Tx{ChainID: c.gen.ChainID, Type: types.TxUnstake, Nonce: 2, Amount: 5, Fee: fee}
	unstake.Sign(c.faucet)
	unjail := &types.Tx{ChainID: c.gen.ChainID, Type: types.TxUnjail, Nonce: 2, Fee: fee}
	unjail.Sign(c.faucet)
	cases := []struct {
		name string
		tx   *types.Tx
		want error
	}{
		{"bad signature", badSig, engine.ErrBadSignature},
		{"wrong chain", wrongChain, types.ErrInvalidTx},
		{"replay", good, mempool.ErrNonceTooLow},
		{"nonce gap", c.transfer(t, c.faucet, 1_000_000, bob, 1, fee), mempool.ErrNonceGap},
		{"fee too low", c.transfer(t, c.faucet, 2, bob, 1, 0), state.ErrFeeTooLow},
		{"insufficient", c.transfer(t, poor, 1, bob, 1, fee), mempool.ErrInsufficientFunds},
		{"zero amount", c.transfer(t, c.faucet, 2, bob, 0, fee), types.ErrInvalidTx},
		{"stake", stake, state.ErrUnsupportedTx},
		{"unstake", unstake, state.ErrUnsupportedTx},
		{"unjail", unjail, state.ErrUnsupportedTx},
	}
	for _, tc := range cases {
		if _, err := n.SubmitTx(context.Background(), tc.tx); !errors.Is(err, tc.want) {
			t.Errorf("%s: got %v, want %v", tc.name, err, tc.want)
		}
	}
	if _, k, _ := n.MempoolTxs(0); k != 0 {
		t.Fatalf("%d rejected txs in the mempool", k)
	}
	h := n.height()
	wait.Until(t, "more blocks", 20*time.Second, func() bool { return n.height() >= h+3 })
	after, _ := n.Account(good.From())
	if after != before {
		t.Fatalf("rejected txs changed state: %+v -> %+v", before, after)
	}
}

func TestNodeRestartKeepsHeadAndBalances(t *testing.T) {
	c := newTestChain(t)
	store, wal := enginetest.NewMemStore(), enginetest.NewMemWAL()
	n := startNode(t, c, store, wal, nil)
	bob := types.Address{0xbb}
	fee := n.MinFee(c.transfer(t, c.faucet, 1, bob, 1, 0))
	for i := uint64(1); i <= 3; i++ {
		if _, err := n.SubmitTx(context.Background(), c.transfer(t, c.faucet, i, bob, 7, fee)); err != nil {
			t.Fatal(err)
		}
	}
	wait.Until(t, "commit", 20*time.Second, func() bool { a, _ := n.Account(bob); return a.Balance == 21 })
	if err := n.Stop(); err != nil {
		t.Fatal(err)
	}
	head, _ := n.Head()

	n2 := startNode(t, c, store, wal, nil)
	h2, _ := n2.Head()
	if h2.Height < head.Height || h2.Hash != head.Hash && h2.Height == head.Height {
		t.Fatalf("restarted head %d %s, was %d %s", h2.Height, h2.Hash, head.Height, head.Hash)
	}
	if a, _ := n2.Account(bob); a.Balance != 21 {
		t.Fatalf("bob after restart: %d", a.Balance)
	}
	wait.Until(t, "progress after restart", 20*time.Second, func() bool { return n2.height() > head.Height+2 })
	if _, err := n2.SubmitTx(context.Background(), c.transfer(t, c.faucet, 4, bob, 1, fee)); err != nil {
		t.Fatalf("nonce 4 after restart: %v", err)
	}
}

// flakyIndex fails while down is set, and records what it indexed.
type flakyIndex struct {
	mu      sync.Mutex
	down    bool
	heights map[uint64]int
	last    uint64
}

func (x *flakyIndex) IndexBlocks(_ context.Context, bs []*engine.CommittedBlock) error {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.down {
		return errors.New("database unreachable")
	}
	for _, b := range bs {
		h := b.Block.Header.Height
		if h != x.last+1 {
			return fmt.Errorf("index got height %d after %d", h, x.last)
		}
		x.heights[h]++
		x.last = h
	}
	return nil
}

func (x *flakyIndex) LastIndexedHeight(context.Context) (uint64, error) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.down {
		return 0, errors.New("database unreachable")
	}
	return x.last, nil
}

func (x *flakyIndex) Close() error { return nil }

func TestIndexerCatchesUpAfterOutage(t *testing.T) {
	c := newTestChain(t)
	idx := &flakyIndex{down: true, heights: map[uint64]int{}}
	n := startNode(t, c, enginetest.NewMemStore(), enginetest.NewMemWAL(), idx)
	wait.Until(t, "blocks while the index is down", 20*time.Second, func() bool { return n.height() >= 10 })
	idx.mu.Lock()
	idx.down = false
	idx.mu.Unlock()
	target := n.height() + 3
	wait.Until(t, "index catch-up", 20*time.Second, func() bool { idx.mu.Lock(); defer idx.mu.Unlock(); return idx.last >= target })
	idx.mu.Lock()
	defer idx.mu.Unlock()
	for h := uint64(1); h <= idx.last; h++ {
		if idx.heights[h] != 1 {
			t.Fatalf("height %d indexed %d times", h, idx.heights[h])
		}
	}
}
