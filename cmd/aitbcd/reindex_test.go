package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"aitbc/engine/types"
	"aitbc/internal/config"
)

// sqliteRows dumps the index tables of a SQLite file in a fixed order.
func sqliteRows(t *testing.T, path string) map[string][]string {
	t.Helper()
	db, err := sqlx.Open("sqlite3", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	out := map[string][]string{}
	for table, q := range map[string]string{
		"blocks":     "SELECT height || '|' || hash || '|' || time || '|' || proposer || '|' || tx_count || '|' || state_root FROM blocks ORDER BY height",
		"txs":        "SELECT hash || '|' || height || '|' || idx || '|' || type || '|' || sender || '|' || recipient || '|' || amount || '|' || fee FROM txs ORDER BY height, idx",
		"accounts":   "SELECT address || '|' || balance || '|' || nonce FROM accounts ORDER BY address",
		"receipts":   "SELECT id || '|' || job_id || '|' || minted || '|' || height FROM receipts ORDER BY height, idx",
		"validators": "SELECT epoch || '|' || address || '|' || weight FROM validators ORDER BY epoch, position",
	} {
		var rows []string
		if err := db.Select(&rows, q); err != nil {
			t.Fatal(err)
		}
		out[table] = rows
	}
	return out
}

// A node indexes into live.db; `aitbcd reindex` rebuilds fresh.db from its
// block store; both hold the same rows, and reindexing again changes nothing.
func TestReindexCommand(t *testing.T) {
	home := initHome(t)
	node := startTestNode(t, home, nil, func(cfg *config.Config) { cfg.DatabaseURL = "sqlite://live.db" })
	url := node.url
	for i := range 3 {
		var out, errb bytes.Buffer
		to := types.Address{0xb0, byte(i)}
		if code := run([]string{"tx", "send", "--rpc", url, "--key", filepath.Join(home, "account.key"), "--to", to.String(), "--amount", "5", "--wait"}, &out, &errb); code != 0 {
			t.Fatalf("tx send: %s", errb.String())
		}
	}
	var st struct {
		IndexedHeight uint64 `json:"indexed_height"`
		Head          struct{ Height uint64 }
	}
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if getJSON(t, url+"/rpc/status", &st); st.IndexedHeight >= 5 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("index does not advance")
		}
	}
	node.stop()
	// The node stops its indexer without draining it: finish live.db from
	// the store first, so both files end at the store's head.
	var out, errb bytes.Buffer
	lastLive := st.IndexedHeight
	if err := runReindex([]string{"--config", filepath.Join(home, "config.toml"), "--database-url", "sqlite://live.db",
		"--from", fmt.Sprint(lastLive + 1)}, &out, &errb); err != nil {
		t.Fatalf("reindex live.db: %v\n%s", err, errb.String())
	}
	out.Reset()
	if err := runReindex([]string{"--config", filepath.Join(home, "config.toml"), "--database-url", "sqlite://fresh.db", "--batch", "3"}, &out, &errb); err != nil {
		t.Fatalf("reindex: %v\n%s", err, errb.String())
	}
	if !strings.Contains(out.String(), "reindex: done:") || !strings.Contains(out.String(), "reindex: height") {
		t.Fatalf("reindex printed %q", out.String())
	}
	live, fresh := sqliteRows(t, filepath.Join(home, "live.db")), sqliteRows(t, filepath.Join(home, "fresh.db"))
	if len(fresh["txs"]) != 3 || len(fresh["blocks"]) < 5 {
		t.Fatalf("fresh index: %d txs, %d blocks", len(fresh["txs"]), len(fresh["blocks"]))
	}
	if !reflect.DeepEqual(live, fresh) {
		t.Fatalf("live and reindexed rows differ:\nlive  %v\nfresh %v", live, fresh)
	}
	if err := runReindex([]string{"--config", filepath.Join(home, "config.toml"), "--database-url", "sqlite://fresh.db"}, &out, &errb); err != nil {
		t.Fatal(err)
	}
	if again := sqliteRows(t, filepath.Join(home, "fresh.db")); !reflect.DeepEqual(again, fresh) {
		t.Fatal("a second reindex changed the rows")
	}
	// --from past the index's end is refused; so is no database.
	err := runReindex([]string{"--config", filepath.Join(home, "config.toml"), "--database-url", "sqlite://empty.db", "--from", "3"}, &out, &errb)
	if err == nil || !strings.Contains(err.Error(), "index ends at 0") {
		t.Fatalf("--from past the end: %v", err)
	}
	if err := runReindex([]string{"--config", filepath.Join(home, "config.toml"), "--database-url", ""}, &out, &errb); !errors.Is(err, config.ErrInvalid) {
		t.Fatalf("no DATABASE_URL: %v", err)
	}
}

// A DATABASE_URL that is malformed or points at nothing disables the index
// by default and stops the start with INDEX_REQUIRED, naming the problem
// but never the password.
func TestIndexAvailabilityAtStart(t *testing.T) {
	home := initHome(t)
	const secret = "Pa55w0rd-not-shown"
	for _, tc := range []struct {
		name, url, problem string
	}{
		{"malformed", "postgres://u:" + secret + "@db:notaport/x", "does not parse"},
		{"unknown scheme", "mysql://u:" + secret + "@db/x", "unknown scheme"},
		{"unreachable", fmt.Sprintf("postgres://u:%s@127.0.0.1:%d/x?sslmode=disable&connect_timeout=5", secret, freePort(t)), "127.0.0.1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var logs bytes.Buffer
			node := startTestNode(t, home, &logs, func(cfg *config.Config) { cfg.DatabaseURL = tc.url })
			var e struct{ Error struct{ Code string } }
			if code := getJSON(t, node.url+"/rpc/get_txs/"+types.Address{1}.String(), &e); code != 503 || e.Error.Code != "index_unavailable" {
				t.Errorf("get_txs without the index: %d %+v", code, e)
			}
			node.stop()
			cfg := node.cfg
			if !strings.Contains(logs.String(), "SQL index disabled") || strings.Contains(logs.String(), secret) {
				t.Fatalf("logs do not say why, or show the password:\n%s", logs.String())
			}

			cfg.IndexRequired = true
			err := runNode(context.Background(), cfg, home, "", &logs, func(string) { t.Error("started with INDEX_REQUIRED") })
			if err == nil || !strings.Contains(err.Error(), tc.problem) || !strings.Contains(err.Error(), "DATABASE_URL") || strings.Contains(err.Error(), secret) {
				t.Fatalf("INDEX_REQUIRED start error = %v", err)
			}
		})
	}
}
