package index

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"aitbc/engine"
	"aitbc/engine/state"
	"aitbc/engine/types"
	"aitbc/internal/logtest"
	"aitbc/internal/pgtest"
)

const (
	testChainID     = "aitbc-test"
	testMintPerUnit = 3
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// testDB is a database kind the suite runs on: a fresh empty database per call.
type testDB struct {
	name string
	url  func(testing.TB) string
}

// testDBs are SQLite (always) and PostgreSQL (pgtest: skipped without a
// server outside CI).
var testDBs = []testDB{{"sqlite", dbURL}, {"postgres", pgtest.URL}}

// forEachDB runs fn as a subtest on a fresh database of every kind.
func forEachDB(t *testing.T, fn func(t *testing.T, url string)) {
	for _, db := range testDBs {
		t.Run(db.name, func(t *testing.T) { fn(t, db.url(t)) })
	}
}

// coordinatorKey attests the generated receipt claims.
var coordinatorKey = ed25519.NewKeyFromSeed(bytes.Repeat([]byte{0xc0}, 32))

// testGenesis is the chain the generated blocks belong to, as far as the
// index cares: mint_per_unit and the authorities.
func testGenesis() *types.Genesis {
	g := &types.Genesis{ChainID: testChainID, GenesisTime: 1_700_000_000_000, ConsensusMode: "poa", Params: types.DefaultParams()}
	g.Params.MintPerUnit = testMintPerUnit
	g.Params.Coordinators = []types.HexBytes{types.HexBytes(coordinatorKey.Public().(ed25519.PublicKey))}
	for i := range 3 {
		k := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{byte(0xa0 + i)}, 32))
		pub := k.Public().(ed25519.PublicKey)
		g.Authorities = append(g.Authorities, types.Authority{Address: types.AddressFromPubKey(pub), PubKey: types.HexBytes(pub),
			BLSPubKey: bytes.Repeat([]byte{byte(i + 1)}, 48), BLSPoP: make([]byte, 96), Weight: uint64(10 * (i + 1))})
	}
	return g
}

// chainGen builds deterministic committed blocks with real signed txs.
// Every selfEvery-th tx is a transfer from a key to itself; with
// claimEvery > 0, every claimEvery-th tx is a RECEIPT_CLAIM of a fresh job
// (CommittedBlock.Receipts filled on odd heights, left for the index to
// rebuild on even ones).
type chainGen struct {
	keys        []ed25519.PrivateKey
	addrs       []types.Address
	txsPerBlock int
	selfEvery   int
	claimEvery  int
	height      uint64
	parent      types.Hash
}

func newChainGen(nKeys, txsPerBlock int) *chainGen {
	g := &chainGen{txsPerBlock: txsPerBlock, selfEvery: 5}
	for i := range nKeys {
		seed := sha256.Sum256(fmt.Appendf(nil, "index-test-key-%d", i))
		k := ed25519.NewKeyFromSeed(seed[:])
		g.keys = append(g.keys, k)
		g.addrs = append(g.addrs, types.AddressFromPubKey(k.Public().(ed25519.PublicKey)))
	}
	return g
}

func (g *chainGen) next() *engine.CommittedBlock {
	h := g.height + 1
	n := g.txsPerBlock
	txs := make([]*types.Tx, n)
	touched := map[types.Address]bool{}
	for i := range n {
		s := (int(h)*7 + i) % len(g.keys)
		r := (s + 1 + i%3) % len(g.keys)
		if g.selfEvery > 0 && i%g.selfEvery == g.selfEvery-1 {
			r = s
		}
		tx := &types.Tx{
			ChainID:   testChainID,
			Type:      types.TxTransfer,
			Nonce:     h*uint64(n+1) + uint64(i) + 1,
			Recipient: g.addrs[r],
			Amount:    1<<63 + uint64(i), // above int64: must survive the round trip
			Fee:       uint64(10 + i),
		}
		if g.claimEvery > 0 && i%g.claimEvery == g.claimEvery-1 {
			job := fmt.Appendf(nil, "job-%d-%d", h, i)
			units := 1<<62 + uint64(i) // units × 3 fits; units > int64 would too
			tx.Type, tx.Recipient, tx.Amount = types.TxReceiptClaim, types.Address{}, 0
			tx.Payload = types.NewReceiptClaim(testChainID, job, units, g.addrs[s], coordinatorKey).Encode()
		}
		tx.Sign(g.keys[s])
		txs[i] = tx
		touched[g.addrs[s]], touched[g.addrs[r]] = true, true
	}
	blk := &types.Block{
		Header: types.Header{
			ChainID:    testChainID,
			Height:     h,
			Time:       1_700_000_000_000 + h*1000,
			ParentHash: g.parent,
			Proposer:   g.addrs[int(h)%len(g.addrs)],
			StateRoot:  types.Sum256(fmt.Appendf(nil, "state-%d", h)),
		},
		Txs: txs,
	}
	hashes := blk.TxHashes()
	blk.Header.TxRoot = types.MerkleRoot(hashes)
	addrs := make([]types.Address, 0, len(touched))
	for a := range touched {
		addrs = append(addrs, a)
	}
	slices.SortFunc(addrs, func(a, b types.Address) int { return bytes.Compare(a[:], b[:]) })
	updates := make([]state.AccountUpdate, len(addrs))
	for i, a := range addrs {
		updates[i] = state.AccountUpdate{Address: a, Account: state.Account{Balance: 1<<64 - 1 - h - uint64(i), Nonce: h}}
	}
	g.height, g.parent = h, blk.Hash()
	cert := &types.CommitCert{Height: h, BlockHash: blk.Hash(), Signers: types.NewBitmap(1)}
	cb := &engine.CommittedBlock{Block: blk, Cert: cert, TxHashes: hashes, Accounts: updates}
	if h%2 == 1 {
		rs, err := state.BlockReceipts(txs, testMintPerUnit)
		if err != nil {
			panic(err)
		}
		cb.Receipts = rs
	}
	return cb
}

func (g *chainGen) blocks(n int) []*engine.CommittedBlock {
	out := make([]*engine.CommittedBlock, n)
	for i := range out {
		out[i] = g.next()
	}
	return out
}

func testLogger(t testing.TB) *slog.Logger {
	return logtest.New(t, slog.LevelInfo)
}

// dbURL is a sqlite URL for a fresh file in a test temp dir.
func dbURL(t testing.TB) string {
	return "sqlite://" + filepath.Join(t.TempDir(), "index.db")
}

// openIndex opens url for the test chain (WithGenesis(testGenesis())).
func openIndex(t testing.TB, url string, opts ...Option) *Index {
	t.Helper()
	ix, err := Open(context.Background(), url, testLogger(t), append([]Option{WithGenesis(testGenesis())}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ix.Close() })
	return ix
}

func mustIndex(t testing.TB, ix *Index, blocks ...*engine.CommittedBlock) {
	t.Helper()
	if err := ix.IndexBlocks(context.Background(), blocks); err != nil {
		t.Fatal(err)
	}
}
