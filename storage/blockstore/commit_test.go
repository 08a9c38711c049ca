package blockstore

import (
	"errors"
	"testing"

	"aitbc/engine"
	"aitbc/engine/state"
	"aitbc/engine/types"
)

func TestCommitRejects(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(next, skip *engine.CommittedBlock) *engine.CommittedBlock
		want   error
		check  func(t *testing.T, err error)
	}{
		{"height repeats head", func(_, _ *engine.CommittedBlock) *engine.CommittedBlock { return nil }, ErrBadCommit, nil},
		{"height skips one", func(_, skip *engine.CommittedBlock) *engine.CommittedBlock { return skip }, ErrNotNextHeight,
			func(t *testing.T, err error) {
				var he *HeightError
				if !errors.As(err, &he) || he.Head != 1 || he.Got != 3 {
					t.Errorf("HeightError = %+v", he)
				}
			}},
		{"parent mismatch", func(next, _ *engine.CommittedBlock) *engine.CommittedBlock {
			next.Block.Header.ParentHash = types.Sum256([]byte("elsewhere"))
			next.Cert.BlockHash = next.Block.Hash()
			return next
		}, ErrParentMismatch, func(t *testing.T, err error) {
			var pe *ParentError
			if !errors.As(err, &pe) || pe.Height != 2 {
				t.Errorf("ParentError = %+v", pe)
			}
		}},
		{"nil cert", func(next, _ *engine.CommittedBlock) *engine.CommittedBlock { next.Cert = nil; return next }, ErrBadCommit, nil},
		{"cert for another block", func(next, _ *engine.CommittedBlock) *engine.CommittedBlock {
			next.Cert.BlockHash = types.Sum256([]byte("x"))
			return next
		}, ErrBadCommit, nil},
		{"cert at another height", func(next, _ *engine.CommittedBlock) *engine.CommittedBlock { next.Cert.Height++; return next }, ErrBadCommit, nil},
		{"tx hash count", func(next, _ *engine.CommittedBlock) *engine.CommittedBlock {
			next.TxHashes = next.TxHashes[1:]
			return next
		}, ErrBadCommit, nil},
		{"accounts unsorted", func(next, _ *engine.CommittedBlock) *engine.CommittedBlock {
			a := next.Accounts
			a[0], a[1] = a[1], a[0]
			return next
		}, ErrBadCommit, nil},
		{"accounts duplicated", func(next, _ *engine.CommittedBlock) *engine.CommittedBlock {
			next.Accounts = append([]state.AccountUpdate{next.Accounts[0]}, next.Accounts...)
			return next
		}, ErrBadCommit, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := openMem(t)
			g := newChainGen(8, 4)
			first := g.next()
			mustCommit(t, s, first)
			next := g.next()
			skip := g.next()
			cb := tc.mutate(next, skip)
			if cb == nil {
				cb = &engine.CommittedBlock{Block: first.Block} // no cert: refused before anything else
			}
			err := s.Commit(cb)
			if !errors.Is(err, tc.want) {
				t.Fatalf("Commit = %v, want %v", err, tc.want)
			}
			if tc.check != nil {
				tc.check(t, err)
			}
			// Nothing of the refused block was written.
			if h, hash, _ := s.Head(); h != 1 || hash != first.Block.Hash() {
				t.Fatalf("head moved to %d", h)
			}
			if _, err := s.Block(cb.Block.Header.Height); cb.Block.Header.Height != 1 && !errors.Is(err, engine.ErrNotFound) {
				t.Fatalf("refused block readable: %v", err)
			}
		})
	}
}

func TestCommitRepeatedHeight(t *testing.T) {
	s := openMem(t)
	g := newChainGen(4, 1)
	first := g.next()
	mustCommit(t, s, first)
	err := s.Commit(first)
	var he *HeightError
	if !errors.Is(err, ErrNotNextHeight) || !errors.As(err, &he) || he.Got != 1 || he.Head != 1 {
		t.Fatalf("recommit of head = %v", err)
	}
}

// The budget that sizes Badger's memtable must cover a block at the
// protocol limits.
func TestTxnBudgetCoversProtocolLimits(t *testing.T) {
	entries, size := txnBudget()
	maxEntries, maxSize := txnLimits()
	if entries >= maxEntries || size >= maxSize {
		t.Fatalf("worst-case block needs %d entries / %d bytes; one Badger txn allows %d / %d",
			entries, size, maxEntries, maxSize)
	}
	t.Logf("worst case %d entries, %d bytes; limit %d entries, %d bytes", entries, size, maxEntries, maxSize)
}

// A block at the protocol limits commits in one transaction.
func TestCommitMaxBlock(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("signs 50k claims; skipped with -short and -race")
	}
	s := openDir(t, t.TempDir())
	defer s.Close()
	g := newChainGen(1024, types.MaxBlockTxs)
	g.claimEvery = 1 // every tx a claim: MaxReceipts job hashes on top
	cb := g.next()
	cb.Accounts = maxAccounts(cb.Block.Header.Height)
	mustCommit(t, s, cb)
	checkBlock(t, s, cb)
	if n := len(loadAll(t, s)); n != MaxAccountUpdates {
		t.Fatalf("%d accounts stored, want %d", n, MaxAccountUpdates)
	}
	if n := len(loadClaims(t, s)); n != MaxReceipts {
		t.Fatalf("%d claims stored, want %d", n, MaxReceipts)
	}
}

// maxAccounts returns MaxAccountUpdates sorted updates (big-endian counters
// in the first bytes sort in numeric order).
func maxAccounts(h uint64) []state.AccountUpdate {
	return nAccounts(MaxAccountUpdates, h)
}

func nAccounts(n int, h uint64) []state.AccountUpdate {
	out := make([]state.AccountUpdate, n)
	for i := range out {
		var a types.Address
		a[0], a[1], a[2], a[3] = byte(i>>24), byte(i>>16), byte(i>>8), byte(i)
		out[i] = state.AccountUpdate{Address: a, Account: state.Account{Balance: uint64(i), Nonce: h}}
	}
	return out
}

func TestInMemoryRefusesBlockOverValueLimit(t *testing.T) {
	s := openMem(t)
	g := newChainGen(16, 7000) // about 1.15 MB encoded
	cb := g.next()
	if err := s.Commit(cb); !errors.Is(err, ErrBlockTooLarge) {
		t.Fatalf("Commit = %v, want ErrBlockTooLarge", err)
	}
}

// A block beyond the budget is refused whole: no partial write.
func TestCommitTooLargeIsRefusedWhole(t *testing.T) {
	if testing.Short() {
		t.Skip("writes 250k entries")
	}
	s := openMem(t)
	g := newChainGen(4, 2)
	mustCommit(t, s, g.next())
	cb := g.next()
	limit, _ := txnLimits()
	cb.Accounts = nAccounts(int(limit)+1, 2)
	err := s.Commit(cb)
	if !errors.Is(err, ErrBlockTooLarge) {
		t.Fatalf("Commit of an oversize block = %v, want ErrBlockTooLarge", err)
	}
	if h, _, _ := s.Head(); h != 1 {
		t.Fatalf("head moved to %d", h)
	}
	if _, err := s.Block(2); !errors.Is(err, engine.ErrNotFound) {
		t.Fatalf("block of a refused commit readable: %v", err)
	}
	if _, ok, _ := s.Account(cb.Accounts[0].Address); ok {
		t.Fatal("account of a refused commit stored")
	}
	// The store still works.
	cb.Accounts = cb.Accounts[:10]
	mustCommit(t, s, cb)
}
