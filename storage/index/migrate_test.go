package index

import (
	"context"
	"errors"
	"testing"
	"testing/fstest"
)

type versionRow struct {
	Version   int    `db:"version"`
	Name      string `db:"name"`
	AppliedAt int64  `db:"applied_at"`
}

func versions(t *testing.T, ix *Index) []versionRow {
	t.Helper()
	var rows []versionRow
	if err := ix.w.Select(&rows, "SELECT version, name, applied_at FROM schema_version ORDER BY version"); err != nil {
		t.Fatal(err)
	}
	return rows
}

func TestMigrationsApplyOnce(t *testing.T) {
	forEachDB(t, func(t *testing.T, url string) {
		ms, err := loadMigrations(migrationFS)
		if err != nil {
			t.Fatal(err)
		}
		ix := openIndex(t, url)
		first := versions(t, ix)
		if len(first) != len(ms) || first[len(first)-1].Version != ms[len(ms)-1].version {
			t.Fatalf("schema_version = %+v, want %d migrations", first, len(ms))
		}
		mustIndex(t, ix, newChainGen(4, 2).next())
		if err := ix.Close(); err != nil {
			t.Fatal(err)
		}

		ix = openIndex(t, url)
		again := versions(t, ix)
		if len(again) != len(first) || again[0] != first[0] {
			t.Fatalf("reopen changed schema_version: %+v then %+v", first, again)
		}
		if h, err := ix.LastIndexedHeight(context.Background()); err != nil || h != 1 {
			t.Fatalf("data lost on reopen: height %d, %v", h, err)
		}
	})
}

func TestNewerSchemaRefused(t *testing.T) {
	forEachDB(t, func(t *testing.T, url string) {
		ix := openIndex(t, url)
		if _, err := ix.w.Exec("INSERT INTO schema_version (version, name, applied_at) VALUES (999, 'future', 0)"); err != nil {
			t.Fatal(err)
		}
		if err := ix.Close(); err != nil {
			t.Fatal(err)
		}
		_, err := Open(context.Background(), url, nil)
		var se *SchemaTooNewError
		if !errors.Is(err, ErrSchemaTooNew) || !errors.As(err, &se) || se.Database != 999 {
			t.Fatalf("Open of a newer schema = %v", err)
		}
		t.Log(err)
	})
}

func TestLoadMigrationsChecksNames(t *testing.T) {
	sql := &fstest.MapFile{Data: []byte("CREATE TABLE x (a TEXT);")}
	for name, fsys := range map[string]fstest.MapFS{
		"gap":     {"migrations/0001_a.sql": sql, "migrations/0003_c.sql": sql},
		"no name": {"migrations/0001.sql": sql},
		"width":   {"migrations/1_a.sql": sql},
		"empty":   {},
	} {
		if _, err := loadMigrations(fsys); err == nil {
			t.Errorf("%s: loadMigrations accepted it", name)
		}
	}
}

func TestSQLiteSettings(t *testing.T) {
	ix := openIndex(t, dbURL(t))
	var mode string
	var fk, busy int
	if err := ix.w.Get(&mode, "PRAGMA journal_mode"); err != nil || mode != "wal" {
		t.Errorf("journal_mode = %q, %v", mode, err)
	}
	// NORMAL (1): no fsync per index commit; docs/index.md says why that is safe.
	var sync int
	if err := ix.w.Get(&sync, "PRAGMA synchronous"); err != nil || sync != 1 {
		t.Errorf("writer synchronous = %d, %v; want 1 (NORMAL)", sync, err)
	}
	for _, db := range []struct {
		name string
		q    func(any, string) error
	}{{"writer", func(d any, q string) error { return ix.w.Get(d, q) }}, {"reader", func(d any, q string) error { return ix.r.Get(d, q) }}} {
		if err := db.q(&fk, "PRAGMA foreign_keys"); err != nil || fk != 1 {
			t.Errorf("%s foreign_keys = %d, %v", db.name, fk, err)
		}
		if err := db.q(&busy, "PRAGMA busy_timeout"); err != nil || busy != busyTimeoutMS {
			t.Errorf("%s busy_timeout = %d, %v", db.name, busy, err)
		}
	}
	if _, err := ix.r.Exec("INSERT INTO index_meta (key, value) VALUES ('x', 'y')"); err == nil {
		t.Error("the read pool accepted a write")
	}
	if got := ix.w.Stats().MaxOpenConnections; got != 1 {
		t.Errorf("writer pool allows %d connections", got)
	}
}
