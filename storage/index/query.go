package index

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/jmoiron/sqlx"

	"aitbc/engine"
	"aitbc/engine/types"
)

// Paging and range limits of the read queries.
const (
	DefaultPageSize = 100
	MaxPageSize     = 1000
	MaxBlockRange   = 1000
)

var (
	blockSelect   = "SELECT " + joinCols(blockCols) + " FROM blocks"
	txSelect      = "SELECT " + joinCols(txCols) + " FROM txs"
	accountSelect = "SELECT " + joinCols(accountCols) + " FROM accounts"
)

func joinCols(cols []string) string { return strings.Join(cols, ", ") }

// pageSize applies the paging bounds: <= 0 is DefaultPageSize, more than
// MaxPageSize is MaxPageSize.
func pageSize(limit int) int {
	switch {
	case limit <= 0:
		return DefaultPageSize
	case limit > MaxPageSize:
		return MaxPageSize
	}
	return limit
}

// position is a (height, idx) bound for newest-first paging.
type position struct{ h, i int64 }

// cursorBound is where a page starts: before everything for "", strictly
// after the cursor's row otherwise. idx is an INTEGER column, which
// PostgreSQL binds as int4: positions are clamped to MaxInt32 (real ones
// are below types.MaxBlockTxs, so the order is unchanged).
func cursorBound(c string) (position, error) {
	if c == "" {
		return position{math.MaxInt64, math.MaxInt32}, nil
	}
	cur, err := decodeCursor(c)
	if err != nil {
		return position{}, err
	}
	return position{int64(cur.height), min(int64(cur.idx), math.MaxInt32)}, nil
}

// TxsByAddress returns txs sent or received by addr, newest first (by
// height, then position), at most limit of them (limit <= 0 means
// DefaultPageSize; more than MaxPageSize is cut to it). cursor is "" for
// the first page or the next cursor of the previous page; next is "" after
// the last page.
func (ix *Index) TxsByAddress(ctx context.Context, addr types.Address, limit int, cursor string) (rows []TxRow, next string, err error) {
	if ix.closed.Load() {
		return nil, "", ErrClosed
	}
	limit = pageSize(limit)
	after, err := cursorBound(cursor)
	if err != nil {
		return nil, "", err
	}
	q := txsByAddressQuery(ix.d)
	a := addr.String()
	var recs []txRecord
	if err := sqlx.SelectContext(ctx, ix.r, &recs, q, a, after.h, after.i, limit+1, a, after.h, after.i, limit+1, limit+1); err != nil {
		return nil, "", fmt.Errorf("index: txs of %s: %w", a, err)
	}
	more := len(recs) > limit
	if more {
		recs = recs[:limit]
	}
	rows = make([]TxRow, len(recs))
	for i, r := range recs {
		if rows[i], err = r.row(); err != nil {
			return nil, "", err
		}
	}
	if more {
		lastRow := rows[len(rows)-1]
		next = encodeCursor(cursorOf(lastRow))
	}
	return rows, next, nil
}

// txsByAddressQuery takes (addr, height, idx, limit) twice, then limit.
// Each side of the UNION walks its own (address, height, idx) index and
// stops after limit rows; UNION drops the second copy of a self-transfer.
func txsByAddressQuery(d dialect) string {
	side := func(col string) string {
		return "SELECT * FROM (" + txSelect + " WHERE " + col + " = ? AND (height, idx) < (?, ?)" +
			" ORDER BY height DESC, idx DESC LIMIT ?) AS " + col + "_side"
	}
	return d.q(side("sender") + " UNION " + side("recipient") + " ORDER BY height DESC, idx DESC LIMIT ?")
}

func cursorOf(r TxRow) cursor { return cursor{height: r.Height, idx: r.Index} }

// Blocks returns the indexed blocks with from <= height <= to, ascending;
// the range may hold at most MaxBlockRange heights.
func (ix *Index) Blocks(ctx context.Context, from, to uint64) ([]BlockRow, error) {
	if ix.closed.Load() {
		return nil, ErrClosed
	}
	if from > to || to > math.MaxInt64 || to-from >= MaxBlockRange {
		return nil, fmt.Errorf("%w: %d..%d (at most %d heights, from <= to)", ErrBadRange, from, to, MaxBlockRange)
	}
	var recs []blockRecord
	q := ix.d.q(blockSelect + " WHERE height >= ? AND height <= ? ORDER BY height")
	if err := sqlx.SelectContext(ctx, ix.r, &recs, q, int64(from), int64(to)); err != nil {
		return nil, fmt.Errorf("index: blocks %d..%d: %w", from, to, err)
	}
	out := make([]BlockRow, len(recs))
	for i, r := range recs {
		var err error
		if out[i], err = r.row(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// BlockByHash returns the indexed block with hash h.
func (ix *Index) BlockByHash(ctx context.Context, h types.Hash) (BlockRow, error) {
	r, err := getOne[blockRecord](ctx, ix, blockSelect+" WHERE hash = ?", h.String(), "block "+h.String())
	if err != nil {
		return BlockRow{}, err
	}
	return r.row()
}

// Tx returns the indexed tx with hash h.
func (ix *Index) Tx(ctx context.Context, h types.Hash) (TxRow, error) {
	r, err := getOne[txRecord](ctx, ix, txSelect+" WHERE hash = ?", h.String(), "tx "+h.String())
	if err != nil {
		return TxRow{}, err
	}
	return r.row()
}

// Account returns the indexed state of addr.
func (ix *Index) Account(ctx context.Context, addr types.Address) (AccountRow, error) {
	r, err := getOne[accountRecord](ctx, ix, accountSelect+" WHERE address = ?", addr.String(), "account "+addr.String())
	if err != nil {
		return AccountRow{}, err
	}
	return r.row()
}

// getOne reads one row by key; no row wraps engine.ErrNotFound.
func getOne[T any](ctx context.Context, ix *Index, query, key, what string) (T, error) {
	var rec T
	if ix.closed.Load() {
		return rec, ErrClosed
	}
	err := sqlx.GetContext(ctx, ix.r, &rec, ix.d.q(query), key)
	if errors.Is(err, sql.ErrNoRows) {
		return rec, fmt.Errorf("index: %s: %w", what, engine.ErrNotFound)
	}
	if err != nil {
		return rec, fmt.Errorf("index: %s: %w", what, err)
	}
	return rec, nil
}
