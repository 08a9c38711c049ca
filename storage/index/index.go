package index

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/jmoiron/sqlx"

	"aitbc/engine"
)

var _ engine.Index = (*Index)(nil)

// Index is the SQL index.
type Index struct {
	d       dialect
	w       *sqlx.DB // the one writer connection
	r       *sqlx.DB // readers (== w for an in-memory database)
	log     *slog.Logger
	metrics atomic.Pointer[Metrics]
	st      *statements

	closeMu sync.Mutex
	closed  atomic.Bool
}

// metaLastHeight is the index_meta key of LastIndexedHeight.
const metaLastHeight = "last_height"

// Open connects to the database named by url (see ParseURL), applies
// pending migrations and prepares the write statements.
func Open(ctx context.Context, url string, log *slog.Logger) (*Index, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	loc, err := ParseURL(url)
	if err != nil {
		return nil, err
	}
	if loc.Dialect != DialectSQLite {
		return nil, fmt.Errorf("%w: PostgreSQL is not supported in this build yet; use DATABASE_URL=sqlite:///path/to/index.db",
			ErrUnsupportedDialect)
	}
	ms, err := loadMigrations(migrationFS)
	if err != nil {
		return nil, err
	}
	w, r, err := openSQLite(ctx, loc)
	if err != nil {
		return nil, err
	}
	ix := &Index{d: sqliteDialect, w: w, r: r, log: log}
	ix.metrics.Store(NopMetrics())
	if err := migrate(ctx, w, ix.d, ms, log); err != nil {
		_ = ix.Close()
		return nil, err
	}
	if ix.st, err = prepare(ctx, w, ix.d); err != nil {
		_ = ix.Close()
		return nil, err
	}
	return ix, nil
}

// SetMetrics replaces the instruments (nil fields stay no-ops).
func (ix *Index) SetMetrics(m *Metrics) { ix.metrics.Store(fillMetrics(m)) }

// LastIndexedHeight is the height up to which every block is indexed.
func (ix *Index) LastIndexedHeight(ctx context.Context) (uint64, error) {
	if ix.closed.Load() {
		return 0, ErrClosed
	}
	return lastHeight(ctx, ix.r, ix.d)
}

func lastHeight(ctx context.Context, q sqlx.QueryerContext, d dialect) (uint64, error) {
	var v string
	err := sqlx.GetContext(ctx, q, &v, d.q("SELECT value FROM index_meta WHERE key = ?"), metaLastHeight)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("index: read last height: %w", err)
	}
	h, err := strconv.ParseUint(v, 10, 63)
	if err != nil {
		return 0, &CorruptError{Table: "index_meta", Column: metaLastHeight, Cause: err}
	}
	return h, nil
}

// Close closes the database; later calls return nil.
func (ix *Index) Close() error {
	ix.closeMu.Lock()
	defer ix.closeMu.Unlock()
	if ix.closed.Swap(true) {
		return nil
	}
	var errs []error
	if ix.st != nil {
		errs = append(errs, ix.st.close())
	}
	if ix.r != ix.w {
		errs = append(errs, ix.r.Close())
	}
	errs = append(errs, ix.w.Close())
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("index: close: %w", err)
	}
	return nil
}
