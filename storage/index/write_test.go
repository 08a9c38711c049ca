package index

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"testing"

	"aitbc/engine"
	"aitbc/engine/types"
)

// dump returns every row of the data tables in a fixed order.
func dump(t testing.TB, ix *Index) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	for table, q := range map[string]string{
		"blocks":     "SELECT height || '|' || hash || '|' || time || '|' || proposer || '|' || tx_count || '|' || state_root FROM blocks ORDER BY height",
		"txs":        "SELECT hash || '|' || height || '|' || idx || '|' || type || '|' || sender || '|' || recipient || '|' || nonce || '|' || amount || '|' || fee || '|' || status FROM txs ORDER BY height, idx",
		"accounts":   "SELECT address || '|' || balance || '|' || nonce || '|' || updated_height FROM accounts ORDER BY address",
		"meta":       "SELECT key || '|' || value FROM index_meta ORDER BY key",
		"receipts":   "SELECT id || '|' || job_id || '|' || miner || '|' || units || '|' || minted || '|' || coordinator || '|' || tx_hash || '|' || height || '|' || idx FROM receipts ORDER BY height, idx",
		"validators": "SELECT epoch || '|' || start_height || '|' || position || '|' || address || '|' || pub_key || '|' || bls_pub_key || '|' || weight FROM validators ORDER BY epoch, position",
	} {
		var rows []string
		if err := ix.w.Select(&rows, q); err != nil {
			t.Fatal(err)
		}
		out[table] = rows
	}
	return out
}

func TestIndexBlocksIdempotent(t *testing.T) {
	forEachDB(t, func(t *testing.T, url string) {
		ctx := context.Background()
		ix := openIndex(t, url)
		g := newChainGen(12, 130) // 130 txs: one full bulk statement and a remainder
		g.claimEvery = 7          // 18 claims a block
		blocks := g.blocks(4)
		mustIndex(t, ix, blocks[:3]...)
		mustIndex(t, ix, blocks[3])
		want := dump(t, ix)
		if n := len(want["txs"]); n != 4*130 {
			t.Fatalf("%d tx rows, want %d", n, 4*130)
		}
		if n := len(want["receipts"]); n != 4*18 {
			t.Fatalf("%d receipt rows, want %d", n, 4*18)
		}
		if n := len(want["validators"]); n != len(testGenesis().Authorities) {
			t.Fatalf("%d validator rows, want the genesis authorities", n)
		}

		for _, batch := range [][]*engine.CommittedBlock{blocks, blocks[1:3], blocks[:1], blocks[3:]} {
			mustIndex(t, ix, batch...)
			if got := dump(t, ix); !reflect.DeepEqual(got, want) {
				t.Fatalf("re-indexing heights %d..%d changed the rows", batch[0].Block.Header.Height, batch[len(batch)-1].Block.Header.Height)
			}
		}
		if h, err := ix.LastIndexedHeight(ctx); err != nil || h != 4 {
			t.Fatalf("LastIndexedHeight = %d, %v", h, err)
		}
	})
}

func TestIndexBlocksRows(t *testing.T) {
	forEachDB(t, func(t *testing.T, url string) {
		ctx := context.Background()
		ix := openIndex(t, url)
		blocks := newChainGen(6, 7).blocks(3)
		mustIndex(t, ix, blocks...)

		got, err := ix.Blocks(ctx, 1, 10)
		if err != nil || len(got) != 3 {
			t.Fatalf("Blocks = %v, %v", got, err)
		}
		for i, cb := range blocks {
			hdr := cb.Block.Header
			want := BlockRow{Height: hdr.Height, Hash: cb.Block.Hash(), Time: hdr.Time, Proposer: hdr.Proposer, TxCount: 7, StateRoot: hdr.StateRoot}
			if got[i] != want {
				t.Errorf("block %d = %+v, want %+v", i+1, got[i], want)
			}
			if byHash, err := ix.BlockByHash(ctx, cb.Block.Hash()); err != nil || byHash != want {
				t.Errorf("BlockByHash = %+v, %v", byHash, err)
			}
			for j, tx := range cb.Block.Txs {
				row, err := ix.Tx(ctx, cb.TxHashes[j])
				wantTx := TxRow{Hash: cb.TxHashes[j], Height: hdr.Height, Index: uint32(j), Type: tx.Type, Sender: tx.From(),
					Recipient: tx.Recipient, Nonce: tx.Nonce, Amount: types.Amount(tx.Amount), Fee: types.Amount(tx.Fee), Status: TxStatusCommitted}
				if err != nil || row != wantTx {
					t.Fatalf("Tx = %+v, %v; want %+v", row, err, wantTx)
				}
			}
		}
		// Every account holds its state after the last block that changed it.
		want := map[types.Address]AccountRow{}
		for _, cb := range blocks {
			for _, u := range cb.Accounts {
				want[u.Address] = AccountRow{Address: u.Address, Balance: types.Amount(u.Account.Balance), Nonce: u.Account.Nonce, UpdatedHeight: cb.Block.Header.Height}
			}
		}
		for addr, w := range want {
			if got, err := ix.Account(ctx, addr); err != nil || got != w {
				t.Errorf("Account(%s) = %+v, %v; want %+v", addr, got, err, w)
			}
		}
	})
}

func TestReindexOldBlockKeepsNewerAccounts(t *testing.T) {
	forEachDB(t, func(t *testing.T, url string) {
		ctx := context.Background()
		ix := openIndex(t, url)
		blocks := newChainGen(3, 3).blocks(3) // 3 keys: every block touches every account
		mustIndex(t, ix, blocks...)
		mustIndex(t, ix, blocks[0])
		for _, u := range blocks[2].Accounts {
			got, err := ix.Account(ctx, u.Address)
			if err != nil || got.UpdatedHeight != 3 || uint64(got.Balance) != u.Account.Balance {
				t.Fatalf("Account after re-indexing block 1 = %+v, %v", got, err)
			}
		}
		if h, _ := ix.LastIndexedHeight(ctx); h != 3 {
			t.Fatalf("LastIndexedHeight went back to %d", h)
		}
	})
}

func TestIndexBlocksRefuses(t *testing.T) {
	ctx := context.Background()
	blocks := newChainGen(4, 2).blocks(5)
	huge := newChainGen(4, 1).next()
	huge.Block.Txs[0].Nonce = 1 << 63
	tests := []struct {
		name  string
		batch []*engine.CommittedBlock
		want  error
	}{
		{"gap after last", blocks[3:4], ErrGap},
		{"not contiguous", []*engine.CommittedBlock{blocks[2], blocks[4]}, ErrBadBatch},
		{"descending", []*engine.CommittedBlock{blocks[2], blocks[1]}, ErrBadBatch},
		{"nil block", []*engine.CommittedBlock{{}}, ErrBadBatch},
		{"hash count", []*engine.CommittedBlock{{Block: blocks[2].Block, TxHashes: blocks[2].TxHashes[:1]}}, ErrBadBatch},
		{"nonce over int64", []*engine.CommittedBlock{huge}, ErrOutOfRange},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ix := openIndex(t, dbURL(t))
			mustIndex(t, ix, blocks[:2]...)
			before := dump(t, ix)
			err := ix.IndexBlocks(ctx, tc.batch)
			if !errors.Is(err, tc.want) {
				t.Fatalf("IndexBlocks = %v, want %v", err, tc.want)
			}
			if !reflect.DeepEqual(dump(t, ix), before) {
				t.Fatal("a refused batch changed the index")
			}
		})
	}
	var ge *GapError
	ix := openIndex(t, dbURL(t))
	if err := ix.IndexBlocks(ctx, blocks[1:2]); !errors.As(err, &ge) || ge.Last != 0 || ge.First != 2 {
		t.Fatalf("gap on an empty index = %v", err)
	}
}

func TestIndexBlocksNilTxHashesComputed(t *testing.T) {
	forEachDB(t, func(t *testing.T, url string) {
		ix := openIndex(t, url)
		cb := newChainGen(4, 3).next()
		hashes := cb.TxHashes
		cb.TxHashes = nil
		mustIndex(t, ix, cb)
		if _, err := ix.Tx(context.Background(), hashes[2]); err != nil {
			t.Fatal(err)
		}
	})
}

func TestClosedIndex(t *testing.T) {
	ix, err := Open(context.Background(), "sqlite::memory:", nil)
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := ix.Close(); err != nil {
			t.Fatal(err)
		}
	}
	ctx := context.Background()
	for name, err := range map[string]error{
		"IndexBlocks":       ix.IndexBlocks(ctx, newChainGen(2, 1).blocks(1)),
		"LastIndexedHeight": second(ix.LastIndexedHeight(ctx)),
		"Tx":                second(ix.Tx(ctx, types.Hash{})),
		"Blocks":            second(ix.Blocks(ctx, 1, 2)),
	} {
		if !errors.Is(err, ErrClosed) {
			t.Errorf("%s after Close = %v", name, err)
		}
	}
}

func second[T any](_ T, err error) error { return err }

func TestMemoryDatabasesArePrivate(t *testing.T) {
	a := openIndex(t, "sqlite::memory:")
	b := openIndex(t, "sqlite::memory:")
	mustIndex(t, a, newChainGen(2, 1).blocks(1)...)
	if h, err := b.LastIndexedHeight(context.Background()); err != nil || h != 0 {
		t.Fatalf("second in-memory index sees height %d (%v)", h, err)
	}
}

func ExampleIndex_TxsByAddress() {
	ctx := context.Background()
	ix, err := Open(ctx, "sqlite::memory:", nil)
	if err != nil {
		panic(err)
	}
	defer ix.Close()
	g := newChainGen(2, 3)
	_ = ix.IndexBlocks(ctx, g.blocks(2))
	n, cursor := 0, ""
	for {
		rows, next, err := ix.TxsByAddress(ctx, g.addrs[0], 4, cursor)
		if err != nil {
			panic(err)
		}
		n += len(rows)
		if next == "" {
			break
		}
		cursor = next
	}
	fmt.Println(n)
	// Output: 5
}
