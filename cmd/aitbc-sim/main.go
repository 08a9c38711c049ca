package main

import (
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime"
	"runtime/pprof"
	"slices"
	"strings"
	"sync"
	"time"

	"aitbc/engine/sim"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("aitbc-sim", flag.ContinueOnError)
	fs.SetOutput(stderr)
	seed := fs.Int64("seed", 0, "run this one seed")
	seeds := fs.Int("seeds", 0, "run seeds 1..N")
	validators := fs.Int("validators", 4, "validators in the cluster")
	duration := fs.Duration("duration", 5*time.Second, "simulated time per run (default: the configuration's)")
	quiet := fs.Duration("quiet", 3*time.Second, "fault-free simulated time at the end of a run (default: the configuration's)")
	verbose := fs.Bool("v", false, "print every seed's result (and node logs with -seed)")
	cpuprofile := fs.String("cpuprofile", "", "write a CPU profile of the run to this file")
	responsive := fs.Duration("responsive", 0, "responsive blocks: MIN_BLOCK_INTERVAL of the simulated nodes (0: every height waits BLOCK_TIME)")
	byzantine := fs.String("byzantine", "", "give node seed%4 this byzantine mode (\"all\": a mode per seed; \"each\": every mode on every seed): "+strings.Join(sim.ModeNames(), ", "))
	staking := fs.String("staking", "", "run a pos or hybrid chain with three stakers that stake, unstake and go down, the plan drawn from the seed (sim.WithStaking)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *staking != "" && *staking != "pos" && *staking != "hybrid" {
		fmt.Fprintf(stderr, "aitbc-sim: -staking %q: want pos or hybrid\n", *staking)
		return 2
	}
	if (*seed == 0) == (*seeds == 0) {
		fmt.Fprintln(stderr, "aitbc-sim: give one of -seed S or -seeds N")
		return 2
	}
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err != nil {
			fmt.Fprintln(stderr, "aitbc-sim:", err)
			return 1
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintln(stderr, "aitbc-sim:", err)
			return 1
		}
		defer pprof.StopCPUProfile()
	}
	if *byzantine == "each" && *seed != 0 {
		fmt.Fprintln(stderr, "aitbc-sim: -byzantine each runs many seeds: give -seeds N, or -seed S with one mode")
		return 2
	}
	if *byzantine != "" && *byzantine != "each" {
		if _, err := sim.ByzantineConfig(1, *byzantine); err != nil {
			fmt.Fprintln(stderr, "aitbc-sim:", err)
			return 2
		}
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	cfgFor := func(s int64, mode string) sim.Config {
		cfg := sim.DefaultConfig(s)
		if mode != "" {
			cfg, _ = sim.ByzantineConfig(s, mode)
		}
		cfg.Validators = *validators
		if set["duration"] || set["quiet"] { // else the configuration's own
			cfg.Duration, cfg.Quiet = *duration, *quiet
		}
		cfg.Node.MinBlockInterval = *responsive
		if *staking != "" {
			var err error
			if cfg, err = sim.WithStaking(cfg, *staking); err != nil {
				fmt.Fprintln(stderr, "aitbc-sim:", err)
			}
			if set["duration"] || set["quiet"] {
				cfg.Duration, cfg.Quiet = *duration, *quiet
			}
		}
		return cfg
	}
	replay := func(s int64, mode string) string {
		r := fmt.Sprintf("make sim SEED=%d", s)
		if mode != "" {
			r += " BYZANTINE=" + mode
		}
		if *staking != "" {
			r += " STAKING=" + *staking
		}
		return r
	}
	if *seed != 0 {
		cfg := cfgFor(*seed, *byzantine)
		if *verbose {
			cfg.Log = slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
		}
		t0 := time.Now()
		res, err := sim.Run(cfg)
		if err != nil {
			fmt.Fprintln(stderr, "aitbc-sim:", err)
			return 1
		}
		fmt.Fprintf(stdout, "seed %d trace %s\n", res.Seed, res.Trace)
		fmt.Fprintf(stdout, "heights %v, %d txs committed (finality p50 %v, p99 %v simulated), %d trace events, %.2fs\n",
			res.Heights, res.Committed, res.FinalityP50, res.FinalityP99, res.Events, time.Since(t0).Seconds())
		for _, v := range res.Violations {
			fmt.Fprintln(stdout, "violation:", v)
		}
		if len(res.Violations) > 0 {
			return 1
		}
		return 0
	}
	// The runs: every seed once, or with -byzantine each every seed in
	// every mode (seed-major, so a failing seed shows early).
	type job struct {
		seed int64
		mode string
	}
	var jobs []job
	for s := int64(1); s <= int64(*seeds); s++ {
		if *byzantine == "each" {
			for _, m := range sim.ModeNames() {
				jobs = append(jobs, job{s, m})
			}
		} else {
			jobs = append(jobs, job{s, *byzantine})
		}
	}
	t0 := time.Now()
	var mu sync.Mutex
	failed := 0
	var heights uint64
	next := 0
	var wg sync.WaitGroup
	for w := 0; w < runtime.GOMAXPROCS(0); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				mu.Lock()
				if next == len(jobs) {
					mu.Unlock()
					return
				}
				j := jobs[next]
				next++
				mu.Unlock()
				res, err := sim.Run(cfgFor(j.seed, j.mode))
				mu.Lock()
				if err == nil {
					heights += slices.Max(res.Heights)
				}
				switch {
				case err != nil:
					failed++
					fmt.Fprintf(stdout, "seed %d %s: %v\n", j.seed, j.mode, err)
				case len(res.Violations) > 0:
					failed++
					fmt.Fprintf(stdout, "seed %d trace %s FAILED: %s (replay: %s)\n", j.seed, res.Trace, res.Violations[0], replay(j.seed, j.mode))
				case *verbose:
					fmt.Fprintf(stdout, "seed %d %s trace %s heights %v\n", j.seed, j.mode, res.Trace, res.Heights)
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	el := time.Since(t0)
	runs := len(jobs)
	fmt.Fprintf(stdout, "%d seeds, %d runs, %d failed, %.1fs (%.0f ms per run on %d cores)\n", *seeds, runs, failed, el.Seconds(),
		float64(el.Milliseconds())/float64(runs)*float64(runtime.GOMAXPROCS(0)), runtime.GOMAXPROCS(0))
	fmt.Fprintf(stdout, "%.2f runs/s; %d heights committed: %.1f heights/s\n",
		float64(runs)/el.Seconds(), heights, float64(heights)/el.Seconds())
	if failed > 0 {
		return 1
	}
	return 0
}
