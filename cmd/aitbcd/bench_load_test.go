package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"aitbc/bench/load"
	"aitbc/internal/config"
)

// TestBenchLoadCommand runs `aitbcd bench load` against a real node (100
// ms blocks, SQLite index) for 3 s at 200 tx/s and checks the report:
// every accepted tx is committed, latencies are positive, the index lag
// was scraped, and the table and the JSON agree.
func TestBenchLoadCommand(t *testing.T) {
	home := initHome(t)
	node := startTestNode(t, home, nil, func(cfg *config.Config) { cfg.LogLevel = "warn" })
	cfg, url := node.cfg, node.url

	jsonPath := filepath.Join(t.TempDir(), "load.json")
	var out, errb bytes.Buffer
	err := runBench([]string{"load", "--rpc", url, "--ws", fmt.Sprintf("ws://127.0.0.1:%d/ws", cfg.WSPort),
		"--key", filepath.Join(home, "account.key"), "--tps", "200", "--seconds", "3", "--senders", "8",
		"--metrics", fmt.Sprintf("http://127.0.0.1:%d/metrics", cfg.MetricsPort), "--drain", "20", "--json", jsonPath}, &out, &errb)
	t.Log("\n" + out.String())
	if err != nil {
		t.Fatalf("bench load: %v\n%s", err, errb.String())
	}
	var rep load.Report
	b, err := os.ReadFile(jsonPath)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Submitted < 200 || rep.Submitted > 600 {
		t.Errorf("submitted %d, want about 600 (200/s for 3 s)", rep.Submitted)
	}
	if rep.Errors != 0 || rep.Committed != rep.Submitted-rep.Rejected || rep.Uncommitted != 0 || rep.Accepted != rep.Committed {
		t.Errorf("submitted %d rejected %d errors %d (%v) accepted %d committed %d uncommitted %d: want committed == submitted - rejected, nothing lost",
			rep.Submitted, rep.Rejected, rep.Errors, rep.ErrorSamples, rep.Accepted, rep.Committed, rep.Uncommitted)
	}
	if rep.FinalityP50 <= 0 || rep.FinalityP99 < rep.FinalityP50 || rep.FinalityMax < rep.FinalityP99 || rep.CommittedTPS <= 0 {
		t.Errorf("latencies p50 %v p99 %v max %v, committed tps %v: want positive and ordered", rep.FinalityP50, rep.FinalityP99, rep.FinalityMax, rep.CommittedTPS)
	}
	if rep.Blocks < 2 || rep.MeanTxsPerBlock <= 0 || rep.IntervalP50 <= 0 || rep.EndHeight <= rep.StartHeight {
		t.Errorf("blocks %d mean %v interval p50 %v heights %d..%d", rep.Blocks, rep.MeanTxsPerBlock, rep.IntervalP50, rep.StartHeight, rep.EndHeight)
	}
	if rep.IndexLagSamples == 0 {
		t.Errorf("index lag never scraped")
	}
	// The table printed at the end carries the same figures.
	table := map[string]string{}
	for _, l := range strings.Split(out.String(), "\n") {
		if k, v, ok := strings.Cut(l, "  "); ok && !strings.HasPrefix(l, "t=") {
			table[strings.TrimSpace(k)] = strings.TrimSpace(v)
		}
	}
	if got := table["committed"]; got != strconv.FormatInt(rep.Committed, 10) {
		t.Errorf("table committed %q, report %d", got, rep.Committed)
	}
	for _, k := range []string{"offered tps", "committed tps", "finality p50", "finality p90", "finality p99", "finality max",
		"blocks", "mean txs/block", "block interval p50", "block interval p99", "max index lag"} {
		if table[k] == "" {
			t.Errorf("table lacks %q:\n%s", k, out.String())
		}
	}
	if n := strings.Count(out.String(), "\nt="); n < 3 {
		t.Errorf("%d progress lines, want one a second", n)
	}
}

func TestBenchLoadFlagErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no key", []string{"load"}, "--key"},
		{"zero seconds", []string{"load", "--key", "k", "--seconds", "0"}, "--seconds"},
		{"negative drain", []string{"load", "--key", "k", "--drain", "-1"}, "--drain"},
		{"negative tps", []string{"load", "--key", "k", "--tps", "-5"}, "--tps -5"},
		{"missing key file", []string{"load", "--key", "no-such.key"}, "no-such.key"},
		{"zero senders", []string{"load", "--key", "k", "--senders", "0"}, "--senders 0"},
		{"stray argument", []string{"load", "--key", "k", "extra"}, "unexpected argument"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := runBench(tt.args, new(bytes.Buffer), new(bytes.Buffer))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want one containing %q", err, tt.want)
			}
		})
	}
}
