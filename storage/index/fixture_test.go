package index

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"fmt"
	"log/slog"
	"path/filepath"
	"slices"
	"testing"

	"aitbc/engine"
	"aitbc/engine/state"
	"aitbc/engine/types"
)

const testChainID = "aitbc-test"

// chainGen builds deterministic committed blocks with real signed txs.
// Every selfEvery-th tx is a transfer from a key to itself.
type chainGen struct {
	keys        []ed25519.PrivateKey
	addrs       []types.Address
	txsPerBlock int
	selfEvery   int
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
	return &engine.CommittedBlock{Block: blk, Cert: cert, TxHashes: hashes, Accounts: updates}
}

func (g *chainGen) blocks(n int) []*engine.CommittedBlock {
	out := make([]*engine.CommittedBlock, n)
	for i := range out {
		out[i] = g.next()
	}
	return out
}

func testLogger(t testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(tLogWriter{t}, nil))
}

type tLogWriter struct{ t testing.TB }

func (w tLogWriter) Write(p []byte) (int, error) {
	w.t.Log(string(bytes.TrimRight(p, "\n")))
	return len(p), nil
}

// dbURL is a sqlite URL for a fresh file in a test temp dir.
func dbURL(t testing.TB) string {
	return "sqlite://" + filepath.Join(t.TempDir(), "index.db")
}

func openIndex(t testing.TB, url string) *Index {
	t.Helper()
	ix, err := Open(context.Background(), url, testLogger(t))
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
