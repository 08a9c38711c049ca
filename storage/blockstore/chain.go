package blockstore

import (
	"errors"
	"fmt"

	"github.com/dgraph-io/badger/v4"

	"aitbc/engine"
	"aitbc/engine/types"
)

// CheckChain binds the data directory to one chain: the first call records
// chainID and genesisHash, later calls with different values return a
// *ChainMismatchError (errors.Is ErrWrongChain).
func (s *Store) CheckChain(chainID string, genesisHash types.Hash) error {
	if err := types.ValidateChainID(chainID); err != nil {
		return fmt.Errorf("blockstore: check chain: %w", err)
	}
	s.commitMu.Lock()
	defer s.commitMu.Unlock()
	if s.closed.Load() {
		return ErrClosed
	}
	want := chainRecord{ChainID: chainID, Genesis: genesisHash}
	if s.chain != nil {
		return s.chain.match(want)
	}
	err := s.db.Update(func(txn *badger.Txn) error {
		got, err := get(txn, keyChain, decodeChain)
		switch {
		case errors.Is(err, engine.ErrNotFound):
			return txn.Set(keyChain, encodeChain(want))
		case err != nil:
			return err
		}
		return got.match(want)
	})
	if err != nil {
		return err
	}
	s.chain = &want
	return nil
}

func (c *chainRecord) match(want chainRecord) error {
	if c.ChainID == want.ChainID && c.Genesis == want.Genesis {
		return nil
	}
	return &ChainMismatchError{StoredChainID: c.ChainID, StoredGenesis: c.Genesis, ChainID: want.ChainID, Genesis: want.Genesis}
}
