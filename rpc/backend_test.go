package rpc

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"sync"
	"testing"

	"aitbc/engine"
	"aitbc/engine/bls"
	"aitbc/engine/state"
	"aitbc/engine/types"
	"aitbc/engine/validators"
	"aitbc/rpc/internal/rpctest"
)

// memBackend is the in-memory twin of node.Node for the RPC tests.
type memBackend struct {
	mu        sync.Mutex
	chainID   string
	head      engine.Head
	headErr   error
	accounts  map[types.Address]state.Account
	blocks    map[uint64]*types.Block
	certs     map[uint64]*types.CommitCert
	txs       map[types.Hash]engine.TxInfo
	pool      []*types.Tx
	poolBytes int
	submitErr error // returned by SubmitTx when set
	panicMsg  string
	submitted []*types.Tx
	batches   int // SubmitTxs calls
	status    engine.Status
	evidence  []*types.Evidence     // in store order: height, then hash
	evErr     error                 // returned by Evidence when set
	included  map[types.Hash]uint64 // evidence hash -> the height of the block that applied it
	mode      string                // consensus mode: poa, pos or hybrid
	epochLen  uint64
	sets      []*validators.Set // sets[e]: the set of epoch e (poa: sets[0] for every epoch)
	stakes    map[types.Address]state.StakeRecord
}

var _ Backend = (*memBackend)(nil)

func (b *memBackend) ChainID() string { return b.chainID }

func (b *memBackend) Head() (engine.Head, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.head, b.headErr
}

func (b *memBackend) SubmitTx(_ context.Context, tx *types.Tx) (types.Hash, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.panicMsg != "" {
		panic(b.panicMsg)
	}
	if b.submitErr != nil {
		return types.Hash{}, b.submitErr
	}
	if err := tx.ValidateBasic(b.chainID); err != nil {
		return types.Hash{}, err
	}
	if !ed25519.Verify(tx.Sender[:], tx.SignBytes(), tx.Sig[:]) {
		return types.Hash{}, fmt.Errorf("tx %s: %w", tx.Hash(), engine.ErrBadSignature)
	}
	h := tx.Hash()
	b.submitted = append(b.submitted, tx)
	b.txs[h] = engine.TxInfo{Tx: tx, Hash: h, Pending: true}
	return h, nil
}

// SubmitTxs is SubmitTx per tx, counting the calls (one per request).
func (b *memBackend) SubmitTxs(ctx context.Context, txs []*types.Tx) ([]types.Hash, []error) {
	b.mu.Lock()
	b.batches++
	b.mu.Unlock()
	hashes, errs := make([]types.Hash, len(txs)), make([]error, len(txs))
	for i, tx := range txs {
		hashes[i], errs[i] = b.SubmitTx(ctx, tx)
	}
	return hashes, errs
}

func (b *memBackend) Account(addr types.Address) (state.Account, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	acc, ok := b.accounts[addr]
	if !ok {
		return state.Account{}, fmt.Errorf("account %s: %w", addr, engine.ErrNotFound)
	}
	return acc, nil
}

func (b *memBackend) Block(height uint64) (*types.Block, *types.CommitCert, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	blk, ok := b.blocks[height]
	if !ok {
		return nil, nil, fmt.Errorf("block %d: %w", height, engine.ErrNotFound)
	}
	return blk, b.certs[height], nil
}

func (b *memBackend) Tx(hash types.Hash) (engine.TxInfo, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	info, ok := b.txs[hash]
	if !ok {
		return engine.TxInfo{}, fmt.Errorf("tx %s: %w", hash, engine.ErrNotFound)
	}
	return info, nil
}

func (b *memBackend) MempoolTxs(limit int) ([]*types.Tx, int, int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	n := min(limit, len(b.pool))
	return append([]*types.Tx(nil), b.pool[:n]...), len(b.pool), b.poolBytes
}

func (b *memBackend) MinFee(tx *types.Tx) uint64 { return 10 + uint64(tx.Size()) }

func (b *memBackend) EvidenceIncluded(h types.Hash) (uint64, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if height, ok := b.included[h]; ok {
		return height, nil
	}
	return 0, engine.ErrNotFound
}

func (b *memBackend) Evidence(from uint64, limit int) ([]*types.Evidence, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.evErr != nil {
		return nil, b.evErr
	}
	var out []*types.Evidence
	for _, ev := range b.evidence {
		if ev.Height() >= from && len(out) < limit {
			out = append(out, ev)
		}
	}
	return out, nil
}

func (b *memBackend) Stake(addr types.Address) (state.StakeRecord, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	rec, ok := b.stakes[addr]
	return rec, ok
}

// ValidatorsAt is the set of height's epoch, as the node's: sets[e] on a
// staking chain (ErrNotFound past the last), sets[0] at every height on poa.
func (b *memBackend) ValidatorsAt(height uint64) (*validators.Set, uint64, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if height == 0 {
		height = b.head.Height + 1
	}
	e := (height - 1) / b.epochLen
	if b.mode == "poa" {
		return b.sets[0], e, nil
	}
	if e >= uint64(len(b.sets)) {
		return nil, 0, fmt.Errorf("validators of height %d: %w", height, engine.ErrNotFound)
	}
	return b.sets[e], e, nil
}

func (b *memBackend) Staking() (string, uint64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.mode, b.epochLen
}

func (b *memBackend) Status() engine.Status {
	b.mu.Lock()
	defer b.mu.Unlock()
	st := b.status
	st.Head = b.head
	st.MempoolTxs, st.MempoolBytes = len(b.pool), b.poolBytes
	return st
}

// fixture is a small chain: block 1 with two txs, one pending tx, two accounts.
type fixture struct {
	b         *memBackend
	alice     ed25519.PrivateKey
	bob       ed25519.PrivateKey
	block1    *types.Block
	cert1     *types.CommitCert
	committed *types.Tx
	pending   *types.Tx
}

// testBLSKey is a BLS public key derived from seed.
func testBLSKey(t testing.TB, seed byte) bls.PublicKey {
	t.Helper()
	ikm := make([]byte, bls.MinIKMSize)
	for i := range ikm {
		ikm[i] = seed
	}
	sk, err := bls.KeyGen(ikm)
	if err != nil {
		t.Fatal(err)
	}
	return sk.PublicKey()
}

// testMember is the validator of key seed with weight.
func testMember(t testing.TB, seed byte, weight uint64) validators.Validator {
	k := rpctest.Key(seed)
	return validators.Validator{Address: rpctest.Addr(k), PubKey: k.Public().(ed25519.PublicKey), BLSPubKey: testBLSKey(t, seed), Weight: weight}
}

func testSet(t testing.TB, vals ...validators.Validator) *validators.Set {
	t.Helper()
	s, err := validators.NewSet(vals)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	txs := rpctest.NewTxs()
	f := &fixture{alice: txs.Alice, bob: txs.Bob, committed: txs.Committed, pending: txs.Pending}
	tx1, tx2 := txs.Block1[0], txs.Block1[1]
	f.block1 = &types.Block{
		Header: types.Header{ChainID: rpctest.ChainID, Height: 1, Time: 1_700_000_000_000, Proposer: rpctest.Addr(f.alice),
			TxRoot: types.MerkleRoot([]types.Hash{tx1.Hash(), tx2.Hash()}), StateRoot: types.Sum256([]byte("state-1")),
			ValidatorsHash: types.Sum256([]byte("validators")), NextValidatorsHash: types.Sum256([]byte("next validators"))},
		Txs: []*types.Tx{tx1, tx2},
	}
	f.cert1 = &types.CommitCert{Height: 1, Round: 0, BlockHash: f.block1.Hash(), Signers: types.NewBitmap(4)}
	f.cert1.Signers.Set(0)
	f.cert1.Signers.Set(2)
	f.cert1.AggSig[0] = 0xaa
	f.b = &memBackend{
		chainID: rpctest.ChainID,
		head: engine.Head{Height: 1, Hash: f.block1.Hash(), Time: f.block1.Header.Time,
			StateRoot: f.block1.Header.StateRoot, TxCount: 2},
		accounts: map[types.Address]state.Account{
			rpctest.Addr(f.alice): {Balance: 1_000_000, Nonce: 2},
			rpctest.Addr(f.bob):   {Balance: 18_446_744_073_709_551_615, Nonce: 0},
		},
		blocks: map[uint64]*types.Block{1: f.block1},
		certs:  map[uint64]*types.CommitCert{1: f.cert1},
		txs: map[types.Hash]engine.TxInfo{
			tx1.Hash():       {Tx: tx1, Hash: tx1.Hash(), Height: 1, Index: 0},
			tx2.Hash():       {Tx: tx2, Hash: tx2.Hash(), Height: 1, Index: 1},
			f.pending.Hash(): {Tx: f.pending, Hash: f.pending.Hash(), Pending: true},
		},
		pool:      []*types.Tx{f.pending, rpctest.SignedTx(f.bob, f.alice, 1, 5)},
		poolBytes: 2 * f.pending.Size(),
		status: engine.Status{ChainID: rpctest.ChainID, NodeVersion: "v0.0.0-test", Validator: rpctest.Addr(f.alice),
			Validators: 4, SigverifyBackend: "cpu", IndexedHeight: 1},
		mode:     "poa",
		epochLen: 100,
		sets:     []*validators.Set{testSet(t, testMember(t, 1, 5))}, // alice
	}
	return f
}
