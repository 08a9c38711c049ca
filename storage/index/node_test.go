package index

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"fmt"
	"log/slog"
	mrand "math/rand"
	"reflect"
	"sync"
	"testing"
	"time"

	"aitbc/engine"
	"aitbc/engine/bls"
	"aitbc/engine/consensus"
	"aitbc/engine/enginetest"
	"aitbc/engine/indexer"
	"aitbc/engine/node"
	"aitbc/engine/state"
	"aitbc/engine/types"
	"aitbc/gpu"
	"aitbc/internal/logtest"
	"aitbc/internal/pgtest"
	"aitbc/internal/wait"
)

// liveChain is a one-validator chain run by a real node.Node over an
// in-memory block store, with a faucet, a miner and a coordinator.
type liveChain struct {
	gen    *types.Genesis
	signer *consensus.KeySigner
	faucet ed25519.PrivateKey
	miner  ed25519.PrivateKey
	coord  ed25519.PrivateKey
	store  *enginetest.MemStore
}

func key(name string) ed25519.PrivateKey {
	seed := sha256.Sum256([]byte(name))
	return ed25519.NewKeyFromSeed(seed[:])
}

func newLiveChain(t testing.TB) *liveChain {
	t.Helper()
	sk, err := bls.GenerateKey(mrand.New(mrand.NewSource(7)))
	if err != nil {
		t.Fatal(err)
	}
	c := &liveChain{signer: consensus.NewKeySigner(sk), faucet: key("faucet"), miner: key("miner"), coord: key("coordinator"), store: enginetest.NewMemStore()}
	val := key("validator")
	vpub := val.Public().(ed25519.PublicKey)
	pk, pop := sk.PublicKey(), bls.ProvePossession(sk)
	c.gen = &types.Genesis{ChainID: "index-live", GenesisTime: 1_700_000_000_000, ConsensusMode: "poa", Params: types.DefaultParams(),
		Accounts: []types.GenesisAccount{{Address: pubAddr(c.faucet), Balance: 1 << 50}},
		Authorities: []types.Authority{{Address: types.AddressFromPubKey(vpub), PubKey: types.HexBytes(vpub),
			BLSPubKey: pk[:], BLSPoP: pop[:], Weight: 10}}}
	c.gen.Params.MintPerUnit = 1000
	c.gen.Params.Coordinators = []types.HexBytes{types.HexBytes(c.coord.Public().(ed25519.PublicKey))}
	if err := c.gen.Validate(); err != nil {
		t.Fatal(err)
	}
	return c
}

func pubAddr(k ed25519.PrivateKey) types.Address {
	return types.AddressFromPubKey(k.Public().(ed25519.PublicKey))
}

// start runs a node over the chain's store; validator false runs a full
// node, which commits nothing new (its indexer only catches up).
func (c *liveChain) start(t testing.TB, ix engine.Index, validator bool) *node.Node {
	t.Helper()
	cfg := node.DefaultConfig()
	cfg.TickInterval = 2 * time.Millisecond
	cfg.BlockTime = 40 * time.Millisecond
	cfg.IndexBatch = 16
	v := gpu.NewCPU(1)
	b, err := gpu.NewBatcher(v, v, gpu.DefaultBatcherConfig(), gpu.NopMetrics())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	d := node.Deps{Genesis: c.gen, Store: c.store, Index: ix, Verifier: b,
		Log: logtest.New(t, slog.LevelWarn)}
	if validator {
		d.Signer, d.WAL = c.signer, enginetest.NewMemWAL()
	}
	n, err := node.New(cfg, d)
	if err != nil {
		t.Fatal(err)
	}
	n.Start()
	return n
}

// load submits transfers and receipt claims until stop is closed, at a
// bounded rate; it returns how many were admitted.
func (c *liveChain) load(t testing.TB, n *node.Node, stop <-chan struct{}) (admitted int) {
	ctx := context.Background()
	var fNonce, mNonce uint64
	recipients := []types.Address{pubAddr(key("r1")), pubAddr(key("r2")), pubAddr(key("r3")), pubAddr(c.miner)}
	for round := 0; ; round++ {
		select {
		case <-stop:
			return admitted
		case <-time.After(20 * time.Millisecond):
		}
		for i := range 8 {
			tx := &types.Tx{ChainID: c.gen.ChainID, Type: types.TxTransfer, Nonce: fNonce + 1, Recipient: recipients[i%len(recipients)], Amount: uint64(1 + i)}
			tx.Fee = n.MinFee(tx)
			tx.Sign(c.faucet)
			if _, err := n.SubmitTx(ctx, tx); err == nil {
				fNonce++
				admitted++
			}
		}
		job := fmt.Appendf(nil, "job-%d", round)
		claim := &types.Tx{ChainID: c.gen.ChainID, Type: types.TxReceiptClaim, Nonce: mNonce + 1,
			Payload: types.NewReceiptClaim(c.gen.ChainID, job, 5+uint64(round%7), pubAddr(c.miner), c.coord).Encode()}
		claim.Fee = n.MinFee(claim)
		claim.Sign(c.miner)
		if _, err := n.SubmitTx(ctx, claim); err == nil {
			mNonce++
			admitted++
		}
	}
}

func headOf(t testing.TB, n *node.Node) uint64 {
	h, err := n.Head()
	if err != nil {
		t.Fatal(err)
	}
	return h.Height
}

// finish restarts the chain as a full node, which commits nothing, and
// waits until its indexer has caught up with the store's head.
func (c *liveChain) finish(t testing.TB, ix *Index) uint64 {
	t.Helper()
	head, _, _ := c.store.Head()
	n := c.start(t, ix, false)
	wait.Until(t, "the index to reach the head", 60*time.Second, func() bool {
		h, err := ix.LastIndexedHeight(context.Background())
		return err == nil && h >= head
	})
	if err := n.Stop(); err != nil {
		t.Fatal(err)
	}
	return head
}

// checkComplete compares the index with a fresh reindex of the store into
// another database, row for row, every table (accounts included: each
// row as of the block that last changed it), and checks the accounts
// against the store's state.
func (c *liveChain) checkComplete(t *testing.T, ix *Index, head uint64, freshURL string) {
	t.Helper()
	ctx := context.Background()
	live := dump(t, ix)
	if len(live["blocks"]) != int(head) {
		t.Fatalf("index has %d blocks, the store %d", len(live["blocks"]), head)
	}
	re := openIndexFor(t, freshURL, c.gen)
	p, err := indexer.Reindex(ctx, re, c.store, c.gen, indexer.ReindexOptions{Batch: 7})
	if err != nil || p.Height != head || p.Blocks != int(head) {
		t.Fatalf("Reindex = %+v, %v", p, err)
	}
	want := dump(t, re)
	sameRows(t, "live", live, "reindex", want)
	if len(want["receipts"]) == 0 || len(want["txs"]) == 0 {
		t.Fatalf("the load committed nothing: %d txs, %d receipts", len(want["txs"]), len(want["receipts"]))
	}
	stored := map[string]string{}
	_ = c.store.LoadAccounts(func(a types.Address, acct state.Account) error {
		stored[a.String()] = fmt.Sprintf("%s|%d", encodeAmount(acct.Balance), acct.Nonce)
		return nil
	})
	got := map[string]string{}
	for _, row := range want["accounts"] {
		var addr, bal string
		var nonce, upd int64
		if _, err := fmt.Sscanf(replacePipes(row), "%s %s %d %d", &addr, &bal, &nonce, &upd); err != nil {
			t.Fatalf("account row %q: %v", row, err)
		}
		got[addr] = fmt.Sprintf("%s|%d", bal, nonce)
	}
	if len(got) != len(stored) {
		t.Errorf("index: %d accounts, store %d", len(got), len(stored))
	}
	for a, s := range stored {
		if got[a] != s {
			t.Errorf("index: account %s = %q, store %q", a, got[a], s)
		}
	}
}

// sameRows fails the test where two dumps differ, table by table.
func sameRows(t *testing.T, aName string, a map[string][]string, bName string, b map[string][]string) {
	t.Helper()
	for _, table := range []string{"blocks", "txs", "receipts", "accounts", "validators", "meta"} {
		if !reflect.DeepEqual(a[table], b[table]) {
			t.Errorf("table %s: %s has %d rows, %s %d; first difference: %s", table, aName, len(a[table]), bName, len(b[table]),
				firstDiff(a[table], b[table]))
		}
	}
}

func replacePipes(s string) string {
	b := []byte(s)
	for i := range b {
		if b[i] == '|' {
			b[i] = ' '
		}
	}
	return string(b)
}

func firstDiff(a, b []string) string {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return fmt.Sprintf("row %d: %q vs %q", i, a[i], b[i])
		}
	}
	return "(one is a prefix of the other)"
}

func openIndexFor(t testing.TB, url string, g *types.Genesis) *Index {
	t.Helper()
	ix, err := Open(context.Background(), url, testLogger(t), WithGenesis(g))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ix.Close() })
	return ix
}

// The three producers of a block's index rows agree row for row, every
// table, on SQLite and PostgreSQL: live commit (the indexer's queue), the
// indexer's re-read of stored blocks (a full node indexing the finished
// chain into an empty database replays every height from the store), and
// reindex.
func TestLiveRereadAndReindexRowsMatch(t *testing.T) {
	for _, db := range testDBs {
		t.Run(db.name, func(t *testing.T) {
			c := newLiveChain(t)
			ix := openIndexFor(t, db.url(t), c.gen)
			n := c.start(t, ix, true)
			stop := make(chan struct{})
			var wg sync.WaitGroup
			wg.Add(1)
			go func() { defer wg.Done(); c.load(t, n, stop) }()
			wait.Until(t, "20 blocks", 60*time.Second, func() bool { return headOf(t, n) >= 20 })
			close(stop)
			wg.Wait()
			if err := n.Stop(); err != nil {
				t.Fatal(err)
			}
			head := c.finish(t, ix)
			reread := openIndexFor(t, db.url(t), c.gen)
			if h := c.finish(t, reread); h != head {
				t.Fatalf("re-read indexed to %d, head %d", h, head)
			}
			sameRows(t, "live", dump(t, ix), "re-read", dump(t, reread))
			c.checkComplete(t, ix, head, db.url(t))
		})
	}
}

// The database goes away under load: blocks keep committing, and when it
// is back the index ends complete, without missing or duplicated rows.
func TestIndexSurvivesPostgresOutage(t *testing.T) {
	cl := pgtest.NewCluster(t)
	c := newLiveChain(t)
	ix := openIndexFor(t, cl.URL("postgres"), c.gen)
	n := c.start(t, ix, true)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	var admitted int
	go func() { defer wg.Done(); admitted = c.load(t, n, stop) }()
	ctx := context.Background()
	wait.Until(t, "indexing to start", 60*time.Second, func() bool {
		h, err := ix.LastIndexedHeight(ctx)
		return err == nil && h >= 5
	})
	if err := cl.Stop(); err != nil {
		t.Fatal(err)
	}
	down := headOf(t, n)
	if _, err := ix.LastIndexedHeight(ctx); err == nil {
		t.Fatal("the index answers with its server stopped")
	}
	// Blocks keep committing while the database is away (3 s, 30 blocks at least).
	back := time.Now().Add(3 * time.Second)
	wait.Until(t, "30 blocks with the database down", 60*time.Second, func() bool {
		return headOf(t, n) >= down+30 && time.Now().After(back)
	})
	if err := cl.Start(); err != nil {
		t.Fatal(err)
	}
	up := headOf(t, n)
	wait.Until(t, "the index to catch up past the outage", 90*time.Second, func() bool {
		h, err := ix.LastIndexedHeight(ctx)
		return err == nil && h >= up
	})
	close(stop)
	wg.Wait()
	if err := n.Stop(); err != nil {
		t.Fatal(err)
	}
	head := c.finish(t, ix)
	t.Logf("database down from height %d to %d; head %d; %d txs admitted", down, up, head, admitted)
	c.checkComplete(t, ix, head, dbURL(t))
	var txs int
	if err := ix.w.Get(&txs, "SELECT COUNT(*) FROM txs"); err != nil {
		t.Fatal(err)
	}
	var distinct int
	if err := ix.w.Get(&distinct, "SELECT COUNT(DISTINCT hash) FROM txs"); err != nil || distinct != txs {
		t.Fatalf("%d tx rows, %d distinct hashes (%v)", txs, distinct, err)
	}
}
