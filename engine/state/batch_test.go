package state

import (
	"errors"
	"sync"
	"testing"

	"aitbc/engine/types"
)

func TestBatchIsolation(t *testing.T) {
	p := testParams()
	alice, bob := key(0), key(1)
	A, B := addrOf(alice), addrOf(bob)
	s := New(p)
	s.Set(A, Account{Balance: 10_000})
	s.Set(B, Account{Balance: 10_000})
	root0 := s.Root()

	b1 := s.Begin(BlockInfo{Proposer: addr(1)}) // e.g. building our proposal
	b2 := s.Begin(BlockInfo{Proposer: addr(2)}) // e.g. validating a peer's block
	if err := b1.Apply(transfer(p, alice, 1, B, 100, 0)); err != nil {
		t.Fatal(err)
	}
	// b2 does not see b1's tx: alice's nonce 1 is still free there.
	if err := b2.Apply(transfer(p, alice, 1, B, 300, 0)); err != nil {
		t.Fatal(err)
	}
	if err := b2.Apply(transfer(p, bob, 1, A, 1, 0)); err != nil {
		t.Fatal(err)
	}
	if b1.Account(B).Balance != 10_100 || b2.Account(B).Balance == b1.Account(B).Balance {
		t.Fatalf("batches interfere: b1 sees %v, b2 sees %v", b1.Account(B), b2.Account(B))
	}
	if s.Account(A) != (Account{Balance: 10_000}) || s.Root() != root0 {
		t.Fatal("an open batch changed the State")
	}
	end(t, b1)
	end(t, b2)
	r1, r2 := b1.Root(), b2.Root()
	if r1 == r2 || r1 == root0 {
		t.Fatal("batch roots do not reflect their own txs")
	}
	if s.Root() != root0 {
		t.Fatal("Batch.Root changed the State")
	}

	if err := s.Commit(b2); err != nil {
		t.Fatal(err)
	}
	if s.Root() != r2 {
		t.Fatalf("state root %s after commit, batch said %s", s.Root(), r2)
	}
	// b1 is now stale: everything about it refuses.
	if !b1.Stale() {
		t.Fatal("b1 not stale after another commit")
	}
	if err := b1.Apply(transfer(p, bob, 2, A, 1, 0)); !errors.Is(err, ErrStaleBatch) {
		t.Fatalf("Apply on a stale batch: %v", err)
	}
	if b1.Root() != types.ZeroHash || b1.Updates() != nil {
		t.Fatal("a stale batch still reports a root or updates")
	}
	if err := s.Commit(b1); !errors.Is(err, ErrStaleBatch) {
		t.Fatalf("Commit of a stale batch: %v", err)
	}
	if err := s.Commit(b2); !errors.Is(err, ErrStaleBatch) {
		t.Fatalf("second Commit of the same batch: %v", err)
	}
	if s.Root() != r2 {
		t.Fatal("a refused Commit changed the State")
	}
}

func TestCommitConflicts(t *testing.T) {
	p := testParams()
	s, other := New(p), New(p)
	s.Set(addr(1), Account{Balance: 1})
	b := s.Begin(BlockInfo{Proposer: addr(1)})
	if err := other.Commit(b); !errors.Is(err, ErrStaleBatch) {
		t.Fatalf("Commit of another state's batch: %v", err)
	}
	s.Set(addr(2), Account{Balance: 2}) // restore-style write after Begin
	if err := s.Commit(b); !errors.Is(err, ErrStaleBatch) {
		t.Fatalf("Commit after Set: %v", err)
	}
	// An empty batch commits and changes nothing but the version.
	root := s.Root()
	b = s.Begin(BlockInfo{Proposer: addr(1)})
	end(t, b)
	if b.Root() != root {
		t.Fatal("empty batch root differs")
	}
	if err := s.Commit(b); err != nil || s.Root() != root {
		t.Fatalf("empty commit: %v", err)
	}
}

// TestRootThenApplyThenCommit: Apply after Root invalidates the cached
// hashing work, so Commit never installs an outdated tree.
func TestRootThenApplyThenCommit(t *testing.T) {
	p := testParams()
	alice := key(0)
	s := New(p)
	s.Set(addrOf(alice), Account{Balance: 10_000})
	b := s.Begin(BlockInfo{Proposer: addr(9)})
	if err := b.Apply(transfer(p, alice, 1, addr(1), 10, 0)); err != nil {
		t.Fatal(err)
	}
	early := b.Root()
	if err := b.Apply(transfer(p, alice, 2, addr(2), 10, 0)); err != nil {
		t.Fatal(err)
	}
	end(t, b)
	late := b.Root()
	if early == late {
		t.Fatal("root did not change after another Apply")
	}
	if err := s.Commit(b); err != nil {
		t.Fatal(err)
	}
	ref := map[types.Address]Account{}
	for _, a := range []types.Address{addrOf(alice), addr(1), addr(2), addr(9)} {
		ref[a] = s.Account(a)
	}
	if s.Root() != late || late != refRoot(ref) {
		t.Fatal("committed root is not the final batch root")
	}
}

// TestConcurrentBatches drives two batches from their own goroutines while
// a third reads the State: batches never write to it (run with -race).
func TestConcurrentBatches(t *testing.T) {
	p := testParams()
	s := New(p)
	const users = 50
	for i := 0; i < users; i++ {
		s.Set(addrOf(key(i)), Account{Balance: 1_000_000})
	}
	s.Root()
	var txs []*types.Tx
	for i := 0; i < users; i++ {
		txs = append(txs, transfer(p, key(i), 1, addr(i), 10, 0))
	}
	var wg sync.WaitGroup
	roots := make([]types.Hash, 2)
	for w := 0; w < 2; w++ {
		b := s.Begin(BlockInfo{Proposer: addr(100 + w)})
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, tx := range txs {
				if err := b.Apply(tx); err != nil {
					t.Error(err)
					return
				}
			}
			if err := b.End(); err != nil {
				t.Error(err)
				return
			}
			roots[w] = b.Root()
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; i < users; i++ {
			_ = s.Account(addrOf(key(i)))
			_ = s.Root()
		}
	}()
	wg.Wait()
	if roots[0] == roots[1] {
		t.Fatal("different proposers, same root")
	}
}
