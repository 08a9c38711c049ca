package blockstore

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/dgraph-io/badger/v4"

	"aitbc/engine/types"
)

// evidenceKeyLen: kind, height, evidence hash.
const evidenceKeyLen = 1 + 8 + types.HashLen

// evidenceKey orders evidence by height, then hash, and is fully
// determined by the evidence: writing it twice is idempotent.
func evidenceKey(height uint64, hash types.Hash) []byte {
	k := make([]byte, 1, evidenceKeyLen)
	k[0] = kindEvidence
	k = binary.BigEndian.AppendUint64(k, height)
	return append(k, hash[:]...)
}

// AddEvidence durably records evidence of double-signing under
// 'e' || height || evidence hash, unless that key exists already. It
// refuses evidence that fails types.Evidence.ValidateBasic; the caller
// (the consensus core) has verified its signatures.
func (s *Store) AddEvidence(ev *types.Evidence) (added bool, err error) {
	if err := ev.ValidateBasic(); err != nil {
		return false, fmt.Errorf("blockstore: evidence: %w", err)
	}
	enc := ev.Encode()
	key := evidenceKey(ev.Height(), types.Sum256(enc))
	s.commitMu.Lock()
	defer s.commitMu.Unlock()
	if s.closed.Load() {
		return false, ErrClosed
	}
	err = s.db.Update(func(txn *badger.Txn) error {
		_, err := txn.Get(key)
		switch {
		case err == nil:
			return nil // recorded already
		case !errors.Is(err, badger.ErrKeyNotFound):
			return err
		}
		added = true
		return txn.Set(key, enc)
	})
	if err != nil {
		return false, fmt.Errorf("blockstore: add evidence at height %d: %w", ev.Height(), err)
	}
	return added, nil
}

// Evidence returns up to limit pieces of evidence of heights >= fromHeight,
// in ascending (height, evidence hash) order, from one snapshot. A record
// that does not decode, or does not match its key, is a *CorruptError.
func (s *Store) Evidence(fromHeight uint64, limit int) ([]*types.Evidence, error) {
	if limit <= 0 {
		return nil, nil
	}
	var out []*types.Evidence
	err := s.view(func(txn *badger.Txn) error {
		opts := badger.DefaultIteratorOptions
		opts.Prefix = []byte{kindEvidence}
		opts.PrefetchSize = min(limit, opts.PrefetchSize)
		it := txn.NewIterator(opts)
		defer it.Close()
		for it.Seek(heightKey(kindEvidence, fromHeight)); it.Valid() && len(out) < limit; it.Next() {
			item := it.Item()
			key := item.KeyCopy(nil)
			if len(key) != evidenceKeyLen {
				return corrupt("evidence", fmt.Sprintf("key of %d bytes", len(key)), nil)
			}
			var ev *types.Evidence
			if err := item.Value(func(v []byte) error {
				var err error
				if ev, err = types.DecodeEvidence(v); err != nil {
					return corrupt("evidence", fmt.Sprintf("key %x", key), err)
				}
				if ev.Height() != binary.BigEndian.Uint64(key[1:9]) || types.Sum256(v) != types.Hash(key[9:]) {
					return corrupt("evidence", fmt.Sprintf("key %x holds evidence %s at height %d", key, ev.Hash(), ev.Height()), nil)
				}
				return nil
			}); err != nil {
				return err
			}
			out = append(out, ev)
		}
		return nil
	})
	return out, err
}
