package blockstore

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"aitbc/engine"
	"aitbc/engine/types"
)

// expectedClaims is every job hash the blocks claimed, ascending.
func expectedClaims(blocks []*engine.CommittedBlock) []types.Hash {
	var out []types.Hash
	for _, cb := range blocks {
		for _, r := range cb.Receipts {
			out = append(out, r.JobHash)
		}
	}
	slices.SortFunc(out, func(a, b types.Hash) int { return bytes.Compare(a[:], b[:]) })
	return out
}

func loadClaims(t *testing.T, s *Store) []types.Hash {
	t.Helper()
	var out []types.Hash
	if err := s.LoadClaimedJobs(func(h types.Hash) error { out = append(out, h); return nil }); err != nil {
		t.Fatalf("LoadClaimedJobs: %v", err)
	}
	return out
}

func checkClaims(t *testing.T, s *Store, blocks []*engine.CommittedBlock) {
	t.Helper()
	got, want := loadClaims(t, s), expectedClaims(blocks)
	if !slices.Equal(got, want) {
		t.Fatalf("LoadClaimedJobs: %d job hashes, want %d (or order/content differs)", len(got), len(want))
	}
}

// Claimed job hashes are written with their block, survive a reopen, come
// back in ascending order, and point at the claim tx.
func TestClaimsPersistAcrossReopen(t *testing.T) {
	dir := t.TempDir()
	g := newChainGen(8, 9) // claims at tx 1 and 5 of every block
	var blocks []*engine.CommittedBlock
	s := openDir(t, dir)
	for range 4 {
		cb := g.next()
		if len(cb.Receipts) != 2 {
			t.Fatalf("fixture: %d receipts", len(cb.Receipts))
		}
		mustCommit(t, s, cb)
		blocks = append(blocks, cb)
	}
	checkClaims(t, s, blocks)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = openDir(t, dir)
	defer s.Close()
	checkClaims(t, s, blocks)
	for _, cb := range blocks {
		checkBlock(t, s, cb) // includes ClaimLocation of every receipt
		for _, r := range cb.Receipts {
			h, i, _ := s.ClaimLocation(r.JobHash)
			blk, _ := s.Block(h)
			rc, err := types.DecodeReceiptClaim(blk.Txs[i].Payload)
			if err != nil || types.ReceiptJobHash(rc.JobID) != r.JobHash {
				t.Fatalf("claim location %d/%d does not hold the claim of %s: %v", h, i, r.JobHash, err)
			}
		}
	}
	if _, _, err := s.ClaimLocation(types.ReceiptJobHash([]byte("never"))); !errors.Is(err, engine.ErrNotFound) {
		t.Fatalf("ClaimLocation of an unclaimed job = %v", err)
	}
	stop := errors.New("stop")
	n := 0
	if err := s.LoadClaimedJobs(func(types.Hash) error { n++; return stop }); !errors.Is(err, stop) || n != 1 {
		t.Fatalf("LoadClaimedJobs = %v after %d calls", err, n)
	}
}

func TestCommitRejectsInconsistentReceipts(t *testing.T) {
	tests := []struct {
		name string
		mod  func(cb *engine.CommittedBlock)
	}{
		{"index past the txs", func(cb *engine.CommittedBlock) { cb.Receipts[0].TxIndex = uint32(len(cb.Block.Txs)) }},
		{"names a transfer", func(cb *engine.CommittedBlock) { cb.Receipts[0].TxIndex = 0 }},
		{"out of block order", func(cb *engine.CommittedBlock) {
			cb.Receipts[0], cb.Receipts[1] = cb.Receipts[1], cb.Receipts[0]
		}},
		{"duplicate", func(cb *engine.CommittedBlock) { cb.Receipts[1] = cb.Receipts[0] }},
		{"job hash of another job", func(cb *engine.CommittedBlock) { cb.Receipts[0].JobHash = cb.Receipts[1].JobHash }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := openMem(t)
			g := newChainGen(8, 9)
			mustCommit(t, s, g.next())
			cb := g.next()
			tc.mod(cb)
			if err := s.Commit(cb); !errors.Is(err, ErrBadCommit) || !strings.Contains(err.Error(), "receipt") {
				t.Fatalf("Commit = %v, want ErrBadCommit about receipts", err)
			}
			if h, _, _ := s.Head(); h != 1 {
				t.Fatalf("head moved to %d", h)
			}
			if n := len(loadClaims(t, s)); n != 2 {
				t.Fatalf("%d claims stored, want the first block's 2", n)
			}
		})
	}
}

func TestFormatTooOldRefused(t *testing.T) {
	for _, v := range []uint32{1, 2, 3} {
		t.Run(fmt.Sprint("format ", v), func(t *testing.T) { formatRefused(t, v) })
	}
}

func formatRefused(t *testing.T, v uint32) {
	dir := t.TempDir()
	s := openDir(t, dir)
	txn := s.db.NewTransaction(true)
	if err := txn.Set(keyFormat, encodeFormat(v)); err != nil {
		t.Fatal(err)
	}
	if err := txn.Commit(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	_, err := Open(DefaultOptions(dir))
	if !errors.Is(err, ErrFormatTooOld) || !strings.Contains(err.Error(), fmt.Sprint("format ", v)) {
		t.Fatalf("Open of format %d = %v, want ErrFormatTooOld naming it", v, err)
	}
}

func TestCorruptClaimRecords(t *testing.T) {
	s := openMem(t)
	cb := newChainGen(4, 2).next()
	mustCommit(t, s, cb)
	put := func(key, val []byte) {
		t.Helper()
		txn := s.db.NewTransaction(true)
		defer txn.Discard()
		if err := txn.Set(key, val); err != nil {
			t.Fatal(err)
		}
		if err := txn.Commit(); err != nil {
			t.Fatal(err)
		}
	}
	put(hashKey(kindClaim, cb.Receipts[0].JobHash), []byte{1, 2, 3})
	if _, _, err := s.ClaimLocation(cb.Receipts[0].JobHash); !errors.Is(err, ErrCorrupt) {
		t.Errorf("ClaimLocation of garbage = %v", err)
	}
	put([]byte{kindClaim, 1, 2}, encodeLocation(1, 0)) // a key that is no job hash
	if err := s.LoadClaimedJobs(func(types.Hash) error { return nil }); !errors.Is(err, ErrCorrupt) {
		t.Errorf("LoadClaimedJobs over a short key = %v", err)
	}
}
