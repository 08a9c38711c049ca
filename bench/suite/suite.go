package suite

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"aitbc/bench"
	"aitbc/bench/load"
	"aitbc/bench/report"
	"aitbc/bench/sigbench"
)

// Setting is one block-time setting a sweep runs at: the devnet's
// BLOCK_TIME and MIN_BLOCK_INTERVAL.
type Setting struct {
	Name             string
	BlockTime        time.Duration
	MinBlockInterval time.Duration
}

// Config is one suite run. A zero field means its default.
type Config struct {
	// Binary is the aitbcd executable the devnets run (required).
	Binary string
	// OutDir receives <UTC time>/report.json, report.svg, summary.md.
	// Default bench/results.
	OutDir string
	// Budget is the time the suite aims to finish in; point durations
	// scale to it. Default 9m.
	Budget time.Duration
	// Validators of the sweep devnets. Default 4.
	Validators int
	// TxBytes is each transfer's canonical size. Default 200.
	TxBytes int
	// Rates are the offered loads of a sweep, ascending; a sweep stops
	// after the first point not committed in full. Default DefaultRates.
	Rates []int
	// Settings are the block-time settings swept. Default
	// DefaultSettings. The latency targets are read on the first.
	Settings []Setting
	// SingleRate and SingleBatch are the single-validator send_txs point
	// (SingleRate < 0 skips it). Defaults 30000 and 256.
	SingleRate, SingleBatch int
	// SingleIndex keeps the SQL index on the single validator. Off by
	// default: a validator does not index (docs/DESIGN §12), while a
	// devnet's node 0 does, as the network's query node; on two cores
	// the SQLite inserts took 42% of the node's CPU at 30,000 tx/s.
	SingleIndex bool
	// Commit, Command and GPU go into the report as they are.
	Commit, Command, GPU string
	// LoadKey reads the devnet's faucet key file (required).
	LoadKey func(path string) (ed25519.PrivateKey, error)
	// Progress receives progress lines (nil: discarded); LoadLog the load
	// bench's own lines (nil: discarded).
	Progress, LoadLog io.Writer
	// Now is the clock that names the output directory (default
	// time.Now).
	Now func() time.Time
}

// DefaultRates sweep up past the 6,000 tx/s target.
var DefaultRates = []int{500, 1000, 2000, 3000, 4000, 5000, 6000, 8000, 10000, 12000}

// DefaultSettings: the node's defaults, responsive blocks (a proposal at
// the next 10 ms tick after a commit when txs wait, an empty block every
// 2 s when none do) first, then fixed 200 ms slots.
var DefaultSettings = []Setting{
	{Name: "responsive", BlockTime: 2 * time.Second, MinBlockInterval: 10 * time.Millisecond},
	{Name: "fixed 200ms", BlockTime: 200 * time.Millisecond},
}

func (c Config) withDefaults() Config {
	if c.OutDir == "" {
		c.OutDir = filepath.Join("bench", "results")
	}
	if c.Budget == 0 {
		c.Budget = 9 * time.Minute
	}
	if c.Validators == 0 {
		c.Validators = 4
	}
	if c.TxBytes == 0 {
		c.TxBytes = 200
	}
	if c.Rates == nil {
		c.Rates = DefaultRates
	}
	if c.Settings == nil {
		c.Settings = DefaultSettings
	}
	if c.SingleRate == 0 {
		c.SingleRate = 30000
	}
	if c.SingleBatch == 0 {
		c.SingleBatch = 256
	}
	if c.Progress == nil {
		c.Progress = io.Discard
	}
	if c.LoadLog == nil {
		c.LoadLog = io.Discard
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return c
}

// Validate checks the config after defaults; errors wrap
// bench.ErrBadConfig.
func (c Config) Validate() error {
	c = c.withDefaults()
	bad := func(f string, a ...any) error {
		return fmt.Errorf("%w: "+f, append([]any{bench.ErrBadConfig}, a...)...)
	}
	switch {
	case c.Binary == "":
		return bad("no aitbcd binary")
	case c.LoadKey == nil:
		return bad("no key loader")
	case c.Budget < 10*time.Second || c.Budget > 24*time.Hour:
		return bad("budget %v not in [10s, 24h]", c.Budget)
	case c.Validators < 1 || c.Validators > 16:
		return bad("validators %d not in [1, 16]", c.Validators)
	case len(c.Settings) == 0:
		return bad("no block-time setting")
	}
	for i, r := range c.Rates {
		if r < 1 || (i > 0 && r <= c.Rates[i-1]) {
			return bad("rates %v: want ascending positive rates", c.Rates)
		}
	}
	return nil
}

// pointSeconds is each load point's sending time: a fortieth of the
// budget (a full run is two sweeps of up to ten points, each with
// funding, presigning and draining around it, plus three devnet starts
// and the fixed measurements; a sweep stops at saturation, usually after
// five or six points), between 1 s and 15 s.
func pointSeconds(budget time.Duration) time.Duration {
	return min(max(budget/40, time.Second), 15*time.Second)
}

// ErrHung: the suite ran past hangLimit and was stopped.
var ErrHung = errors.New("suite: hung")

// hangLimit is how long Run lets the suite go before it is declared
// hung: twice the budget (which sizes only the load points) plus the
// ready limit of every devnet it starts, which the budget does not cover
// (a small budget on a slow host spends most of its time starting
// devnets).
func hangLimit(cfg Config) time.Duration {
	starts := len(cfg.Settings)
	if cfg.SingleRate > 0 {
		starts++
	}
	return 2*cfg.Budget + time.Duration(starts)*devnetReadyLimit
}

// Run runs the suite and writes the report. It returns the report and
// its directory; err is non-nil when the run failed, including when any
// tx was lost (load.ErrLost), and the report is still written then
// whenever something was measured.
func Run(ctx context.Context, cfg Config) (*report.Report, string, error) {
	if err := cfg.Validate(); err != nil {
		return nil, "", err
	}
	cfg = cfg.withDefaults()
	t0 := time.Now()
	limit := hangLimit(cfg)
	ctx, cancel := context.WithTimeoutCause(ctx, limit, fmt.Errorf("%w: still running after %v", ErrHung, limit))
	defer cancel()
	pt := pointSeconds(cfg.Budget)
	created := cfg.Now().UTC()
	r := &report.Report{Version: report.Version, Created: created, Commit: cfg.Commit, Machine: detectMachine(cfg.GPU),
		Config: report.Config{Validators: cfg.Validators, TxBytes: cfg.TxBytes, PointSeconds: pt.Seconds(),
			Budget: cfg.Budget.String(), Command: cfg.Command, SingleIndex: cfg.SingleIndex}}
	dir := filepath.Join(cfg.OutDir, created.Format("20060102T150405Z"))
	work, err := os.MkdirTemp("", "aitbc-bench-suite-")
	if err != nil {
		return nil, "", err
	}
	defer os.RemoveAll(work)
	say := func(f string, a ...any) {
		fmt.Fprintf(cfg.Progress, "suite %5.0fs: "+f+"\n", append([]any{time.Since(t0).Seconds()}, a...)...)
	}

	runErr := func() error {
		say("signature ceiling (bench sigverify, cpu, batch 1024)")
		sv, err := sigbench.Sigverify(ctx, sigbench.SigverifyConfig{Backend: "cpu", Batches: []int{1024}, Duration: min(pt/2, 2*time.Second)}, io.Discard)
		if err != nil {
			return fmt.Errorf("suite: sigverify: %w", err)
		}
		for _, row := range sv.Rows {
			if row.PerSec > r.SigverifyPerSec {
				r.SigverifyPerSec, r.SigverifyBatch = row.PerSec, row.Batch
			}
		}
		say("signature ceiling %.0f/s", r.SigverifyPerSec)

		for i, st := range cfg.Settings {
			// Each sweep may run until its share of four fifths of the
			// budget is spent (the rest is for the single-validator point
			// and the devnet starts); its first point always runs.
			until := t0.Add(cfg.Budget * 4 / 5 * time.Duration(i+1) / time.Duration(len(cfg.Settings)))
			sw, err := runSweep(ctx, cfg, st, filepath.Join(work, fmt.Sprintf("sweep%d", i)), pt, i == 0, r, until, say)
			r.Sweeps = append(r.Sweeps, sw)
			if err != nil {
				return err
			}
		}
		if cfg.SingleRate > 0 {
			p, err := runSingle(ctx, cfg, filepath.Join(work, "single"), pt, say)
			if err != nil {
				return err
			}
			r.Single = &p
		}
		return nil
	}()
	r.Seconds = time.Since(t0).Seconds()
	if len(r.Sweeps) > 0 || r.SigverifyPerSec > 0 {
		if err := r.Write(dir); err != nil {
			return r, dir, errors.Join(runErr, err)
		}
		say("wrote %s", dir)
	}
	if runErr == nil && r.Lost() > 0 {
		runErr = fmt.Errorf("%w: %d accepted txs never committed", load.ErrLost, r.Lost())
	}
	return r, dir, runErr
}

// The idle measurement: the devnet runs idleSettle after it is ready,
// then its CPU is read over idleWindow (each at most a point's time).
const (
	idleSettle = 10 * time.Second
	idleWindow = 10 * time.Second
)

// runSweep starts a fresh devnet at st, measures its idle CPU when idle
// is set, then offers each rate until a point is not committed in full,
// the sweep's time (until) is spent, or a tx is lost.
func runSweep(ctx context.Context, cfg Config, st Setting, dir string, pt time.Duration, idle bool, r *report.Report, until time.Time, say func(string, ...any)) (report.Sweep, error) {
	sw := report.Sweep{Name: st.Name, BlockTime: st.BlockTime.String(), MinBlockInterval: st.MinBlockInterval.String()}
	say("%s: starting a %d-validator devnet (BLOCK_TIME=%v MIN_BLOCK_INTERVAL=%v)", st.Name, cfg.Validators, st.BlockTime, st.MinBlockInterval)
	d, err := startDevnet(ctx, cfg.Binary, dir, cfg.Validators, []string{
		"BLOCK_TIME=" + st.BlockTime.String(), "MIN_BLOCK_INTERVAL=" + st.MinBlockInterval.String()})
	if err != nil {
		return sw, err
	}
	defer d.stop()
	key, err := cfg.LoadKey(d.faucetKey())
	if err != nil {
		return sw, err
	}
	if idle {
		// Idle means the steady state: the first seconds after start carry
		// the peers' handshakes (a pairing check per validator proof), the
		// first status rounds and the stores' warm-up.
		settle, window := min(pt, idleSettle), min(pt, idleWindow)
		if !bench.SleepCtx(ctx, settle) {
			return sw, context.Cause(ctx)
		}
		c0, w0 := d.cpu(), time.Now()
		if !bench.SleepCtx(ctx, window) {
			return sw, context.Cause(ctx)
		}
		r.IdleCores = (d.cpu() - c0).Seconds() / time.Since(w0).Seconds()
		say("%s: idle devnet %.3f cores", st.Name, r.IdleCores)
	}
	for _, rate := range cfg.Rates {
		if len(sw.Points) > 0 && time.Now().After(until) {
			say("%s: budget spent; the sweep stops before %d tx/s", st.Name, rate)
			break
		}
		batch := sweepBatch(rate)
		p, err := runPoint(ctx, cfg, d, key, rate, pt, batch)
		p.Nodes, p.Batch = cfg.Validators, batch
		p.NodeCPUPerTxUs /= float64(cfg.Validators)
		sw.Points = append(sw.Points, p)
		say("%s: offered %5d tx/s: committed %6.0f tx/s, p50 %.0f ms, p99 %.0f ms, rejected %d, lost %d, node CPU %.1f µs/tx/node",
			st.Name, rate, p.CommittedTPS, p.P50Ms, p.P99Ms, p.Rejected+p.Errors, p.Lost, p.NodeCPUPerTxUs)
		if err != nil && !errors.Is(err, load.ErrLost) {
			return sw, err
		}
		if p.Lost > 0 || !p.Full() {
			break
		}
	}
	return sw, nil
}

// runSingle is the single-validator point: send_txs batches of
// cfg.SingleBatch at cfg.SingleRate offered.
func runSingle(ctx context.Context, cfg Config, dir string, pt time.Duration, say func(string, ...any)) (report.Point, error) {
	st := cfg.Settings[0]
	say("single validator: starting (BLOCK_TIME=%v MIN_BLOCK_INTERVAL=%v, SQL index %v)", st.BlockTime, st.MinBlockInterval, cfg.SingleIndex)
	env := []string{"BLOCK_TIME=" + st.BlockTime.String(), "MIN_BLOCK_INTERVAL=" + st.MinBlockInterval.String()}
	if !cfg.SingleIndex {
		env = append(env, "DATABASE_URL=") // empty: no SQL index
	}
	d, err := startDevnet(ctx, cfg.Binary, dir, 1, env)
	if err != nil {
		return report.Point{}, err
	}
	defer d.stop()
	key, err := cfg.LoadKey(d.faucetKey())
	if err != nil {
		return report.Point{}, err
	}
	p, err := runPoint(ctx, cfg, d, key, cfg.SingleRate, min(pt, 5*time.Second), cfg.SingleBatch)
	p.Nodes, p.Batch = 1, cfg.SingleBatch
	say("single validator: offered %d tx/s in batches of %d: committed %.0f tx/s, p50 %.0f ms, p99 %.0f ms, rejected %d, lost %d",
		cfg.SingleRate, cfg.SingleBatch, p.CommittedTPS, p.P50Ms, p.P99Ms, p.Rejected+p.Errors, p.Lost)
	if err != nil && !errors.Is(err, load.ErrLost) {
		return p, err
	}
	return p, nil
}

// sweepBatch is how many consecutive slots of the schedule a sweep's
// sender offers in one send_txs request at rate: a millisecond's worth
// (rate/1000), none below 2000 tx/s (one send_tx per tx). The txs of a
// request wait at most a millisecond for its last slot, and that wait
// counts in their finality (it runs from each tx's own slot); the client
// spends its CPU on a request, not a tx, so it leaves the nodes the
// cores it took at high rates (about 150 µs per single send_tx).
func sweepBatch(rate int) int {
	if b := rate / 1000; b >= 2 {
		return b
	}
	return 0
}

// runPoint is one open-loop load run against d: round-robin over its
// nodes, presigned (the client's signing is not what is measured),
// node CPU from the devnet process. NodeCPUPerTxUs is for all nodes.
func runPoint(ctx context.Context, cfg Config, d *devnet, key ed25519.PrivateKey, rate int, pt time.Duration, batch int) (report.Point, error) {
	senders := min(max(rate/25, 64), 512)
	if batch > 1 {
		senders = 32
	}
	lc := load.Config{RPC: d.rpc[0], WS: d.ws, SendTo: d.rpc, Faucet: key, TPS: rate, Duration: pt,
		Senders: senders, Presign: true, TxBytes: cfg.TxBytes, Batch: batch, Drain: max(pt, 5*time.Second),
		Progress: time.Second, NodeCPU: d.cpu}
	rep, err := load.Run(ctx, lc, cfg.LoadLog)
	return pointOf(rep), err
}

func pointOf(rep load.Report) report.Point {
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	return report.Point{TargetTPS: rep.TargetTPS, OfferedTPS: rep.OfferedTPS, CommittedTPS: rep.CommittedTPS,
		Submitted: rep.Submitted, Accepted: rep.Accepted, Committed: rep.Committed, Rejected: rep.Rejected,
		Errors: rep.Errors, Lost: rep.Lost, P50Ms: ms(rep.FinalityP50), P90Ms: ms(rep.FinalityP90),
		P99Ms: ms(rep.FinalityP99), MaxMs: ms(rep.FinalityMax), NodeCPUPerTxUs: rep.NodeCPUPerTx}
}
