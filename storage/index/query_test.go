package index

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"testing"

	"aitbc/engine"
	"aitbc/engine/types"
)

type pos struct {
	h uint64
	i uint32
}

// txsOf lists the positions of addr's txs in blocks, newest first.
func txsOf(blocks []*engine.CommittedBlock, addr types.Address) []pos {
	var out []pos
	for _, cb := range blocks {
		for i, tx := range cb.Block.Txs {
			if tx.From() == addr || tx.Recipient == addr {
				out = append(out, pos{cb.Block.Header.Height, uint32(i)})
			}
		}
	}
	slices.SortFunc(out, func(a, b pos) int { return cmp.Or(cmp.Compare(b.h, a.h), cmp.Compare(b.i, a.i)) })
	return out
}

// pageAll walks every page of addr's txs with page size limit, calling
// between(page) after each page.
func pageAll(t *testing.T, ix *Index, addr types.Address, limit int, between func(int)) []pos {
	t.Helper()
	var got []pos
	cursor := ""
	for page := 0; ; page++ {
		rows, next, err := ix.TxsByAddress(context.Background(), addr, limit, cursor)
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) > limit {
			t.Fatalf("page of %d rows, limit %d", len(rows), limit)
		}
		for _, r := range rows {
			if r.Sender != addr && r.Recipient != addr {
				t.Fatalf("row %s is not %s's", r.Hash, addr)
			}
			got = append(got, pos{r.Height, r.Index})
		}
		if next == "" {
			return got
		}
		if len(rows) != limit {
			t.Fatalf("short page (%d of %d) with a next cursor", len(rows), limit)
		}
		between(page)
		cursor = next
	}
}

func TestTxsByAddressPaging(t *testing.T) {
	forEachDB(t, func(t *testing.T, url string) {
		ix := openIndex(t, url)
		g := newChainGen(5, 9)
		blocks := g.blocks(6)
		mustIndex(t, ix, blocks...)
		for _, addr := range g.addrs {
			want := txsOf(blocks, addr)
			for _, limit := range []int{1, 3, 7, len(want), len(want) + 1} {
				got := pageAll(t, ix, addr, limit, func(int) {})
				if !slices.Equal(got, want) {
					t.Fatalf("%s, limit %d: paged %v, want %v", addr, limit, got, want)
				}
			}
		}
		rows, next, err := ix.TxsByAddress(context.Background(), types.Address{9}, 10, "")
		if err != nil || len(rows) != 0 || next != "" {
			t.Fatalf("unknown address: %v, %q, %v", rows, next, err)
		}
	})
}

// Blocks indexed between pages are newer than the cursor, so the walk still
// returns the rows that existed when it started, each exactly once.
func TestTxsByAddressPagingWhileIndexing(t *testing.T) {
	forEachDB(t, func(t *testing.T, url string) {
		ix := openIndex(t, url)
		g := newChainGen(4, 6)
		blocks := g.blocks(4)
		mustIndex(t, ix, blocks...)
		addr := g.addrs[1]
		want := txsOf(blocks, addr)
		got := pageAll(t, ix, addr, 4, func(int) { mustIndex(t, ix, g.next()) })
		if !slices.Equal(got, want) {
			t.Fatalf("paged %v, want %v", got, want)
		}
	})
}

func TestTxsByAddressLimits(t *testing.T) {
	forEachDB(t, func(t *testing.T, url string) {
		ix := openIndex(t, url)
		g := newChainGen(1, 120) // one key: every tx is its own
		mustIndex(t, ix, g.blocks(1)...)
		rows, next, err := ix.TxsByAddress(context.Background(), g.addrs[0], 0, "")
		if err != nil || len(rows) != DefaultPageSize || next == "" {
			t.Fatalf("limit 0: %d rows, next %q, %v", len(rows), next, err)
		}
		if _, _, err := ix.TxsByAddress(context.Background(), g.addrs[0], 5, "garbage!"); !errors.Is(err, ErrBadCursor) {
			t.Fatalf("bad cursor: %v", err)
		}
	})
}

func TestBlocksRange(t *testing.T) {
	forEachDB(t, func(t *testing.T, url string) {
		ctx := context.Background()
		ix := openIndex(t, url)
		mustIndex(t, ix, newChainGen(2, 1).blocks(5)...)
		got, err := ix.Blocks(ctx, 2, 4)
		if err != nil || len(got) != 3 || got[0].Height != 2 || got[2].Height != 4 {
			t.Fatalf("Blocks(2, 4) = %v, %v", got, err)
		}
		if got, err := ix.Blocks(ctx, 5, 5+MaxBlockRange-1); err != nil || len(got) != 1 {
			t.Fatalf("Blocks at the range limit = %v, %v", got, err)
		}
		for _, r := range [][2]uint64{{4, 2}, {1, MaxBlockRange + 1}, {1 << 63, 1 << 63}} {
			if _, err := ix.Blocks(ctx, r[0], r[1]); !errors.Is(err, ErrBadRange) {
				t.Errorf("Blocks(%d, %d) = %v, want ErrBadRange", r[0], r[1], err)
			}
		}
	})
}

func TestNotFound(t *testing.T) {
	forEachDB(t, func(t *testing.T, url string) {
		ctx := context.Background()
		ix := openIndex(t, url)
		for name, err := range map[string]error{
			"Tx":          second(ix.Tx(ctx, types.Hash{1})),
			"BlockByHash": second(ix.BlockByHash(ctx, types.Hash{1})),
			"Account":     second(ix.Account(ctx, types.Address{1})),
		} {
			if !errors.Is(err, engine.ErrNotFound) {
				t.Errorf("%s = %v, want engine.ErrNotFound", name, err)
			}
		}
	})
}

func TestCorruptRowsAreTypedErrors(t *testing.T) {
	forEachDB(t, func(t *testing.T, url string) {
		ctx := context.Background()
		ix := openIndex(t, url)
		cb := newChainGen(2, 1).next()
		mustIndex(t, ix, cb)
		for _, q := range []string{
			"UPDATE txs SET type = 'BOGUS'",
			"UPDATE txs SET type = 'TRANSFER', amount = '0000000000000000000x'",
			"UPDATE txs SET amount = '99999999999999999999'",
			"UPDATE txs SET amount = '00000000000000000001', sender = 'ait1bogus'",
		} {
			if _, err := ix.w.Exec(q); err != nil {
				t.Fatal(err)
			}
			_, err := ix.Tx(ctx, cb.TxHashes[0])
			var ce *CorruptError
			if !errors.Is(err, ErrCorrupt) || !errors.As(err, &ce) || ce.Table != "txs" {
				t.Errorf("after %q: Tx = %v, want *CorruptError", q, err)
			}
		}
		if _, err := ix.w.Exec("UPDATE index_meta SET value = '-1'"); err != nil {
			t.Fatal(err)
		}
		if _, err := ix.LastIndexedHeight(ctx); !errors.Is(err, ErrCorrupt) {
			t.Errorf("LastIndexedHeight over a bad meta row = %v", err)
		}
	})
}

// Readers run beside the writer (WAL): a reader that sees height h finds
// every block up to h, and never fails with a busy error.
func TestReadsDuringIndexing(t *testing.T) {
	forEachDB(t, func(t *testing.T, url string) {
		ctx := context.Background()
		ix := openIndex(t, url)
		g := newChainGen(6, 40)
		const blocks = 25
		done := make(chan error, 1)
		go func() {
			defer close(done)
			for range blocks {
				if err := ix.IndexBlocks(ctx, []*engine.CommittedBlock{g.next()}); err != nil {
					done <- err
					return
				}
			}
		}()
		for finished := false; !finished; {
			select {
			case err := <-done:
				if err != nil {
					t.Fatal(err)
				}
				finished = true
			default:
			}
			h, err := ix.LastIndexedHeight(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if h == 0 {
				continue
			}
			rows, err := ix.Blocks(ctx, 1, h)
			if err != nil || uint64(len(rows)) != h {
				t.Fatalf("at height %d: Blocks = %d rows, %v", h, len(rows), err)
			}
			if _, _, err := ix.TxsByAddress(ctx, g.addrs[0], 10, ""); err != nil {
				t.Fatal(err)
			}
		}
		if h, _ := ix.LastIndexedHeight(ctx); h != blocks {
			t.Fatalf("height %d, want %d", h, blocks)
		}
	})
}
