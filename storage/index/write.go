package index

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"time"

	"aitbc/engine"
	"aitbc/engine/state"
	"aitbc/engine/types"
)

// IndexBlocks writes blocks, which must have ascending contiguous heights
// starting at most at LastIndexedHeight+1, in one transaction. It is
// idempotent: re-indexing a height replaces its block and tx rows with
// identical ones. LastIndexedHeight becomes the larger of its old value
// and the last height of the batch.
func (ix *Index) IndexBlocks(ctx context.Context, blocks []*engine.CommittedBlock) error {
	if len(blocks) == 0 {
		return nil
	}
	if ix.closed.Load() {
		return ErrClosed
	}
	start := time.Now()
	if err := checkBatch(blocks); err != nil {
		return err
	}
	first := blocks[0].Block.Header.Height
	last := blocks[len(blocks)-1].Block.Header.Height
	var blockArgs, txArgs, receiptArgs []any
	names := newAddressText()
	for _, cb := range blocks {
		var err error
		if blockArgs, txArgs, receiptArgs, err = ix.appendBlockArgs(cb, names, blockArgs, txArgs, receiptArgs); err != nil {
			return err
		}
	}
	acctArgs, err := accountArgs(blocks)
	if err != nil {
		return err
	}

	tx, err := ix.w.BeginTxx(ctx, nil)
	if err != nil {
		return fmt.Errorf("index: begin: %w", err)
	}
	defer tx.Rollback()
	prev, err := lastHeight(ctx, tx, ix.d)
	if err != nil {
		return err
	}
	if first > prev+1 {
		return &GapError{Last: prev, First: first}
	}
	steps := []struct {
		what string
		run  func() error
	}{
		{"blocks", func() error { return ix.st.blocks.exec(ctx, tx, blockArgs) }},
		{"delete receipts", func() error {
			_, err := tx.StmtxContext(ctx, ix.st.deleteReceipts).ExecContext(ctx, int64(first), int64(last))
			return err
		}},
		{"delete txs", func() error {
			_, err := tx.StmtxContext(ctx, ix.st.deleteTxs).ExecContext(ctx, int64(first), int64(last))
			return err
		}},
		{"txs", func() error { return ix.st.txs.exec(ctx, tx, txArgs) }},
		{"receipts", func() error { return ix.st.receipts.exec(ctx, tx, receiptArgs) }},
		{"accounts", func() error { return ix.st.accounts.exec(ctx, tx, acctArgs) }},
		{"last height", func() error {
			_, err := tx.StmtxContext(ctx, ix.st.setMeta).ExecContext(ctx, metaLastHeight, strconv.FormatUint(max(prev, last), 10))
			return err
		}},
	}
	for _, s := range steps {
		if err := s.run(); err != nil {
			return fmt.Errorf("index: heights %d..%d: %s: %w", first, last, s.what, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("index: heights %d..%d: commit: %w", first, last, err)
	}
	rows := len(blockArgs)/len(blockCols) + len(txArgs)/len(txCols) + len(acctArgs)/len(accountCols) + len(receiptArgs)/len(receiptCols)
	ix.metrics.Load().markBatch(time.Since(start).Seconds(), rows, max(prev, last))
	return nil
}

func checkBatch(blocks []*engine.CommittedBlock) error {
	for i, cb := range blocks {
		if cb == nil || cb.Block == nil {
			return fmt.Errorf("%w: entry %d has no block", ErrBadBatch, i)
		}
		h := cb.Block.Header.Height
		if h == 0 || h > math.MaxInt64 {
			return fmt.Errorf("%w: height %d", ErrOutOfRange, h)
		}
		if i > 0 && h != blocks[i-1].Block.Header.Height+1 {
			return fmt.Errorf("%w: height %d follows %d", ErrBadBatch, h, blocks[i-1].Block.Header.Height)
		}
		if cb.TxHashes != nil && len(cb.TxHashes) != len(cb.Block.Txs) {
			return fmt.Errorf("%w: block %d has %d tx hashes for %d txs", ErrBadBatch, h, len(cb.TxHashes), len(cb.Block.Txs))
		}
	}
	return nil
}

// addressText renders addresses in their stored form (bech32) once per
// batch: a block's txs repeat senders and recipients, and bech32 encoding
// (and, for a sender, the SHA-256 of its key that is its address) was the
// costliest per-tx work of building the rows. It lives for one
// IndexBlocks call, so it holds at most one entry per distinct key of a
// batch.
type addressText struct {
	bySender map[[types.PubKeyLen]byte]string
	byAddr   map[types.Address]string
}

func newAddressText() *addressText {
	return &addressText{bySender: map[[types.PubKeyLen]byte]string{}, byAddr: map[types.Address]string{}}
}

// sender is the text address of tx's sender.
func (n *addressText) sender(tx *types.Tx) string {
	s, ok := n.bySender[tx.Sender]
	if !ok {
		s = n.address(tx.From())
		n.bySender[tx.Sender] = s
	}
	return s
}

func (n *addressText) address(a types.Address) string {
	s, ok := n.byAddr[a]
	if !ok {
		s = a.String()
		n.byAddr[a] = s
	}
	return s
}

// appendBlockArgs adds the parameters of cb's block, tx and receipt rows.
func (ix *Index) appendBlockArgs(cb *engine.CommittedBlock, names *addressText, blockArgs, txArgs, receiptArgs []any) (_, _, _ []any, err error) {
	blk := cb.Block
	h := int64(blk.Header.Height) // checked by checkBatch
	t, err := toInt64("block time", blk.Header.Time)
	if err != nil {
		return nil, nil, nil, err
	}
	blockArgs = append(blockArgs, h, blk.Hash().String(), t, names.address(blk.Header.Proposer), len(blk.Txs), blk.Header.StateRoot.String())
	hashes := cb.TxHashes
	if hashes == nil {
		hashes = blk.TxHashes()
	}
	for i, tx := range blk.Txs {
		nonce, err := toInt64("tx nonce", tx.Nonce)
		if err != nil {
			return nil, nil, nil, err
		}
		txArgs = append(txArgs, hashes[i].String(), h, i, tx.Type.String(), names.sender(tx), names.address(tx.Recipient),
			nonce, encodeAmount(tx.Amount), encodeAmount(tx.Fee), TxStatusCommitted)
	}
	rs, err := ix.blockReceipts(cb)
	if err != nil {
		return nil, nil, nil, err
	}
	if receiptArgs, err = appendReceiptArgs(cb, rs, hashes, receiptArgs); err != nil {
		return nil, nil, nil, err
	}
	return blockArgs, txArgs, receiptArgs, nil
}

// accountArgs has one row per account: its state after the last block of
// the batch that changed it (one upsert may not touch a row twice in
// PostgreSQL). Rows keep first-seen order, so the statement is deterministic.
// An empty account (zero balance and nonce) does not exist in the ledger
// and gets no row: nonces never go back, so no existing row becomes empty.
func accountArgs(blocks []*engine.CommittedBlock) ([]any, error) {
	pos := map[types.Address]int{}
	var args []any
	for _, cb := range blocks {
		h := int64(cb.Block.Header.Height)
		for _, u := range cb.Accounts {
			if u.Account == (state.Account{}) {
				continue
			}
			nonce, err := toInt64("account nonce", u.Account.Nonce)
			if err != nil {
				return nil, err
			}
			row := []any{u.Address.String(), encodeAmount(u.Account.Balance), nonce, h}
			if i, ok := pos[u.Address]; ok {
				copy(args[i:], row)
				continue
			}
			pos[u.Address] = len(args)
			args = append(args, row...)
		}
	}
	return args, nil
}
