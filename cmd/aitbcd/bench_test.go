package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"aitbc/bench/rpcbench"
	"aitbc/engine/types"
	"aitbc/gpu"
	"aitbc/internal/config"
)

// TestBenchSigverifyCommand runs the command for real with a tiny
// duration and checks that it prints the table.
func TestBenchSigverifyCommand(t *testing.T) {
	var out, errOut bytes.Buffer
	err := runBench([]string{"sigverify", "--backend", "cpu", "--batch", "8", "--seconds", "0.01", "--workers", "1"}, &out, &errOut)
	if err != nil {
		t.Fatalf("%v\n%s", err, errOut.String())
	}
	t.Log("\n" + out.String())
	var header, row, base bool
	for _, l := range strings.Split(out.String(), "\n") {
		f := strings.Fields(l)
		switch {
		case len(f) == 8 && f[0] == "backend" && f[3] == "verifies/s":
			header = true
		case header && len(f) == 7 && f[0] == "cpu" && f[1] == "8":
			row = true
		case header && len(f) == 7 && f[0] == "stdlib" && f[6] == "1.00x":
			base = true
		}
	}
	if !header || !row || !base {
		t.Fatalf("table incomplete (header %v, batch row %v, baseline %v):\n%s", header, row, base, out.String())
	}
}

func TestBenchSigverifyFlagErrors(t *testing.T) {
	tests := []struct {
		name  string
		args  []string
		usage bool   // a usageError (exit status 2); else a failure (1)
		want  string // in the message
	}{
		{"no subcommand", []string{}, true, "subcommand"},
		{"unknown subcommand", []string{"load2"}, true, "unknown subcommand"},
		{"unknown backend", []string{"sigverify", "--backend", "opencl"}, true, "unknown sigverify backend"},
		{"zero seconds", []string{"sigverify", "--seconds", "0"}, true, "--seconds"},
		{"negative batch", []string{"sigverify", "--batch", "-3"}, true, "--batch"},
		{"huge batch", []string{"sigverify", "--batch", "100000"}, true, "batch size"},
		{"not a number", []string{"sigverify", "--batch", "many"}, true, "invalid value"},
		{"unknown flag", []string{"sigverify", "--gpu"}, true, "not defined"},
		{"stray argument", []string{"sigverify", "cpu"}, true, "unexpected argument"},
	}
	if !gpu.CUDABuilt {
		tests = append(tests, struct {
			name  string
			args  []string
			usage bool
			want  string
		}{"cuda not built", []string{"sigverify", "--backend", "cuda", "--seconds", "0.01"}, false, "cuda tag"})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			err := runBench(tt.args, &out, &errOut)
			var ue usageError
			if err == nil || errors.As(err, &ue) != tt.usage || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v (usage error: %v), want usage=%v containing %q", err, errors.As(err, &ue), tt.usage, tt.want)
			}
		})
	}
	if err := runBench([]string{"sigverify", "-h"}, new(bytes.Buffer), new(bytes.Buffer)); !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("-h: err = %v, want flag.ErrHelp", err)
	}
}

// TestBenchRPCCommand runs `aitbcd bench rpc` for half a second against a
// real node (SQLite index) holding one transfer: every default kind is
// queried without errors, and the table and the JSON report agree.
func TestBenchRPCCommand(t *testing.T) {
	home := initHome(t)
	node := startTestNode(t, home, nil, func(cfg *config.Config) { cfg.LogLevel = "warn" })
	var out, errb bytes.Buffer
	if code := run([]string{"tx", "send", "--rpc", node.url, "--key", filepath.Join(home, "account.key"),
		"--to", types.Address{0xb0, 0xb}.String(), "--amount", "5", "--wait"}, &out, &errb); code != 0 {
		t.Fatalf("tx send: exit %d: %s", code, errb.String())
	}

	jsonPath := filepath.Join(t.TempDir(), "rpc.json")
	out.Reset()
	err := runBench([]string{"rpc", "--rpc", node.url, "--seconds", "0.5", "--concurrency", "4", "--json", jsonPath}, &out, &errb)
	t.Log("\n" + out.String())
	if err != nil {
		t.Fatalf("bench rpc: %v\n%s", err, errb.String())
	}
	var rep rpcbench.Report
	b, err := os.ReadFile(jsonPath)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(rep.Mix, rpcbench.DefaultMix) || rep.TargetTxs < 1 || rep.Concurrency != 4 {
		t.Fatalf("mix %v (skipped %v), %d txs, concurrency %d: want the default mix over the transfer", rep.Mix, rep.Skipped, rep.TargetTxs, rep.Concurrency)
	}
	rows := map[string][]string{}
	for _, l := range strings.Split(out.String(), "\n") {
		if f := strings.Fields(l); len(f) == 8 {
			rows[f[0]] = f
		}
	}
	if h := rows["endpoint"]; h == nil || h[1] != "requests" || h[2] != "req/s" || h[3] != "p50" || h[6] != "max" {
		t.Fatalf("no table header:\n%s", out.String())
	}
	for _, r := range append(rep.Rows, rep.Total) {
		f := rows[r.Endpoint]
		if r.Requests == 0 || r.Errors != 0 || f == nil || f[1] != fmt.Sprint(r.Requests) || f[7] != "0" {
			t.Errorf("%s: report %+v, table %v: want requests, no errors, the same figures (samples %v)", r.Endpoint, r, f, rep.ErrorSamples)
		}
	}
	if !strings.Contains(out.String(), "\nt=") {
		t.Errorf("no progress line")
	}
}

func TestBenchRPCFlagErrors(t *testing.T) {
	tests := []struct {
		name  string
		args  []string
		usage bool
		want  string
	}{
		{"zero seconds", []string{"rpc", "--seconds", "0"}, true, "--seconds"},
		{"zero concurrency", []string{"rpc", "--concurrency", "0"}, true, "--concurrency 0"},
		{"huge concurrency", []string{"rpc", "--concurrency", "100000"}, true, "--concurrency 100000"},
		{"zero scan", []string{"rpc", "--scan", "0"}, true, "--scan 0"},
		{"unknown kind", []string{"rpc", "--mix", "head,mempool"}, true, `unknown endpoint kind "mempool"`},
		{"empty kind", []string{"rpc", "--mix", "head,,tx"}, true, "empty endpoint kind"},
		{"kind twice", []string{"rpc", "--mix", "head, head"}, true, "twice"},
		{"not a url", []string{"rpc", "--rpc", "127.0.0.1:9080"}, true, "RPC URL"},
		{"stray argument", []string{"rpc", "head"}, true, "unexpected argument"},
		{"not a number", []string{"rpc", "--concurrency", "lots"}, true, "invalid value"},
		{"no node", []string{"rpc", "--rpc", "http://127.0.0.1:1", "--seconds", "0.1"}, false, "status"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := runBench(tt.args, new(bytes.Buffer), new(bytes.Buffer))
			var ue usageError
			if err == nil || errors.As(err, &ue) != tt.usage || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v (usage error: %v), want usage=%v containing %q", err, errors.As(err, &ue), tt.usage, tt.want)
			}
		})
	}
	if err := runBench([]string{"rpc", "-h"}, new(bytes.Buffer), new(bytes.Buffer)); !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("-h: err = %v, want flag.ErrHelp", err)
	}
	var help bytes.Buffer
	if err := runBench([]string{"-h"}, &help, new(bytes.Buffer)); err != nil || !strings.Contains(help.String(), "aitbcd bench rpc [--rpc URL] [--concurrency N]") {
		t.Fatalf("bench -h: %v\n%s", err, help.String())
	}
}
