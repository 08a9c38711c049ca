package blockstore

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/dgraph-io/badger/v4"

	"aitbc/engine"
	"aitbc/engine/state"
	"aitbc/engine/types"
	"aitbc/engine/validators"
)

// writeStaking adds what a pos or hybrid chain's commit changes besides
// accounts and claims: the changed stake records ('s'), the applied
// evidence hashes ('x'), the supply, and the elected set ('v' + epoch).
func writeStaking(txn *badger.Txn, cb *engine.CommittedBlock) error {
	for i := range cb.Stakes {
		r := &cb.Stakes[i]
		if err := txn.Set(stakeKey(r.Address), state.EncodeStakeRecord(r)); err != nil {
			return err
		}
	}
	for _, h := range cb.Evidence {
		if err := txn.Set(hashKey(kindApplied, h), encodeHeight(cb.Block.Header.Height)); err != nil {
			return err
		}
	}
	if err := txn.Set(keySupply, state.EncodeSupply(cb.Supply)); err != nil {
		return err
	}
	if el := cb.Elected; el != nil {
		if err := txn.Set(heightKey(kindSet, el.Epoch), validators.EncodeSet(el.Set)); err != nil {
			return err
		}
	}
	return nil
}

// LoadStaking restores the staking state of a pos or hybrid chain on one
// consistent snapshot (engine.BlockStore). A record that does not decode
// is corruption; so is a set key out of sequence (epochs are stored from
// 2 on, one after another).
func (s *Store) LoadStaking(r engine.StakingRestore) error {
	return s.view(func(txn *badger.Txn) error {
		if err := scan(txn, prefixStake, func(key, v []byte) error {
			rec, err := state.DecodeStakeRecord(v)
			if err != nil {
				return corrupt("stake", fmt.Sprintf("key %x", key), err)
			}
			if len(key) != 1+types.AddressLen || types.Address(key[1:]) != rec.Address {
				return corrupt("stake", fmt.Sprintf("key %x holds the record of %s", key, rec.Address), nil)
			}
			return r.Stake(rec)
		}); err != nil {
			return err
		}
		if err := scan(txn, prefixApplied, func(key, _ []byte) error {
			if len(key) != 1+types.HashLen {
				return corrupt("applied evidence", fmt.Sprintf("key of %d bytes", len(key)), nil)
			}
			return r.Evidence(types.Hash(key[1:]))
		}); err != nil {
			return err
		}
		sup, err := get(txn, keySupply, func(v []byte) (state.Supply, error) {
			sup, err := state.DecodeSupply(v)
			if err != nil {
				return sup, corrupt("supply", "", err)
			}
			return sup, nil
		})
		switch {
		case err == nil:
			if err := r.Supply(sup); err != nil {
				return err
			}
		case !errors.Is(err, engine.ErrNotFound):
			return err
		}
		// Every key is checked for sequence; only the newest r.Sets values
		// are kept, in a ring whose buffers are reused, and decoded, so a
		// restart's cost does not grow with the chain's age.
		type stored struct {
			epoch uint64
			raw   []byte
		}
		var ring []stored
		next := uint64(2)
		if err := scan(txn, prefixSet, func(key, v []byte) error {
			if len(key) != heightKeyLen {
				return corrupt("set", fmt.Sprintf("key of %d bytes", len(key)), nil)
			}
			e := binary.BigEndian.Uint64(key[1:])
			if e != next {
				return corrupt("set", fmt.Sprintf("epoch %d stored where %d was expected", e, next), nil)
			}
			next++
			if i := int(e-2) % max(r.Sets, 1); r.Sets > 0 && i < len(ring) {
				ring[i] = stored{e, append(ring[i].raw[:0], v...)}
			} else {
				ring = append(ring, stored{e, bytes.Clone(v)})
			}
			return nil
		}); err != nil {
			return err
		}
		// Oldest first: with a full ring, the slot after the newest.
		tail := ring
		if r.Sets > 0 && len(ring) == r.Sets {
			k := int(next-2) % r.Sets
			tail = append(ring[k:len(ring):len(ring)], ring[:k]...)
		}
		for _, st := range tail {
			set, err := validators.DecodeSet(st.raw)
			if err != nil {
				return corrupt("set", fmt.Sprintf("epoch %d", st.epoch), err)
			}
			if err := r.Set(st.epoch, set); err != nil {
				return err
			}
		}
		return nil
	})
}

// ValidatorSet is the stored elected set of epoch e (engine.BlockStore).
func (s *Store) ValidatorSet(e uint64) (*validators.Set, error) {
	var set *validators.Set
	err := s.view(func(txn *badger.Txn) (err error) {
		set, err = get(txn, heightKey(kindSet, e), func(v []byte) (*validators.Set, error) {
			set, err := validators.DecodeSet(v)
			if err != nil {
				return nil, corrupt("set", fmt.Sprintf("epoch %d", e), err)
			}
			return set, nil
		})
		return err
	})
	if errors.Is(err, engine.ErrNotFound) {
		return nil, fmt.Errorf("blockstore: no set of epoch %d: %w", e, engine.ErrNotFound)
	}
	return set, err
}

// EvidenceIncluded is the height of the block that applied the evidence
// with hash h (wrapping engine.ErrNotFound when none did).
func (s *Store) EvidenceIncluded(h types.Hash) (uint64, error) {
	var height uint64
	err := s.view(func(txn *badger.Txn) (err error) {
		height, err = get(txn, hashKey(kindApplied, h), func(v []byte) (uint64, error) {
			if len(v) != heightLen {
				return 0, corrupt("applied evidence", fmt.Sprintf("%s: value of %d bytes", h, len(v)), nil)
			}
			return binary.BigEndian.Uint64(v), nil
		})
		return err
	})
	if errors.Is(err, engine.ErrNotFound) {
		return 0, fmt.Errorf("blockstore: evidence %s applied by no block: %w", h, engine.ErrNotFound)
	}
	return height, err
}

// scan calls fn with every key and value under prefix, in key order.
func scan(txn *badger.Txn, prefix []byte, fn func(key, v []byte) error) error {
	opts := badger.DefaultIteratorOptions
	opts.Prefix = prefix
	it := txn.NewIterator(opts)
	defer it.Close()
	for it.Rewind(); it.Valid(); it.Next() {
		item := it.Item()
		key := item.KeyCopy(nil)
		if err := item.Value(func(v []byte) error { return fn(key, v) }); err != nil {
			return err
		}
	}
	return nil
}
