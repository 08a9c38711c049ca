package blockstore

import (
	"bytes"
	"errors"
	"fmt"
	"time"

	"github.com/dgraph-io/badger/v4"

	"aitbc/engine"
	"aitbc/engine/types"
)

// Commit makes cb durable in one Badger transaction: block, height-by-hash,
// certificate, tx locations, account updates, claimed receipt job hashes
// and the new head. It refuses a
// block that does not extend the head (*HeightError, *ParentError) or is
// internally inconsistent (ErrBadCommit). On any error nothing is written.
func (s *Store) Commit(cb *engine.CommittedBlock) error {
	start := time.Now()
	s.commitMu.Lock()
	defer s.commitMu.Unlock()
	if s.closed.Load() {
		return ErrClosed
	}
	head := *s.head.Load()
	if err := s.checkCommit(head, cb); err != nil {
		return err
	}
	blk := cb.Block
	hash := blk.Hash()
	enc := blk.Encode()
	if s.inMemory && len(enc) > inMemoryMaxValue {
		// Badger keeps every value in the LSM tree in memory mode and refuses
		// any over its value threshold.
		return fmt.Errorf("%w: block %d is %d bytes; an in-memory store holds at most %d",
			ErrBlockTooLarge, blk.Header.Height, len(enc), inMemoryMaxValue)
	}
	next := headRecord{
		Height:    blk.Header.Height,
		Hash:      hash,
		Time:      blk.Header.Time,
		StateRoot: blk.Header.StateRoot,
		TxCount:   uint32(len(blk.Txs)),
	}

	txn := s.db.NewTransaction(true)
	defer txn.Discard()
	if err := writeBlock(txn, cb, hash, enc, next); err != nil {
		if errors.Is(err, badger.ErrTxnTooBig) {
			return fmt.Errorf("%w: block %d with %d txs, %d account updates and %d receipts: %v",
				ErrBlockTooLarge, next.Height, len(blk.Txs), len(cb.Accounts), len(cb.Receipts), err)
		}
		return fmt.Errorf("blockstore: commit %d: %w", next.Height, err)
	}
	if err := txn.Commit(); err != nil {
		return fmt.Errorf("blockstore: commit %d: %w", next.Height, err)
	}
	s.head.Store(&next)
	s.metrics.markCommit(time.Since(start).Seconds(), len(enc), next.Height)
	return nil
}

// inMemoryMaxValue is Badger's largest value in memory mode (its value threshold).
const inMemoryMaxValue = 1 << 20

func writeBlock(txn *badger.Txn, cb *engine.CommittedBlock, hash types.Hash, enc []byte, head headRecord) error {
	h := head.Height
	if err := txn.Set(heightKey(kindBlock, h), enc); err != nil {
		return err
	}
	if err := txn.Set(hashKey(kindHash, hash), encodeHeight(h)); err != nil {
		return err
	}
	if err := txn.Set(heightKey(kindCert, h), cb.Cert.Encode()); err != nil {
		return err
	}
	for i, th := range cb.TxHashes {
		if err := txn.Set(hashKey(kindTx, th), encodeLocation(h, uint32(i))); err != nil {
			return err
		}
	}
	for _, u := range cb.Accounts {
		if err := txn.Set(accountKey(u.Address), encodeAccount(u.Account)); err != nil {
			return err
		}
	}
	for i := range cb.Receipts {
		r := &cb.Receipts[i]
		if err := txn.Set(hashKey(kindClaim, r.JobHash), encodeLocation(h, r.TxIndex)); err != nil {
			return err
		}
	}
	if err := writeStaking(txn, cb); err != nil {
		return err
	}
	return txn.Set(keyHead, encodeHead(head))
}

// checkCommit validates cb against the head and itself.
func (s *Store) checkCommit(head headRecord, cb *engine.CommittedBlock) error {
	if cb == nil || cb.Block == nil || cb.Cert == nil {
		return fmt.Errorf("%w: block and cert are required", ErrBadCommit)
	}
	hdr := &cb.Block.Header
	if hdr.Height != head.Height+1 {
		return &HeightError{Head: head.Height, Got: hdr.Height}
	}
	if hdr.ParentHash != head.Hash {
		return &ParentError{Height: hdr.Height, Want: head.Hash, Got: hdr.ParentHash}
	}
	if s.chain != nil && hdr.ChainID != s.chain.ChainID {
		return fmt.Errorf("%w: block %d is for chain %q, the store holds %q", ErrWrongChain, hdr.Height, hdr.ChainID, s.chain.ChainID)
	}
	if cb.Cert.Height != hdr.Height || cb.Cert.BlockHash != cb.Block.Hash() {
		return fmt.Errorf("%w: cert for %d/%s does not certify block %d", ErrBadCommit, cb.Cert.Height, cb.Cert.BlockHash, hdr.Height)
	}
	if len(cb.TxHashes) != len(cb.Block.Txs) {
		return fmt.Errorf("%w: %d tx hashes for %d txs", ErrBadCommit, len(cb.TxHashes), len(cb.Block.Txs))
	}
	for i := 1; i < len(cb.Accounts); i++ {
		if bytes.Compare(cb.Accounts[i-1].Address[:], cb.Accounts[i].Address[:]) >= 0 {
			return fmt.Errorf("%w: account updates not strictly sorted at %d (%s)", ErrBadCommit, i, cb.Accounts[i].Address)
		}
	}
	return checkReceipts(cb)
}

// checkReceipts: each receipt names a RECEIPT_CLAIM tx of the block, in
// block order, with the job hash of its own job id. Whether a job was
// claimed before is the ledger's rule, not the store's.
func checkReceipts(cb *engine.CommittedBlock) error {
	for i := range cb.Receipts {
		r := &cb.Receipts[i]
		switch {
		case int(r.TxIndex) >= len(cb.Block.Txs) || cb.Block.Txs[r.TxIndex].Type != types.TxReceiptClaim:
			return fmt.Errorf("%w: receipt %d names tx %d, which is not a RECEIPT_CLAIM of the block", ErrBadCommit, i, r.TxIndex)
		case i > 0 && r.TxIndex <= cb.Receipts[i-1].TxIndex:
			return fmt.Errorf("%w: receipts not in block order at %d", ErrBadCommit, i)
		case r.JobHash != types.ReceiptJobHash(r.JobID):
			return fmt.Errorf("%w: receipt %d job hash does not match its job id", ErrBadCommit, i)
		}
	}
	return nil
}
