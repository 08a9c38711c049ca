package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"aitbc/bench"
)

// runBench is `aitbcd bench SUBCOMMAND`.
func runBench(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return usagef("bench: want a subcommand: sigverify")
	}
	switch args[0] {
	case "sigverify":
		return runBenchSigverify(args[1:], stdout, stderr)
	case "-h", "--help", "help":
		fmt.Fprintln(stdout, "Usage: aitbcd bench sigverify [--backend cpu|kernel-host|cuda] [--batch N] [--seconds S] [--workers N] [--json FILE]")
		return nil
	}
	return usagef("bench: unknown subcommand %q (want sigverify)", args[0])
}

// runBenchSigverify is `aitbcd bench sigverify`: flags over
// bench.Sigverify. Ctrl-C stops it.
func runBenchSigverify(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("bench sigverify", stderr)
	backend := fs.String("backend", "cpu", "backend to measure: "+strings.Join(bench.Backends, " | "))
	batch := fs.Int("batch", 0, "one batch size (default: 16, 64, 256, 1024 and 4096)")
	seconds := fs.Float64("seconds", 2, "seconds per batch size (and for the stdlib baseline)")
	workers := fs.Int("workers", 0, "CPU goroutines for the cpu backend and the baseline (0 = one per core)")
	msgLen := fs.Int("msg-len", 160, "signed message length in bytes")
	jsonOut := fs.String("json", "", "also write the report as JSON to this file")
	if err := parse(fs, args); err != nil {
		return err
	}
	cfg := bench.SigverifyConfig{Backend: *backend, Workers: *workers, MsgLen: *msgLen,
		Duration: time.Duration(*seconds * float64(time.Second))}
	switch {
	case *seconds <= 0 || *seconds > 3600:
		return usagef("--seconds %v: want a value in (0, 3600]", *seconds)
	case *batch < 0:
		return usagef("--batch %d: must be positive", *batch)
	case *batch > 0:
		cfg.Batches = []int{*batch}
	}
	if err := cfg.Validate(); err != nil {
		return usagef("%v", err)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	rep, err := bench.Sigverify(ctx, cfg, stdout)
	if err != nil {
		if errors.Is(err, bench.ErrUnknownBackend) || errors.Is(err, bench.ErrBadConfig) {
			return usagef("%v", err)
		}
		return err
	}
	if *jsonOut != "" {
		b, err := json.MarshalIndent(rep, "", "  ")
		if err != nil {
			return err
		}
		if err := os.WriteFile(*jsonOut, append(b, '\n'), 0o644); err != nil {
			return err
		}
	}
	return nil
}
