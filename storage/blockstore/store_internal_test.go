package blockstore

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"testing"

	"aitbc/engine/state"
	"aitbc/engine/types"
)

// The limits txnBudget is checked against are Badger's own.
func TestTxnLimitsMatchBadger(t *testing.T) {
	s := openMem(t)
	entries, size := txnLimits()
	if s.db.MaxBatchCount() != entries || s.db.MaxBatchSize() != size {
		t.Fatalf("badger allows %d entries / %d bytes per txn, txnLimits says %d / %d",
			s.db.MaxBatchCount(), s.db.MaxBatchSize(), entries, size)
	}
}

func TestCorruptValuesAreTypedErrors(t *testing.T) {
	s := openMem(t)
	g := newChainGen(4, 2)
	cb := g.next()
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
	put(heightKey(kindBlock, 1), []byte("not a block"))
	_, err := s.Block(1)
	var de *types.DecodeError
	if !errors.Is(err, ErrCorrupt) || !errors.As(err, &de) {
		t.Errorf("Block of garbage = %v, want ErrCorrupt wrapping *types.DecodeError", err)
	}
	put(heightKey(kindCert, 1), []byte{1})
	if _, err := s.CommitCert(1); !errors.Is(err, ErrCorrupt) {
		t.Errorf("CommitCert of garbage = %v", err)
	}
	put(hashKey(kindTx, cb.TxHashes[0]), []byte{1, 2})
	if _, _, err := s.TxLocation(cb.TxHashes[0]); !errors.Is(err, ErrCorrupt) {
		t.Errorf("TxLocation of garbage = %v", err)
	}
	put(accountKey(types.Address{}), []byte{1})
	if err := s.LoadAccounts(func(types.Address, state.Account) error { return nil }); !errors.Is(err, ErrCorrupt) {
		t.Errorf("LoadAccounts over garbage = %v", err)
	}
	// A block stored under the wrong height is caught too.
	put(heightKey(kindBlock, 1), g.next().Block.Encode())
	if _, err := s.Block(1); !errors.Is(err, ErrCorrupt) {
		t.Errorf("Block under wrong height = %v", err)
	}
}

func TestFormatTooNewRefused(t *testing.T) {
	dir := t.TempDir()
	s := openDir(t, dir)
	txn := s.db.NewTransaction(true)
	if err := txn.Set(keyFormat, encodeFormat(formatVersion+1)); err != nil {
		t.Fatal(err)
	}
	if err := txn.Commit(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(DefaultOptions(dir)); !errors.Is(err, ErrFormatTooNew) {
		t.Fatalf("Open of a newer format = %v, want ErrFormatTooNew", err)
	}
}

// recordingHandler keeps the level and message of every record.
type recordingHandler struct {
	mu   sync.Mutex
	recs []slog.Record
}

func (h *recordingHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h *recordingHandler) Handle(_ context.Context, r slog.Record) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.recs = append(h.recs, r)
	return nil
}
func (h *recordingHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *recordingHandler) WithGroup(string) slog.Handler      { return h }

func TestBadgerLoggerLevels(t *testing.T) {
	h := &recordingHandler{}
	l := badgerLogger{slog.New(h)}
	l.Infof("replaying %d", 1)
	l.Debugf("detail")
	l.Warningf("slow %s\n", "disk")
	l.Errorf("broken")
	if len(h.recs) != 2 || h.recs[0].Level != slog.LevelWarn || h.recs[0].Message != "slow disk" || h.recs[1].Level != slog.LevelError {
		t.Fatalf("records = %+v", h.recs)
	}
}
