package index

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"testing"

	"aitbc/engine"
	"aitbc/engine/state"
	"aitbc/engine/types"
)

// wantReceipts lists the receipts of blocks as the index should store them.
func wantReceipts(t *testing.T, blocks []*engine.CommittedBlock) []ReceiptRow {
	t.Helper()
	var out []ReceiptRow
	for _, cb := range blocks {
		rs, err := state.BlockReceipts(cb.Block.Txs, testMintPerUnit)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rs {
			out = append(out, ReceiptRow{ID: r.ID, JobID: r.JobID, Miner: r.Miner, Units: r.Units, Minted: r.Minted,
				Coordinator: types.HexBytes(r.Coordinator[:]), TxHash: cb.TxHashes[r.TxIndex], Height: cb.Block.Header.Height, Index: r.TxIndex})
		}
	}
	return out
}

func sameReceipt(a, b ReceiptRow) bool {
	return a.ID == b.ID && bytes.Equal(a.JobID, b.JobID) && a.Miner == b.Miner && a.Units == b.Units && a.Minted == b.Minted &&
		bytes.Equal(a.Coordinator, b.Coordinator) && a.TxHash == b.TxHash && a.Height == b.Height && a.Index == b.Index
}

func TestReceipts(t *testing.T) {
	forEachDB(t, func(t *testing.T, url string) {
		ctx := context.Background()
		ix := openIndex(t, url)
		g := newChainGen(3, 10)
		g.claimEvery = 3
		blocks := g.blocks(4) // receipts passed in on odd heights, rebuilt on even ones
		mustIndex(t, ix, blocks...)
		want := wantReceipts(t, blocks)
		if len(want) != 4*3 {
			t.Fatalf("generator made %d claims", len(want))
		}
		for _, w := range want {
			if w.Minted != w.Units*testMintPerUnit || w.ID != types.ReceiptID(testChainID, w.JobID, w.Miner, w.Units) {
				t.Fatalf("bad expectation %+v", w)
			}
			got, err := ix.Receipt(ctx, w.ID)
			if err != nil || !sameReceipt(got, w) {
				t.Fatalf("Receipt(%s) = %+v, %v; want %+v", w.ID, got, err, w)
			}
			byJob, err := ix.ReceiptsByJob(ctx, w.JobID)
			if err != nil || len(byJob) != 1 || !sameReceipt(byJob[0], w) {
				t.Fatalf("ReceiptsByJob(%q) = %+v, %v", w.JobID, byJob, err)
			}
		}
		// Every miner's receipts, newest first, across pages of 2.
		for _, miner := range g.addrs {
			var exp []ReceiptRow
			for _, w := range want {
				if w.Miner == miner {
					exp = append(exp, w)
				}
			}
			slices.Reverse(exp)
			var got []ReceiptRow
			for cursor := ""; ; {
				page, next, err := ix.ReceiptsByMiner(ctx, miner, 2, cursor)
				if err != nil {
					t.Fatal(err)
				}
				got = append(got, page...)
				if next == "" {
					break
				}
				cursor = next
			}
			if !slices.EqualFunc(got, exp, sameReceipt) {
				t.Fatalf("ReceiptsByMiner(%s): %d rows, want %d", miner, len(got), len(exp))
			}
		}
		if _, err := ix.Receipt(ctx, types.Hash{1}); !errors.Is(err, engine.ErrNotFound) {
			t.Fatalf("unknown receipt: %v", err)
		}
		if rows, err := ix.ReceiptsByJob(ctx, []byte("no-such-job")); err != nil || len(rows) != 0 {
			t.Fatalf("unknown job: %v, %v", rows, err)
		}
		for _, job := range [][]byte{nil, make([]byte, types.MaxJobIDLen+1)} {
			if _, err := ix.ReceiptsByJob(ctx, job); !errors.Is(err, ErrOutOfRange) {
				t.Fatalf("job id of %d bytes: %v", len(job), err)
			}
		}
		if _, _, err := ix.ReceiptsByMiner(ctx, g.addrs[0], 1, "nope"); !errors.Is(err, ErrBadCursor) {
			t.Fatalf("bad cursor: %v", err)
		}
	})
}

// Without WithGenesis the index cannot price a claim block that comes
// without its Receipts, and says so; with them it needs nothing.
func TestReceiptsNeedMintPerUnit(t *testing.T) {
	forEachDB(t, func(t *testing.T, url string) {
		ix, err := Open(context.Background(), url, testLogger(t))
		if err != nil {
			t.Fatal(err)
		}
		defer ix.Close()
		g := newChainGen(3, 4)
		g.claimEvery = 2
		blocks := g.blocks(2)
		mustIndex(t, ix, blocks[0]) // height 1 carries its Receipts
		if err := ix.IndexBlocks(context.Background(), blocks[1:]); !errors.Is(err, ErrNoMintPerUnit) {
			t.Fatalf("claim block without Receipts = %v, want ErrNoMintPerUnit", err)
		}
	})
}

func TestValidatorsByEpoch(t *testing.T) {
	forEachDB(t, func(t *testing.T, url string) {
		ctx := context.Background()
		ix := openIndex(t, url)
		gen := testGenesis()
		set, err := ix.Validators(ctx, 0)
		if err != nil || set.Epoch != 0 || set.StartHeight != 1 || len(set.Validators) != len(gen.Authorities) || set.TotalWeight != 60 {
			t.Fatalf("genesis set = %+v, %v", set, err)
		}
		for i, a := range gen.Authorities {
			v := set.Validators[i]
			if v.Position != i || v.Address != a.Address || !bytes.Equal(v.PubKey, a.PubKey) || !bytes.Equal(v.BLSPubKey, a.BLSPubKey) || v.Weight != a.Weight {
				t.Fatalf("validator %d = %+v, want %+v", i, v, a)
			}
		}
		next := []ValidatorRow{set.Validators[2], set.Validators[0]}
		next[0].Position, next[1].Position, next[1].Weight = 0, 1, 1<<63+5
		if err := ix.SetValidators(ctx, 1, 101, next); err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct{ height, epoch uint64 }{{1, 0}, {100, 0}, {101, 1}, {5000, 1}, {0, 1}} {
			got, err := ix.Validators(ctx, tc.height)
			if err != nil || got.Epoch != tc.epoch {
				t.Fatalf("Validators(%d) = epoch %d, %v; want %d", tc.height, got.Epoch, err, tc.epoch)
			}
		}
		got, _ := ix.Validators(ctx, 101)
		if len(got.Validators) != 2 || got.Validators[1].Weight != 1<<63+5 || got.Validators[0].Address != gen.Authorities[2].Address {
			t.Fatalf("epoch 1 = %+v", got)
		}
		badPos := []ValidatorRow{{Position: 1, Address: next[0].Address, PubKey: next[0].PubKey, BLSPubKey: next[0].BLSPubKey, Weight: 1}}
		for name, err := range map[string]error{
			"empty":     ix.SetValidators(ctx, 2, 201, nil),
			"positions": ix.SetValidators(ctx, 2, 201, badPos),
			"height 0":  ix.SetValidators(ctx, 2, 0, next),
		} {
			if !errors.Is(err, ErrBadValidators) && !errors.Is(err, ErrOutOfRange) {
				t.Errorf("%s: SetValidators = %v", name, err)
			}
		}
		if _, err := ix.Validators(ctx, 1<<63); !errors.Is(err, ErrOutOfRange) {
			t.Fatalf("height over int64: %v", err)
		}
	})
}

func TestValidatorsUnknownWithoutGenesis(t *testing.T) {
	forEachDB(t, func(t *testing.T, url string) {
		ix, err := Open(context.Background(), url, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer ix.Close()
		if _, err := ix.Validators(context.Background(), 0); !errors.Is(err, engine.ErrNotFound) {
			t.Fatalf("Validators on an index without genesis = %v", err)
		}
	})
}

// A database recorded for one genesis refuses another.
func TestWrongChainRefused(t *testing.T) {
	forEachDB(t, func(t *testing.T, url string) {
		ix := openIndex(t, url)
		mustIndex(t, ix, newChainGen(2, 1).next())
		if err := ix.Close(); err != nil {
			t.Fatal(err)
		}
		other := testGenesis()
		other.ChainID = "another-chain"
		_, err := Open(context.Background(), url, testLogger(t), WithGenesis(other))
		var ce *ChainError
		if !errors.Is(err, ErrWrongChain) || !errors.As(err, &ce) || ce.Genesis != other.Hash().String() {
			t.Fatalf("Open for another chain = %v", err)
		}
		openIndex(t, url) // the right genesis still opens it
	})
}
