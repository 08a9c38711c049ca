package index

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jmoiron/sqlx"
)

// bulkRows is how many rows one multi-row INSERT carries: 100 tx rows are
// 1000 parameters, far below SQLite's 32766 and PostgreSQL's 65535.
const bulkRows = 100

// bulkInsert is a multi-row upsert: INSERT INTO t (cols) VALUES (…),(…) tail.
type bulkInsert struct {
	d    dialect
	head string
	tail string
	cols int
	full *sqlx.Stmt // prepared for bulkRows rows
}

func newBulkInsert(ctx context.Context, db *sqlx.DB, d dialect, table string, cols []string, tail string) (*bulkInsert, error) {
	b := &bulkInsert{
		d:    d,
		head: "INSERT INTO " + table + " (" + strings.Join(cols, ", ") + ") VALUES ",
		tail: strings.TrimRight(" "+tail, " "),
		cols: len(cols),
	}
	var err error
	b.full, err = db.PreparexContext(ctx, b.query(bulkRows))
	if err != nil {
		return nil, fmt.Errorf("index: prepare insert into %s: %w", table, err)
	}
	return b, nil
}

func (b *bulkInsert) query(rows int) string {
	one := "(" + strings.TrimSuffix(strings.Repeat("?, ", b.cols), ", ") + ")"
	var sb strings.Builder
	sb.WriteString(b.head)
	for i := range rows {
		if i > 0 {
			sb.WriteString(", ")
		}
		sb.WriteString(one)
	}
	sb.WriteString(b.tail)
	return b.d.q(sb.String())
}

// exec writes len(args)/cols rows: full batches through the prepared
// statement, the remainder in one ad-hoc statement.
func (b *bulkInsert) exec(ctx context.Context, tx *sqlx.Tx, args []any) error {
	per := bulkRows * b.cols
	if len(args) >= per {
		full := tx.StmtxContext(ctx, b.full)
		for len(args) >= per {
			if _, err := full.ExecContext(ctx, args[:per]...); err != nil {
				return err
			}
			args = args[per:]
		}
	}
	if len(args) == 0 {
		return nil
	}
	_, err := tx.ExecContext(ctx, b.query(len(args)/b.cols), args...)
	return err
}

// statements are the writer's prepared statements.
type statements struct {
	blocks, txs, accounts, receipts    *bulkInsert
	deleteTxs, deleteReceipts, setMeta *sqlx.Stmt
}

var (
	blockCols   = []string{"height", "hash", "time", "proposer", "tx_count", "state_root"}
	txCols      = []string{"hash", "height", "idx", "type", "sender", "recipient", "nonce", "amount", "fee", "status"}
	accountCols = []string{"address", "balance", "nonce", "updated_height"}
)

// upsertTail is ON CONFLICT (key) DO UPDATE SET every other column, the
// form SQLite (3.24+) and PostgreSQL share.
func upsertTail(key string, cols []string, where string) string {
	var set []string
	for _, c := range cols {
		if c != key {
			set = append(set, c+" = excluded."+c)
		}
	}
	s := "ON CONFLICT (" + key + ") DO UPDATE SET " + strings.Join(set, ", ")
	if where != "" {
		s += " WHERE " + where
	}
	return s
}

func prepare(ctx context.Context, db *sqlx.DB, d dialect) (*statements, error) {
	st := &statements{}
	var err error
	if st.blocks, err = newBulkInsert(ctx, db, d, "blocks", blockCols, upsertTail("height", blockCols, "")); err != nil {
		return nil, err
	}
	if st.txs, err = newBulkInsert(ctx, db, d, "txs", txCols, upsertTail("hash", txCols, "")); err != nil {
		return nil, errors.Join(err, st.close())
	}
	// An account row only moves forward, so re-indexing an old block does
	// not roll back newer state.
	if st.accounts, err = newBulkInsert(ctx, db, d, "accounts", accountCols,
		upsertTail("address", accountCols, "excluded.updated_height >= accounts.updated_height")); err != nil {
		return nil, errors.Join(err, st.close())
	}
	// A block's receipts are deleted and re-inserted with its txs.
	if st.receipts, err = newBulkInsert(ctx, db, d, "receipts", receiptCols, ""); err != nil {
		return nil, errors.Join(err, st.close())
	}
	if st.deleteReceipts, err = db.PreparexContext(ctx, d.q("DELETE FROM receipts WHERE height >= ? AND height <= ?")); err != nil {
		return nil, errors.Join(fmt.Errorf("index: prepare: %w", err), st.close())
	}
	if st.deleteTxs, err = db.PreparexContext(ctx, d.q("DELETE FROM txs WHERE height >= ? AND height <= ?")); err != nil {
		return nil, errors.Join(fmt.Errorf("index: prepare: %w", err), st.close())
	}
	if st.setMeta, err = db.PreparexContext(ctx, d.q("INSERT INTO index_meta (key, value) VALUES (?, ?) "+
		upsertTail("key", []string{"key", "value"}, ""))); err != nil {
		return nil, errors.Join(fmt.Errorf("index: prepare: %w", err), st.close())
	}
	return st, nil
}

func (st *statements) close() error {
	var errs []error
	for _, b := range []*bulkInsert{st.blocks, st.txs, st.accounts, st.receipts} {
		if b != nil {
			errs = append(errs, b.full.Close())
		}
	}
	for _, s := range []*sqlx.Stmt{st.deleteTxs, st.deleteReceipts, st.setMeta} {
		if s != nil {
			errs = append(errs, s.Close())
		}
	}
	return errors.Join(errs...)
}
