package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"aitbc/bench/report"
)

// TestBenchSuiteTiny runs `aitbcd bench suite` end to end with the
// smallest budget (one-second points, one rate per sweep, a small
// single-validator point) and then `bench compare` of the report with
// itself.
func TestBenchSuiteTiny(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs three devnets (about 30 s): skipped with -short")
	}
	bin := buildBinary(t)
	out := t.TempDir()
	var stdout bytes.Buffer
	err := runBenchSuiteBinary(t, bin, &stdout, "bench", "suite", "--budget", "10s", "--rates", "300", "--single-rate", "1000", "--out", out)
	t.Log(stdout.String())
	if err != nil {
		t.Fatalf("bench suite: %v", err)
	}
	runs, _ := filepath.Glob(filepath.Join(out, "*", report.JSONFile))
	if len(runs) != 1 {
		t.Fatalf("%d reports under %s, want 1", len(runs), out)
	}
	r, err := report.ReadFile(runs[0])
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Sweeps) != 2 || r.Single == nil || r.SigverifyPerSec <= 0 || r.Machine.Cores <= 0 {
		t.Fatalf("report lacks parts: %+v", r)
	}
	for _, s := range r.Sweeps {
		if len(s.Points) != 1 || s.Points[0].Committed == 0 || s.Points[0].Lost != 0 || s.Points[0].NodeCPUPerTxUs <= 0 {
			t.Errorf("sweep %s: %+v", s.Name, s.Points)
		}
	}
	dir := filepath.Dir(runs[0])
	for _, f := range []string{report.SVGFile, report.SummaryFile} {
		if b, err := os.ReadFile(filepath.Join(dir, f)); err != nil || len(b) == 0 {
			t.Errorf("%s: %v", f, err)
		}
	}
	var cmp bytes.Buffer
	if err := runBenchSuiteBinary(t, bin, &cmp, "bench", "compare", dir, runs[0]); err != nil {
		t.Fatalf("bench compare: %v", err)
	}
	if !strings.Contains(cmp.String(), "responsive @300 committed tx/s") || !strings.Contains(cmp.String(), "1.000") {
		t.Errorf("compare of a report with itself:\n%s", cmp.String())
	}
}

func runBenchSuiteBinary(t *testing.T, bin string, out *bytes.Buffer, args ...string) error {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = out, out
	return cmd.Run()
}
