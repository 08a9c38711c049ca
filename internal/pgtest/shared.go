package pgtest

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver
)

// Required reports whether a missing server must fail the tests: in CI
// (CI=true) or with AITBC_REQUIRE_POSTGRES=1.
func Required() bool {
	return os.Getenv("CI") == "true" || os.Getenv(EnvRequire) == "1"
}

const howTo = "PostgreSQL tests need a server: install PostgreSQL (apt-get install postgresql; initdb and pg_ctl are found in PATH, " +
	EnvBin + " or /usr/lib/postgresql/NN/bin) or set " + EnvURL + "=postgres://user:pass@host:port/db"

// unavailable skips t, or fails it where a server is required.
func unavailable(t testing.TB, err error) {
	t.Helper()
	if Required() {
		t.Fatalf("PostgreSQL unavailable (required: CI=true or %s=1): %v", EnvRequire, err)
	}
	t.Skipf("skipped: %v. %s", err, howTo)
}

// shared is the server URL() hands schemas out on.
var shared struct {
	once    sync.Once
	base    string // admin URL
	db      *sql.DB
	cluster *Cluster // nil when EnvURL names the server
	err     error
	seq     atomic.Uint64
}

func sharedServer() error {
	shared.once.Do(func() {
		base := os.Getenv(EnvURL)
		if base == "" {
			c, err := StartCluster()
			if err != nil {
				shared.err = err
				return
			}
			shared.cluster, base = c, c.URL("postgres")
		}
		db, err := sql.Open("pgx", base)
		if err == nil {
			ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
			err = db.PingContext(ctx)
			cancel()
		}
		if err != nil {
			shared.err = fmt.Errorf("connect to the test server: %w", err)
			return
		}
		shared.base, shared.db = base, db
	})
	return shared.err
}

// URL returns a URL to a new empty schema on the shared server (as its
// search_path); the schema is dropped when t ends. It skips t (or fails
// it, see Required) when no server can be had.
func URL(t testing.TB) string {
	t.Helper()
	if err := sharedServer(); err != nil {
		unavailable(t, err)
	}
	schema := fmt.Sprintf("aitbc_t%d_%d", os.Getpid(), shared.seq.Add(1))
	if _, err := shared.db.Exec("CREATE SCHEMA " + schema); err != nil {
		t.Fatalf("pgtest: create schema: %v", err)
	}
	t.Cleanup(func() {
		if _, err := shared.db.Exec("DROP SCHEMA " + schema + " CASCADE"); err != nil {
			t.Logf("pgtest: drop schema %s: %v", schema, err)
		}
	})
	return WithSearchPath(shared.base, schema)
}

// WithSearchPath returns base with search_path set to schema (pgx sends
// unknown URL parameters to the server as run-time settings).
func WithSearchPath(base, schema string) string {
	u, err := url.Parse(base)
	if err != nil {
		panic(err) // base was parsed by the driver already
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// NewCluster starts a private cluster that t may stop and start; it is
// removed when t ends. It skips t (or fails it, see Required) when the
// binaries are missing.
func NewCluster(t testing.TB) *Cluster {
	t.Helper()
	c, err := StartCluster()
	if err != nil {
		unavailable(t, err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("server log of the failed test's cluster:\n%s", c.Log())
		}
		if err := c.Remove(); err != nil {
			t.Logf("pgtest: remove cluster: %v", err)
		}
	})
	return c
}

// Main runs the tests and then removes the shared cluster, if one was
// started: func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }.
func Main(m *testing.M) int {
	code := m.Run()
	if shared.db != nil {
		_ = shared.db.Close()
	}
	if shared.cluster != nil {
		if err := shared.cluster.Remove(); err != nil {
			fmt.Fprintln(os.Stderr, "pgtest: remove cluster:", err)
		}
	}
	return code
}
