package index

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

type migration struct {
	version int
	name    string
	sql     string
}

// loadMigrations reads the embedded migrations, which must be numbered
// 0001, 0002, … without gaps.
func loadMigrations(fsys fs.FS) ([]migration, error) {
	names, err := fs.Glob(fsys, "migrations/*.sql")
	if err != nil {
		return nil, err
	}
	var out []migration
	for i, path := range names { // fs.Glob returns names sorted
		base := strings.TrimPrefix(path, "migrations/")
		num, _, ok := strings.Cut(base, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || len(num) != 4 || v != i+1 {
			return nil, fmt.Errorf("index: migration %s: want name %04d_<what>.sql", base, i+1)
		}
		body, err := fs.ReadFile(fsys, path)
		if err != nil {
			return nil, err
		}
		out = append(out, migration{version: v, name: strings.TrimSuffix(base, ".sql"), sql: string(body)})
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("index: no migrations embedded")
	}
	return out, nil
}

const createSchemaVersion = `CREATE TABLE IF NOT EXISTS schema_version (
    version    BIGINT NOT NULL PRIMARY KEY,
    name       TEXT   NOT NULL,
    applied_at BIGINT NOT NULL
)`

// migrate brings db to the newest embedded schema, one transaction per
// migration, and refuses a database newer than the binary. The version is
// read inside each migration's transaction, so two processes opening a new
// database at once apply each migration once (SQLite: the transaction is
// immediate; PostgreSQL: the loser's transaction fails and rolls back).
func migrate(ctx context.Context, db *sqlx.DB, d dialect, ms []migration, log *slog.Logger) error {
	if _, err := db.ExecContext(ctx, createSchemaVersion); err != nil {
		return fmt.Errorf("index: create schema_version: %w", err)
	}
	for {
		before, err := schemaVersion(ctx, db)
		if err != nil {
			return err
		}
		applied, err := migrateOne(ctx, db, d, ms)
		if err != nil {
			// PostgreSQL has no database-wide write lock like SQLite's
			// BEGIN IMMEDIATE: a second process migrating a new database
			// at the same moment fails on the first one's tables. Its
			// transaction rolled back; if the other applied the
			// migration, go on from there.
			if now, verr := schemaVersion(ctx, db); verr == nil && now > before {
				continue
			}
			return err
		}
		if applied == nil {
			return nil
		}
		log.Info("index: applied migration", "version", applied.version, "name", applied.name)
	}
}

func schemaVersion(ctx context.Context, q sqlx.QueryerContext) (int, error) {
	var v int
	if err := sqlx.GetContext(ctx, q, &v, "SELECT COALESCE(MAX(version), 0) FROM schema_version"); err != nil {
		return 0, fmt.Errorf("index: read schema version: %w", err)
	}
	return v, nil
}

// migrateOne applies the next pending migration, if any, and returns it.
func migrateOne(ctx context.Context, db *sqlx.DB, d dialect, ms []migration) (*migration, error) {
	tx, err := db.BeginTxx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("index: migrate: %w", err)
	}
	defer tx.Rollback()
	current, err := schemaVersion(ctx, tx)
	if err != nil {
		return nil, err
	}
	latest := ms[len(ms)-1].version
	switch {
	case current > latest:
		return nil, &SchemaTooNewError{Database: current, Binary: latest}
	case current == latest:
		return nil, nil
	}
	m := ms[current]
	if _, err := tx.ExecContext(ctx, m.sql); err != nil {
		return nil, fmt.Errorf("index: migration %s: %w", m.name, err)
	}
	if _, err := tx.ExecContext(ctx, d.q("INSERT INTO schema_version (version, name, applied_at) VALUES (?, ?, ?)"),
		m.version, m.name, time.Now().Unix()); err != nil {
		return nil, fmt.Errorf("index: migration %s: record version: %w", m.name, err)
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("index: migration %s: commit: %w", m.name, err)
	}
	return &m, nil
}
