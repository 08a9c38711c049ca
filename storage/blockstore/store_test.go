package blockstore

import (
	"bytes"
	"errors"
	"testing"

	"aitbc/engine"
	"aitbc/engine/state"
	"aitbc/engine/types"
)

// checkBlock asserts that s holds exactly cb at its height.
func checkBlock(t *testing.T, s *Store, cb *engine.CommittedBlock) {
	t.Helper()
	h := cb.Block.Header.Height
	blk, err := s.Block(h)
	if err != nil {
		t.Fatalf("Block(%d): %v", h, err)
	}
	if !bytes.Equal(blk.Encode(), cb.Block.Encode()) {
		t.Fatalf("Block(%d) differs from what was committed", h)
	}
	byHash, err := s.BlockByHash(cb.Block.Hash())
	if err != nil || byHash.Header.Height != h {
		t.Fatalf("BlockByHash(%s) = %v, %v", cb.Block.Hash(), byHash, err)
	}
	cert, err := s.CommitCert(h)
	if err != nil || !bytes.Equal(cert.Encode(), cb.Cert.Encode()) {
		t.Fatalf("CommitCert(%d) = %v, %v", h, cert, err)
	}
	for i, th := range cb.TxHashes {
		gh, gi, err := s.TxLocation(th)
		if err != nil || gh != h || gi != uint32(i) {
			t.Fatalf("TxLocation(%s) = %d, %d, %v; want %d, %d", th, gh, gi, err, h, i)
		}
	}
	for _, r := range cb.Receipts {
		gh, gi, err := s.ClaimLocation(r.JobHash)
		if err != nil || gh != h || gi != r.TxIndex {
			t.Fatalf("ClaimLocation(%s) = %d, %d, %v; want %d, %d", r.JobHash, gh, gi, err, h, r.TxIndex)
		}
	}
}

func loadAll(t *testing.T, s *Store) []state.AccountUpdate {
	t.Helper()
	var out []state.AccountUpdate
	err := s.LoadAccounts(func(a types.Address, acct state.Account) error {
		out = append(out, state.AccountUpdate{Address: a, Account: acct})
		return nil
	})
	if err != nil {
		t.Fatalf("LoadAccounts: %v", err)
	}
	for i := 1; i < len(out); i++ {
		if bytes.Compare(out[i-1].Address[:], out[i].Address[:]) >= 0 {
			t.Fatalf("LoadAccounts not in address order at %d", i)
		}
	}
	return out
}

// expectedAccounts replays the generator's updates up to its height.
func expectedAccounts(blocks []*engine.CommittedBlock) map[types.Address]state.Account {
	m := map[types.Address]state.Account{}
	for _, cb := range blocks {
		for _, u := range cb.Accounts {
			m[u.Address] = u.Account
		}
	}
	return m
}

func checkAccounts(t *testing.T, s *Store, want map[types.Address]state.Account) {
	t.Helper()
	got := loadAll(t, s)
	if len(got) != len(want) {
		t.Fatalf("LoadAccounts: %d accounts, want %d", len(got), len(want))
	}
	for _, u := range got {
		if w, ok := want[u.Address]; !ok || w != u.Account {
			t.Fatalf("account %s = %+v, want %+v (present %v)", u.Address, u.Account, w, ok)
		}
		acct, ok, err := s.Account(u.Address)
		if err != nil || !ok || acct != u.Account {
			t.Fatalf("Account(%s) = %+v, %v, %v", u.Address, acct, ok, err)
		}
	}
}

func TestCommitReadBack(t *testing.T) {
	s := openMem(t)
	g := newChainGen(8, 5)
	var blocks []*engine.CommittedBlock
	for range 4 {
		cb := g.next()
		mustCommit(t, s, cb)
		blocks = append(blocks, cb)
	}
	for _, cb := range blocks {
		checkBlock(t, s, cb)
	}
	checkAccounts(t, s, expectedAccounts(blocks))

	h, hash, err := s.Head()
	last := blocks[len(blocks)-1]
	if err != nil || h != 4 || hash != last.Block.Hash() {
		t.Fatalf("Head = %d, %s, %v", h, hash, err)
	}
	info, err := s.HeadInfo()
	want := engine.Head{Height: 4, Hash: last.Block.Hash(), Time: last.Block.Header.Time, StateRoot: last.Block.Header.StateRoot, TxCount: 5}
	if err != nil || info != want {
		t.Fatalf("HeadInfo = %+v, %v; want %+v", info, err, want)
	}
}

func TestEmptyBlockAtHeightOne(t *testing.T) {
	s := openMem(t)
	cb := newChainGen(2, 0).next()
	mustCommit(t, s, cb)
	checkBlock(t, s, cb)
	if h, _, _ := s.Head(); h != 1 {
		t.Fatalf("head %d", h)
	}
}

func TestReopenKeepsState(t *testing.T) {
	dir := t.TempDir()
	g := newChainGen(8, 3)
	var blocks []*engine.CommittedBlock
	s := openDir(t, dir)
	if err := s.CheckChain(testChainID, types.Sum256([]byte("genesis"))); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		cb := g.next()
		mustCommit(t, s, cb)
		blocks = append(blocks, cb)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s = openDir(t, dir)
	defer s.Close()
	h, hash, err := s.Head()
	if err != nil || h != 3 || hash != blocks[2].Block.Hash() {
		t.Fatalf("after reopen Head = %d, %s, %v", h, hash, err)
	}
	for _, cb := range blocks {
		checkBlock(t, s, cb)
	}
	checkAccounts(t, s, expectedAccounts(blocks))
	if err := s.CheckChain(testChainID, types.Sum256([]byte("genesis"))); err != nil {
		t.Fatalf("CheckChain after reopen: %v", err)
	}
	// The chain goes on where it stopped.
	cb := g.next()
	mustCommit(t, s, cb)
	checkBlock(t, s, cb)
}

func TestNotFound(t *testing.T) {
	s := openMem(t)
	mustCommit(t, s, newChainGen(4, 2).next())
	missing := types.Sum256([]byte("missing"))
	for name, err := range map[string]error{
		"Block":       second(s.Block(2)),
		"CommitCert":  second(s.CommitCert(2)),
		"BlockByHash": second(s.BlockByHash(missing)),
		"TxLocation":  third(s.TxLocation(missing)),
	} {
		if !errors.Is(err, engine.ErrNotFound) {
			t.Errorf("%s: err = %v, want engine.ErrNotFound", name, err)
		}
	}
	acct, ok, err := s.Account(types.Address{1})
	if err != nil || ok || acct != (state.Account{}) {
		t.Errorf("Account(missing) = %+v, %v, %v", acct, ok, err)
	}
}

func second[T any](_ T, err error) error        { return err }
func third[A, B any](_ A, _ B, err error) error { return err }

func TestEmptyStore(t *testing.T) {
	s := openMem(t)
	h, hash, err := s.Head()
	if err != nil || h != 0 || !hash.IsZero() {
		t.Fatalf("Head = %d, %s, %v", h, hash, err)
	}
	if n := len(loadAll(t, s)); n != 0 {
		t.Fatalf("%d accounts in an empty store", n)
	}
}

func TestCloseIdempotent(t *testing.T) {
	s, err := Open(Options{InMemory: true})
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := s.Close(); err != nil {
			t.Fatalf("Close: %v", err)
		}
	}
	cb := newChainGen(2, 1).next()
	for name, err := range map[string]error{
		"Commit":     s.Commit(cb),
		"Head":       third(s.Head()),
		"Block":      second(s.Block(1)),
		"CheckChain": s.CheckChain(testChainID, types.Hash{}),
		"LoadAccounts": s.LoadAccounts(func(types.Address, state.Account) error {
			return nil
		}),
	} {
		if !errors.Is(err, ErrClosed) {
			t.Errorf("%s after Close: %v, want ErrClosed", name, err)
		}
	}
}

func TestOptionsValidate(t *testing.T) {
	for _, o := range []Options{{}, {InMemory: true, Dir: t.TempDir()}} {
		if _, err := Open(o); !errors.Is(err, ErrBadOptions) {
			t.Errorf("Open(%+v) = %v, want ErrBadOptions", o, err)
		}
	}
}

func TestDirLockedByOtherStore(t *testing.T) {
	dir := t.TempDir()
	s := openDir(t, dir)
	defer s.Close()
	if _, err := Open(DefaultOptions(dir)); err == nil {
		t.Fatal("a second Open of a directory in use succeeded")
	}
}

func TestLoadAccountsStopsOnError(t *testing.T) {
	s := openMem(t)
	mustCommit(t, s, newChainGen(8, 4).next())
	stop := errors.New("stop")
	n := 0
	err := s.LoadAccounts(func(types.Address, state.Account) error { n++; return stop })
	if !errors.Is(err, stop) || n != 1 {
		t.Fatalf("LoadAccounts = %v after %d calls", err, n)
	}
}

// A reader that sees a head always finds its block, cert and accounts:
// the head moves only after the whole block is durable.
func TestReadsDuringCommits(t *testing.T) {
	s := openMem(t)
	g := newChainGen(8, 3)
	const blocks = 30
	done := make(chan error, 1)
	go func() {
		defer close(done)
		for range blocks {
			if err := s.Commit(g.next()); err != nil {
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
		h, hash, err := s.Head()
		if err != nil {
			t.Fatal(err)
		}
		if h == 0 {
			continue
		}
		blk, err := s.Block(h)
		if err != nil || blk.Hash() != hash {
			t.Fatalf("head %d: Block = %v, %v", h, blk, err)
		}
		if _, err := s.CommitCert(h); err != nil {
			t.Fatalf("head %d: CommitCert: %v", h, err)
		}
	}
	if h, _, _ := s.Head(); h != blocks {
		t.Fatalf("head %d, want %d", h, blocks)
	}
}
