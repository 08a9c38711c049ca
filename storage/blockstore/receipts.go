package blockstore

import (
	"fmt"

	"github.com/dgraph-io/badger/v4"

	"aitbc/engine/types"
)

// LoadClaimedJobs calls fn for every claimed receipt job hash
// (types.ReceiptJobHash) in ascending order, on one consistent snapshot;
// an error from fn stops the scan and is returned. fn must not call Close.
func (s *Store) LoadClaimedJobs(fn func(jobHash types.Hash) error) error {
	return s.view(func(txn *badger.Txn) error {
		opts := badger.DefaultIteratorOptions
		opts.Prefix = prefixClaim
		opts.PrefetchValues = false // the key is the whole record for a restore
		it := txn.NewIterator(opts)
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			key := it.Item().Key()
			if len(key) != 1+types.HashLen {
				return corrupt("claim", fmt.Sprintf("key of %d bytes", len(key)), nil)
			}
			if err := fn(types.Hash(key[1:])); err != nil {
				return err
			}
		}
		return nil
	})
}

// ClaimLocation returns the height and tx index of the RECEIPT_CLAIM that
// claimed the job with this hash (wrapping engine.ErrNotFound if none did).
func (s *Store) ClaimLocation(jobHash types.Hash) (height uint64, index uint32, err error) {
	return s.location(kindClaim, "claim", jobHash)
}
