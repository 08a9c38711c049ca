package index

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"

	"github.com/jmoiron/sqlx"
	_ "github.com/mattn/go-sqlite3" // the "sqlite3" database/sql driver
)

// dialect is what differs between databases. Queries are written once with
// ? placeholders and rebound with bind; the schema and the upserts use the
// SQL that SQLite and PostgreSQL share.
type dialect struct {
	name Dialect
	bind int // sqlx.QUESTION, sqlx.DOLLAR
}

func (d dialect) q(query string) string { return sqlx.Rebind(d.bind, query) }

var sqliteDialect = dialect{name: DialectSQLite, bind: sqlx.QUESTION}

// SQLite connection settings, applied by the driver to every connection.
const (
	busyTimeoutMS = 5000
	readPoolSize  = 4
	// cacheSizeKiB is SQLite's page cache per connection, as a negative
	// cache_size (KiB): the default 2 MiB thrashes on the txs indexes,
	// whose keys (hashes, addresses) arrive in random order.
	cacheSizeKiB = -64 << 10
)

// memorySeq names private in-memory databases.
var memorySeq atomic.Uint64

// openSQLite returns the writer pool (one connection) and the reader pool
// (the same pool for an in-memory database, which exists per connection).
func openSQLite(ctx context.Context, loc Location) (w, r *sqlx.DB, err error) {
	common := fmt.Sprintf("_busy_timeout=%d&_foreign_keys=1&_cache_size=%d", busyTimeoutMS, cacheSizeKiB)
	if loc.Memory {
		dsn := fmt.Sprintf("file:aitbc-index-%d?mode=memory&%s&_txlock=immediate", memorySeq.Add(1), common)
		w, err = connect(ctx, dsn, 1)
		if err != nil {
			return nil, nil, err
		}
		// An in-memory database lives as long as its one connection.
		w.SetConnMaxLifetime(0)
		w.SetConnMaxIdleTime(0)
		return w, w, nil
	}
	if dir := filepath.Dir(loc.Path); dir != "." {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return nil, nil, fmt.Errorf("index: create directory for %s: %w", loc.Path, err)
		}
	}
	file := "file:" + escapeSQLitePath(loc.Path)
	w, err = connect(ctx, file+"?"+common+"&_journal_mode=WAL&_synchronous=NORMAL&_txlock=immediate", 1)
	if err != nil {
		return nil, nil, fmt.Errorf("index: open %s: %w", loc.Path, err)
	}
	var mode string
	if err := w.GetContext(ctx, &mode, "PRAGMA journal_mode"); err != nil || !strings.EqualFold(mode, "wal") {
		_ = w.Close()
		return nil, nil, fmt.Errorf("index: %s: cannot enable WAL mode (journal_mode %q): %v", loc.Path, mode, err)
	}
	r, err = connect(ctx, file+"?"+common+"&_query_only=1", readPoolSize)
	if err != nil {
		_ = w.Close()
		return nil, nil, fmt.Errorf("index: open %s for reading: %w", loc.Path, err)
	}
	return w, r, nil
}

func connect(ctx context.Context, dsn string, conns int) (*sqlx.DB, error) {
	db, err := sqlx.Open("sqlite3", dsn)
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(conns)
	db.SetMaxIdleConns(conns)
	if err := db.PingContext(ctx); err != nil {
		_ = db.Close()
		return nil, err
	}
	return db, nil
}

// escapeSQLitePath makes a file path safe inside a file: URI.
func escapeSQLitePath(p string) string {
	return strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(p)
}
