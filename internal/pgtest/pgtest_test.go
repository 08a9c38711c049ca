package pgtest

import (
	"context"
	"database/sql"
	"os"
	"strings"
	"testing"
)

func TestMain(m *testing.M) { os.Exit(Main(m)) }

func TestSharedSchemasAreSeparate(t *testing.T) {
	a, b := URL(t), URL(t)
	if a == b {
		t.Fatal("two URL calls returned the same schema")
	}
	dba, err := sql.Open("pgx", a)
	if err != nil {
		t.Fatal(err)
	}
	defer dba.Close()
	if _, err := dba.Exec("CREATE TABLE x (v INTEGER)"); err != nil {
		t.Fatal(err)
	}
	dbb, err := sql.Open("pgx", b)
	if err != nil {
		t.Fatal(err)
	}
	defer dbb.Close()
	if _, err := dbb.Exec("SELECT v FROM x"); err == nil {
		t.Fatal("schema b sees schema a's table")
	}
}

func TestClusterStopStart(t *testing.T) {
	c := NewCluster(t)
	db, err := sql.Open("pgx", c.URL("postgres"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	if err := db.PingContext(ctx); err != nil {
		t.Fatal(err)
	}
	if err := c.Stop(); err != nil {
		t.Fatal(err)
	}
	if err := db.PingContext(ctx); err == nil {
		t.Fatal("ping succeeded with the server stopped")
	}
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	if err := db.PingContext(ctx); err != nil {
		t.Fatalf("ping after restart: %v", err)
	}
	bad := strings.Replace(c.URL("postgres"), c.Password, "wrong", 1)
	dbx, _ := sql.Open("pgx", bad)
	defer dbx.Close()
	if err := dbx.PingContext(ctx); err == nil {
		t.Fatal("a wrong password was accepted: the cluster does not check passwords")
	}
}
