package main

import (
	"bytes"
	"fmt"
	"path/filepath"
	"testing"

	"aitbc/internal/config"
)

// TestInitValidatorDoesNotIndex: init writes a validator's config without
// the SQL index unless --index asks for it (DESIGN §12).
func TestInitValidatorDoesNotIndex(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{nil, ""},
		{[]string{"--index"}, "sqlite://index.db"},
	} {
		home := filepath.Join(t.TempDir(), "v")
		var out, errb bytes.Buffer
		if code := run(append([]string{"init", "--home", home}, tc.args...), &out, &errb); code != 0 {
			t.Fatalf("init %v: exit %d: %s", tc.args, code, errb.String())
		}
		cfg, err := config.Load(filepath.Join(home, "config.toml"), nil)
		if err != nil {
			t.Fatal(err)
		}
		if cfg.DatabaseURL != tc.want || cfg.ValidatorKey == "" {
			t.Errorf("init %v: database_url %q, validator_key %q; want %q and a validator key", tc.args, cfg.DatabaseURL, cfg.ValidatorKey, tc.want)
		}
		if tc.want != "" {
			continue
		}
		// The node runs; its query routes say the index is off, for good.
		node := startTestNode(t, home, nil, nil)
		var e struct{ Error struct{ Code string } }
		if code := getJSON(t, node.url+"/rpc/get_blocks?from=1", &e); code != 501 || e.Error.Code != "index_disabled" {
			t.Errorf("get_blocks on a validator without the index: %d %+v, want 501 index_disabled", code, e)
		}
		node.stop()
	}
}

// TestDevnetIndexesOnNodeZero: of a devnet's validators only node 0 keeps
// the SQL index (it serves the query routes).
func TestDevnetIndexesOnNodeZero(t *testing.T) {
	dir := t.TempDir()
	if _, err := ensureDevnet(dir, 3, "poa", 20); err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		cfg, err := config.Load(filepath.Join(dir, fmt.Sprintf("node%d", i), "config.toml"), nil)
		if err != nil {
			t.Fatal(err)
		}
		if indexed := cfg.DatabaseURL != ""; indexed != (i == 0) {
			t.Errorf("node%d: database_url %q", i, cfg.DatabaseURL)
		}
	}
}
