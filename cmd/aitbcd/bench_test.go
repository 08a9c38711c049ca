package main

import (
	"bytes"
	"errors"
	"flag"
	"strings"
	"testing"

	"aitbc/gpu"
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
