package index

import (
	"context"
	"fmt"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver
	"github.com/jmoiron/sqlx"
)

var postgresDialect = dialect{name: DialectPostgres, bind: sqlx.DOLLAR}

// PostgreSQL pool bounds. One pool serves the writer (one transaction at a
// time: the engine's indexer is the only writer) and the RPC readers.
const (
	pgMaxOpenConns    = 16
	pgMaxIdleConns    = 4
	pgConnMaxLifetime = 30 * time.Minute
	pgConnMaxIdleTime = 5 * time.Minute
	// pgConnectTimeout bounds Open's first connection when the caller's
	// context has no deadline: an unreachable server fails start quickly.
	pgConnectTimeout = 10 * time.Second
)

// openPostgres connects through pgx's database/sql driver. Errors are
// redacted: no password from the URL reaches the caller.
func openPostgres(ctx context.Context, loc Location, o options) (*sqlx.DB, error) {
	secrets := loc.secrets()
	db, err := sqlx.Open("pgx", loc.DSN)
	if err != nil {
		return nil, redact(fmt.Errorf("index: postgres: %w", err), secrets)
	}
	db.SetMaxOpenConns(o.maxConns)
	db.SetMaxIdleConns(min(pgMaxIdleConns, o.maxConns))
	db.SetConnMaxLifetime(pgConnMaxLifetime)
	db.SetConnMaxIdleTime(pgConnMaxIdleTime)
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, pgConnectTimeout)
		defer cancel()
	}
	if err := db.PingContext(ctx); err != nil {
		_ = db.Close()
		return nil, redact(fmt.Errorf("index: postgres %s: %w", loc.Redacted(), err), secrets)
	}
	return db, nil
}
