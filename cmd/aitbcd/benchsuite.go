package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"aitbc/bench/report"
	"aitbc/bench/suite"
	"aitbc/gpu/health"
)

// runBenchSuite is `aitbcd bench suite`: flags over suite.Run. The
// devnets run this same binary. Lost txs make it fail after the report
// is written.
func runBenchSuite(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("bench suite", stderr)
	out := fs.String("out", "bench/results", "directory the report's <UTC time>/ directory goes under")
	budget := fs.Duration("budget", 0, "time the suite aims to finish in; point durations scale to it (default $BENCH_BUDGET or 9m)")
	rates := fs.String("rates", "", "comma-separated offered loads of each sweep, ascending (default "+joinInts(suite.DefaultRates)+")")
	single := fs.Int("single-rate", 0, "offered tx/s of the single-validator send_txs point (default 30000; -1 skips it)")
	singleIndex := fs.Bool("single-index", false, "keep the SQL index on the single validator (a validator has none by default)")
	verbose := fs.Bool("v", false, "also print the load bench's progress lines")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *budget == 0 {
		*budget = 9 * time.Minute
		if v := os.Getenv("BENCH_BUDGET"); v != "" {
			d, err := time.ParseDuration(v)
			if err != nil {
				return usagef("BENCH_BUDGET=%q: %v", v, err)
			}
			*budget = d
		}
	}
	bin, err := os.Executable()
	if err != nil {
		return err
	}
	cfg := suite.Config{Binary: bin, OutDir: *out, Budget: *budget, SingleRate: *single, SingleIndex: *singleIndex, LoadKey: loadAccountKey,
		Commit: gitCommit(), GPU: gpuName(), Progress: stdout,
		Command: "aitbcd bench suite " + strings.Join(args, " ")}
	if *verbose {
		cfg.LoadLog = stdout
	}
	if *rates != "" {
		for _, f := range strings.Split(*rates, ",") {
			n, err := strconv.Atoi(strings.TrimSpace(f))
			if err != nil {
				return usagef("--rates %q: %v", *rates, err)
			}
			cfg.Rates = append(cfg.Rates, n)
		}
	}
	if err := cfg.Validate(); err != nil {
		return usagef("%v", err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	r, dir, err := suite.Run(ctx, cfg)
	if r != nil && dir != "" {
		fmt.Fprintf(stdout, "\n%s\n", report.Summary(r))
		fmt.Fprintf(stdout, "report: %s/{%s,%s,%s}\n", dir, report.JSONFile, report.SVGFile, report.SummaryFile)
	}
	return err
}

// runBenchCompare is `aitbcd bench compare A B`: B/A of two reports
// (report.json files or the directories holding them).
func runBenchCompare(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("bench compare", stderr)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{err.Error()}
	}
	if fs.NArg() != 2 {
		return usagef("bench compare: want two reports, A and B (report.json or its directory)")
	}
	var rs [2]*report.Report
	for i, p := range fs.Args() {
		if fi, err := os.Stat(p); err == nil && fi.IsDir() {
			p = p + "/" + report.JSONFile
		}
		r, err := report.ReadFile(p)
		if err != nil {
			return err
		}
		rs[i] = r
	}
	fmt.Fprintf(stdout, "A: %s (commit %s)\nB: %s (commit %s)\n\n", fs.Arg(0), rs[0].Commit, fs.Arg(1), rs[1].Commit)
	report.WriteCompare(stdout, rs[0], rs[1])
	return nil
}

// gitCommit is the working tree's commit (with -dirty if it has changes),
// or the version stamped at build time outside a git checkout.
func gitCommit() string {
	b, err := exec.Command("git", "describe", "--always", "--dirty", "--abbrev=40").Output()
	if err != nil {
		return version
	}
	return strings.TrimSpace(string(b))
}

// gpuName is the GPU NVML sees, or "none".
func gpuName() string {
	if h := health.Probe(0); h.Present && h.Name != "" {
		return h.Name
	}
	return "none"
}

func joinInts(v []int) string {
	s := make([]string, len(v))
	for i, n := range v {
		s[i] = strconv.Itoa(n)
	}
	return strings.Join(s, ",")
}
