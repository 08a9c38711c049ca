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
	byzantine := fs.String("byzantine", "", "give node seed%4 this byzantine mode (\"all\": a mode per seed): "+strings.Join(sim.ModeNames(), ", "))
	if err := fs.Parse(args); err != nil {
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
	if *byzantine != "" {
		if _, err := sim.ByzantineConfig(1, *byzantine); err != nil {
			fmt.Fprintln(stderr, "aitbc-sim:", err)
			return 2
		}
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	cfgFor := func(s int64) sim.Config {
		cfg := sim.DefaultConfig(s)
		if *byzantine != "" {
			cfg, _ = sim.ByzantineConfig(s, *byzantine)
		}
		cfg.Validators = *validators
		if set["duration"] || set["quiet"] { // else the configuration's own
			cfg.Duration, cfg.Quiet = *duration, *quiet
		}
		cfg.Node.MinBlockInterval = *responsive
		return cfg
	}
	replay := func(s int64) string {
		r := fmt.Sprintf("make sim SEED=%d", s)
		if *byzantine != "" {
			r += " BYZANTINE=" + *byzantine
		}
		return r
	}
	if *seed != 0 {
		cfg := cfgFor(*seed)
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
	t0 := time.Now()
	var mu sync.Mutex
	failed := 0
	var heights uint64
	next := int64(0)
	var wg sync.WaitGroup
	for w := 0; w < runtime.GOMAXPROCS(0); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				mu.Lock()
				next++
				s := next
				mu.Unlock()
				if s > int64(*seeds) {
					return
				}
				res, err := sim.Run(cfgFor(s))
				mu.Lock()
				if err == nil {
					heights += slices.Max(res.Heights)
				}
				switch {
				case err != nil:
					failed++
					fmt.Fprintf(stdout, "seed %d: %v\n", s, err)
				case len(res.Violations) > 0:
					failed++
					fmt.Fprintf(stdout, "seed %d trace %s FAILED: %s (replay: %s)\n", s, res.Trace, res.Violations[0], replay(s))
				case *verbose:
					fmt.Fprintf(stdout, "seed %d trace %s heights %v\n", s, res.Trace, res.Heights)
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	el := time.Since(t0)
	fmt.Fprintf(stdout, "%d seeds, %d failed, %.1fs (%.0f ms per seed on %d cores)\n", *seeds, failed, el.Seconds(),
		float64(el.Milliseconds())/float64(*seeds)*float64(runtime.GOMAXPROCS(0)), runtime.GOMAXPROCS(0))
	simulated := time.Duration(*seeds) * *duration
	fmt.Fprintf(stdout, "%.2f seeds/s; %d heights committed in %v simulated: %.1f heights/s, %.1f simulated s per s\n",
		float64(*seeds)/el.Seconds(), heights, simulated, float64(heights)/el.Seconds(), simulated.Seconds()/el.Seconds())
	if failed > 0 {
		return 1
	}
	return 0
}
