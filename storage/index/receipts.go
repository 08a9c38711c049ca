package index

import (
	"context"
	"fmt"
	"math"

	"github.com/jmoiron/sqlx"

	"aitbc/engine"
	"aitbc/engine/state"
	"aitbc/engine/types"
)

// ReceiptRow is an indexed AI compute receipt: one executed RECEIPT_CLAIM.
type ReceiptRow struct {
	ID          types.Hash // types.ReceiptID(chain_id, job_id, miner, units)
	JobID       []byte
	Miner       types.Address
	Units       uint64
	Minted      uint64 // Units × mint_per_unit
	Coordinator types.HexBytes
	TxHash      types.Hash
	Height      uint64
	Index       uint32 // the claim tx's position in its block
}

var receiptCols = []string{"id", "job_id", "miner", "units", "minted", "coordinator", "tx_hash", "height", "idx"}

var receiptSelect = "SELECT " + joinCols(receiptCols) + " FROM receipts"

type receiptRecord struct {
	ID          string `db:"id"`
	JobID       string `db:"job_id"`
	Miner       string `db:"miner"`
	Units       string `db:"units"`
	Minted      string `db:"minted"`
	Coordinator string `db:"coordinator"`
	TxHash      string `db:"tx_hash"`
	Height      int64  `db:"height"`
	Idx         int64  `db:"idx"`
}

func (r receiptRecord) row() (ReceiptRow, error) {
	d := rowDecoder{table: "receipts"}
	out := ReceiptRow{
		ID:          d.hash("id", r.ID),
		JobID:       d.hex("job_id", r.JobID),
		Miner:       d.address("miner", r.Miner),
		Units:       uint64(d.amount("units", r.Units)),
		Minted:      uint64(d.amount("minted", r.Minted)),
		Coordinator: d.hex("coordinator", r.Coordinator),
		TxHash:      d.hash("tx_hash", r.TxHash),
		Height:      d.uint("height", r.Height, math.MaxInt64),
		Index:       uint32(d.uint("idx", r.Idx, types.MaxBlockTxs-1)),
	}
	if d.err == nil && (len(out.JobID) == 0 || len(out.JobID) > types.MaxJobIDLen) {
		d.fail("job_id", fmt.Errorf("%d bytes, want 1..%d", len(out.JobID), types.MaxJobIDLen))
	}
	return out, d.err
}

// Receipt returns the receipt with id.
func (ix *Index) Receipt(ctx context.Context, id types.Hash) (ReceiptRow, error) {
	r, err := getOne[receiptRecord](ctx, ix, receiptSelect+" WHERE id = ?", id.String(), "receipt "+id.String())
	if err != nil {
		return ReceiptRow{}, err
	}
	return r.row()
}

// ReceiptsByJob returns the receipts of a job id: none or one, since a job
// is claimed once.
func (ix *Index) ReceiptsByJob(ctx context.Context, jobID []byte) ([]ReceiptRow, error) {
	if ix.closed.Load() {
		return nil, ErrClosed
	}
	if len(jobID) == 0 || len(jobID) > types.MaxJobIDLen {
		return nil, fmt.Errorf("%w: job id of %d bytes, want 1..%d", ErrOutOfRange, len(jobID), types.MaxJobIDLen)
	}
	var recs []receiptRecord
	if err := sqlx.SelectContext(ctx, ix.r, &recs, ix.d.q(receiptSelect+" WHERE job_id = ?"), types.HexBytes(jobID).String()); err != nil {
		return nil, fmt.Errorf("index: receipts of job: %w", err)
	}
	return receiptRows(recs)
}

// ReceiptsByMiner returns miner's receipts newest first, paged like
// TxsByAddress.
func (ix *Index) ReceiptsByMiner(ctx context.Context, miner types.Address, limit int, page string) (rows []ReceiptRow, next string, err error) {
	if ix.closed.Load() {
		return nil, "", ErrClosed
	}
	limit = pageSize(limit)
	after, err := cursorBound(page)
	if err != nil {
		return nil, "", err
	}
	q := ix.d.q(receiptSelect + " WHERE miner = ? AND (height, idx) < (?, ?) ORDER BY height DESC, idx DESC LIMIT ?")
	var recs []receiptRecord
	if err := sqlx.SelectContext(ctx, ix.r, &recs, q, miner.String(), after.h, after.i, limit+1); err != nil {
		return nil, "", fmt.Errorf("index: receipts of %s: %w", miner, err)
	}
	more := len(recs) > limit
	if more {
		recs = recs[:limit]
	}
	if rows, err = receiptRows(recs); err != nil {
		return nil, "", err
	}
	if more {
		last := rows[len(rows)-1]
		next = encodeCursor(cursor{height: last.Height, idx: last.Index})
	}
	return rows, next, nil
}

func receiptRows(recs []receiptRecord) ([]ReceiptRow, error) {
	out := make([]ReceiptRow, len(recs))
	for i, r := range recs {
		var err error
		if out[i], err = r.row(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// blockReceipts are the receipts of cb: cb.Receipts when the pipeline
// filled them, else rebuilt from the txs with the genesis mint_per_unit.
func (ix *Index) blockReceipts(cb *engine.CommittedBlock) ([]state.Receipt, error) {
	if cb.Receipts != nil {
		return cb.Receipts, nil
	}
	claims := false
	for _, tx := range cb.Block.Txs {
		if tx.Type == types.TxReceiptClaim {
			claims = true
			break
		}
	}
	if !claims {
		return nil, nil
	}
	if !ix.hasMint {
		return nil, fmt.Errorf("%w: block %d", ErrNoMintPerUnit, cb.Block.Header.Height)
	}
	rs, err := state.BlockReceipts(cb.Block.Txs, ix.mintPerUnit)
	if err != nil {
		return nil, fmt.Errorf("%w: block %d: %w", ErrBadBatch, cb.Block.Header.Height, err)
	}
	return rs, nil
}

// appendReceiptArgs adds the parameters of cb's receipt rows.
func appendReceiptArgs(cb *engine.CommittedBlock, rs []state.Receipt, hashes []types.Hash, args []any) ([]any, error) {
	h := int64(cb.Block.Header.Height)
	for _, r := range rs {
		if int(r.TxIndex) >= len(cb.Block.Txs) {
			return nil, fmt.Errorf("%w: block %d: receipt for tx %d of %d", ErrBadBatch, h, r.TxIndex, len(cb.Block.Txs))
		}
		args = append(args, r.ID.String(), types.HexBytes(r.JobID).String(), r.Miner.String(), encodeAmount(r.Units),
			encodeAmount(r.Minted), types.HexBytes(r.Coordinator[:]).String(), hashes[r.TxIndex].String(), h, int64(r.TxIndex))
	}
	return args, nil
}
