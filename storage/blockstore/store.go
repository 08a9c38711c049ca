package blockstore

import (
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"

	"github.com/dgraph-io/badger/v4"

	"aitbc/engine"
	"aitbc/engine/state"
	"aitbc/engine/types"
)

var _ engine.BlockStore = (*Store)(nil)

// Store is the Badger-backed engine.BlockStore.
type Store struct {
	db       *badger.DB
	inMemory bool
	log      *slog.Logger
	metrics  *Metrics

	commitMu sync.Mutex   // serialises Commit, CheckChain and Close
	chain    *chainRecord // guarded by commitMu; nil until recorded

	// closeMu is held shared by every read and exclusively by Close, so the
	// database is never closed under a reader.
	closeMu sync.RWMutex
	closed  atomic.Bool
	head    atomic.Pointer[headRecord] // replaced after each durable commit
}

// Open opens (creating if needed) the store described by opts.
func Open(opts Options) (*Store, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if !opts.SyncWrites && !opts.InMemory {
		log.Warn("blockstore: sync writes disabled; a power loss can drop the last commits")
	}
	db, err := badger.Open(opts.badger(log))
	if err != nil {
		return nil, fmt.Errorf("blockstore: open %s: %w", opts.Dir, err)
	}
	s := &Store{db: db, inMemory: opts.InMemory, log: log, metrics: fillMetrics(opts.Metrics)}
	if err := s.load(); err != nil {
		_ = db.Close()
		return nil, err
	}
	s.metrics.Height.Set(float64(s.head.Load().Height))
	return s, nil
}

func fillMetrics(m *Metrics) *Metrics {
	out := NopMetrics()
	if m == nil {
		return out
	}
	if m.CommitSeconds != nil {
		out.CommitSeconds = m.CommitSeconds
	}
	if m.CommitBytes != nil {
		out.CommitBytes = m.CommitBytes
	}
	if m.Height != nil {
		out.Height = m.Height
	}
	return out
}

// load checks the format version (writing it into a new store) and reads
// the head and chain records.
func (s *Store) load() error {
	return s.db.Update(func(txn *badger.Txn) error {
		v, err := get(txn, keyFormat, decodeFormat)
		switch {
		case errors.Is(err, engine.ErrNotFound):
			if err := txn.Set(keyFormat, encodeFormat(formatVersion)); err != nil {
				return fmt.Errorf("blockstore: write format: %w", err)
			}
		case err != nil:
			return err
		case v > formatVersion:
			return fmt.Errorf("%w: data directory has format %d, this binary knows up to %d; upgrade aitbcd",
				ErrFormatTooNew, v, formatVersion)
		case v < minFormatVersion:
			return fmt.Errorf("%w: data directory has format %d, this binary needs %d..%d (format 2: the state root commits to claimed receipts; 3: headers commit to the next validator set; 4: blocks carry evidence); remove the directory and sync again (a devnet: delete it)",
				ErrFormatTooOld, v, minFormatVersion, formatVersion)
		}
		head, err := get(txn, keyHead, decodeHead)
		if err != nil && !errors.Is(err, engine.ErrNotFound) {
			return err
		}
		s.head.Store(&head)
		c, err := get(txn, keyChain, decodeChain)
		if err == nil {
			s.chain = &c
		} else if !errors.Is(err, engine.ErrNotFound) {
			return err
		}
		return nil
	})
}

// get reads key in txn and decodes it; a missing key wraps engine.ErrNotFound.
func get[T any](txn *badger.Txn, key []byte, decode func([]byte) (T, error)) (T, error) {
	var zero T
	item, err := txn.Get(key)
	if errors.Is(err, badger.ErrKeyNotFound) {
		return zero, engine.ErrNotFound
	}
	if err != nil {
		return zero, fmt.Errorf("blockstore: read: %w", err)
	}
	var out T
	err = item.Value(func(v []byte) error {
		var derr error
		out, derr = decode(v)
		return derr
	})
	if err != nil {
		return zero, err
	}
	return out, nil
}

// view runs fn on a read snapshot unless the store is closed.
func (s *Store) view(fn func(*badger.Txn) error) error {
	s.closeMu.RLock()
	defer s.closeMu.RUnlock()
	if s.closed.Load() {
		return ErrClosed
	}
	return s.db.View(fn)
}

// Head returns the last committed height and hash (0 and the zero hash for
// an empty store).
func (s *Store) Head() (uint64, types.Hash, error) {
	if s.closed.Load() {
		return 0, types.Hash{}, ErrClosed
	}
	h := s.head.Load()
	return h.Height, h.Hash, nil
}

// HeadInfo describes the head without decoding its block.
func (s *Store) HeadInfo() (engine.Head, error) {
	if s.closed.Load() {
		return engine.Head{}, ErrClosed
	}
	h := s.head.Load()
	return engine.Head{Height: h.Height, Hash: h.Hash, Time: h.Time, StateRoot: h.StateRoot, TxCount: int(h.TxCount)}, nil
}

// Block returns the block at height.
func (s *Store) Block(height uint64) (*types.Block, error) {
	var blk *types.Block
	err := s.view(func(txn *badger.Txn) (err error) {
		blk, err = readBlock(txn, height)
		return err
	})
	return blk, err
}

// BlockByHash returns the block with header hash h.
func (s *Store) BlockByHash(h types.Hash) (*types.Block, error) {
	var blk *types.Block
	err := s.view(func(txn *badger.Txn) error {
		height, err := get(txn, hashKey(kindHash, h), decodeHeight)
		if errors.Is(err, engine.ErrNotFound) {
			return fmt.Errorf("blockstore: block %s: %w", h, engine.ErrNotFound)
		}
		if err != nil {
			return err
		}
		blk, err = readBlock(txn, height)
		if err == nil && blk.Hash() != h {
			return corrupt("height", fmt.Sprintf("hash %s points at block %d with hash %s", h, height, blk.Hash()), nil)
		}
		return err
	})
	return blk, err
}

func readBlock(txn *badger.Txn, height uint64) (*types.Block, error) {
	blk, err := get(txn, heightKey(kindBlock, height), func(v []byte) (*types.Block, error) {
		b, err := types.DecodeBlock(v)
		if err != nil {
			return nil, corrupt("block", fmt.Sprintf("height %d", height), err)
		}
		if b.Header.Height != height {
			return nil, corrupt("block", fmt.Sprintf("key height %d holds block %d", height, b.Header.Height), nil)
		}
		return b, nil
	})
	if errors.Is(err, engine.ErrNotFound) {
		return nil, fmt.Errorf("blockstore: block %d: %w", height, engine.ErrNotFound)
	}
	return blk, err
}

// CommitCert returns the commit certificate of the block at height.
func (s *Store) CommitCert(height uint64) (*types.CommitCert, error) {
	var cert *types.CommitCert
	err := s.view(func(txn *badger.Txn) (err error) {
		cert, err = get(txn, heightKey(kindCert, height), func(v []byte) (*types.CommitCert, error) {
			c, err := types.DecodeCommit(v)
			if err != nil {
				return nil, corrupt("commit", fmt.Sprintf("height %d", height), err)
			}
			if c.Height != height {
				return nil, corrupt("commit", fmt.Sprintf("key height %d holds cert %d", height, c.Height), nil)
			}
			return c, nil
		})
		if errors.Is(err, engine.ErrNotFound) {
			return fmt.Errorf("blockstore: commit %d: %w", height, engine.ErrNotFound)
		}
		return err
	})
	return cert, err
}

// TxLocation returns the height and index of a committed tx.
func (s *Store) TxLocation(hash types.Hash) (height uint64, index uint32, err error) {
	return s.location(kindTx, "tx", hash)
}

// location reads the (height, index) stored under a hash key of kind
// (what names it in a not-found error).
func (s *Store) location(kind byte, what string, hash types.Hash) (height uint64, index uint32, err error) {
	err = s.view(func(txn *badger.Txn) error {
		item, err := txn.Get(hashKey(kind, hash))
		if errors.Is(err, badger.ErrKeyNotFound) {
			return fmt.Errorf("blockstore: %s %s: %w", what, hash, engine.ErrNotFound)
		}
		if err != nil {
			return fmt.Errorf("blockstore: read: %w", err)
		}
		return item.Value(func(v []byte) (err error) {
			height, index, err = decodeLocation(v)
			return err
		})
	})
	return height, index, err
}

// Account returns the stored state of addr; ok is false for an account
// never touched by a commit.
func (s *Store) Account(addr types.Address) (acct state.Account, ok bool, err error) {
	err = s.view(func(txn *badger.Txn) error {
		acct, err = get(txn, accountKey(addr), decodeAccount)
		return err
	})
	if errors.Is(err, engine.ErrNotFound) {
		return state.Account{}, false, nil
	}
	return acct, err == nil, err
}

// LoadAccounts calls fn for every stored account in address order, on one
// consistent snapshot; an error from fn stops the scan and is returned.
// fn must not call Close.
func (s *Store) LoadAccounts(fn func(types.Address, state.Account) error) error {
	return s.view(func(txn *badger.Txn) error {
		opts := badger.DefaultIteratorOptions
		opts.Prefix = prefixAccount
		it := txn.NewIterator(opts)
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			item := it.Item()
			key := item.Key()
			if len(key) != 1+types.AddressLen {
				return corrupt("account", fmt.Sprintf("key of %d bytes", len(key)), nil)
			}
			var addr types.Address
			copy(addr[:], key[1:])
			var acct state.Account
			if err := item.Value(func(v []byte) (err error) {
				acct, err = decodeAccount(v)
				return err
			}); err != nil {
				return err
			}
			if err := fn(addr, acct); err != nil {
				return err
			}
		}
		return nil
	})
}

// Close closes the database; later calls return nil, other methods ErrClosed.
func (s *Store) Close() error {
	s.commitMu.Lock()
	defer s.commitMu.Unlock()
	s.closeMu.Lock()
	defer s.closeMu.Unlock()
	if s.closed.Swap(true) {
		return nil
	}
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("blockstore: close: %w", err)
	}
	return nil
}
