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

	// mintPerUnit prices receipts of blocks without Receipts (WithGenesis).
	mintPerUnit uint64
	hasMint     bool

	closeMu sync.Mutex
	closed  atomic.Bool
}

// index_meta keys.
const (
	metaLastHeight = "last_height"  // LastIndexedHeight
	metaGenesis    = "genesis_hash" // the chain the index belongs to (WithGenesis)
)

// Open connects to the database named by url (see ParseURL), applies
// pending migrations, prepares the write statements and, WithGenesis,
// checks or records the chain. Errors never contain the URL's password.
func Open(ctx context.Context, url string, log *slog.Logger, opts ...Option) (*Index, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	o := defaultOptions()
	for _, opt := range opts {
		opt(&o)
	}
	loc, err := ParseURL(url)
	if err != nil {
		return nil, err
	}
	ms, err := loadMigrations(migrationFS)
	if err != nil {
		return nil, err
	}
	ix := &Index{log: log}
	if o.genesis != nil {
		ix.mintPerUnit, ix.hasMint = uint64(o.genesis.Params.MintPerUnit), true
	}
	switch loc.Dialect {
	case DialectSQLite:
		ix.d = sqliteDialect
		if ix.w, ix.r, err = openSQLite(ctx, loc); err != nil {
			return nil, err
		}
	case DialectPostgres:
		ix.d = postgresDialect
		if ix.w, err = openPostgres(ctx, loc, o); err != nil {
			return nil, err
		}
		ix.r = ix.w
	default:
		return nil, fmt.Errorf("%w: %s", ErrUnsupportedDialect, loc.Dialect)
	}
	ix.metrics.Store(NopMetrics())
	secrets := loc.secrets()
	if err := migrate(ctx, ix.w, ix.d, ms, log); err != nil {
		_ = ix.Close()
		return nil, redact(err, secrets)
	}
	if o.genesis != nil {
		if err := ix.bindGenesis(ctx, o.genesis); err != nil {
			_ = ix.Close()
			return nil, redact(err, secrets)
		}
	}
	if ix.st, err = prepare(ctx, ix.w, ix.d); err != nil {
		_ = ix.Close()
		return nil, redact(err, secrets)
	}
	log.Info("index: open", "db", loc.Redacted(), "dialect", string(loc.Dialect))
	return ix, nil
}

// Dialect is the kind of database the index writes.
func (ix *Index) Dialect() Dialect { return ix.d.name }

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
