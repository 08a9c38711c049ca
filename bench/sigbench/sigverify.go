package sigbench

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"runtime"
	"slices"
	"sync"
	"time"

	"aitbc/gpu"
	"aitbc/internal/quantile"
)

// DefaultBatches are the batch sizes Sigverify runs when none are given.
var DefaultBatches = []int{16, 64, 256, 1024, 4096}

// Backends Sigverify knows, in the order the command lists them.
var Backends = []string{"cpu", "kernel-host", "cuda"}

// SigverifyConfig is one sigverify bench run. A zero field means its
// default.
type SigverifyConfig struct {
	// Backend is "cpu" (default), "kernel-host" (the cuda/ arithmetic
	// compiled for the host) or "cuda".
	Backend string
	// Batches are the batch sizes to run, each for Duration. Default
	// DefaultBatches.
	Batches []int
	// Duration each batch size (and the baseline) runs. Default 2s.
	Duration time.Duration
	// Workers is the CPU backend's goroutines, and the baseline's: 0 = one
	// per core.
	Workers int
	// MsgLen is the signed message length. Default 160 (a transfer's sign
	// bytes).
	MsgLen int
	// Seed makes the keys and messages reproducible. Default 1.
	Seed uint64
	// Compare, if set, is a second backend measured at every batch size
	// right after the first, on the same signatures; the report then says
	// from which batch size Backend is at least as fast as Compare (the
	// rule of gpu.CrossoverSize, which the node uses at start).
	Compare string
	// Verifier and CompareVerifier, if set, are measured instead of the
	// ones Backend and Compare name (the names are then only labels).
	// Tests use them.
	Verifier, CompareVerifier gpu.Verifier
}

func (c SigverifyConfig) withDefaults() SigverifyConfig {
	if c.Backend == "" {
		c.Backend = "cpu"
	}
	if len(c.Batches) == 0 {
		c.Batches = DefaultBatches
	}
	if c.Duration == 0 {
		c.Duration = 2 * time.Second
	}
	if c.Workers == 0 {
		c.Workers = runtime.GOMAXPROCS(0)
	}
	if c.MsgLen == 0 {
		c.MsgLen = 160
	}
	if c.Seed == 0 {
		c.Seed = 1
	}
	return c
}

// Validate checks the config after defaults; errors wrap ErrBadConfig or
// ErrUnknownBackend.
func (c SigverifyConfig) Validate() error {
	c = c.withDefaults()
	if c.Verifier == nil && !slices.Contains(Backends, c.Backend) {
		return fmt.Errorf("%w %q (want one of %v)", ErrUnknownBackend, c.Backend, Backends)
	}
	if c.Compare != "" && c.CompareVerifier == nil && !slices.Contains(Backends, c.Compare) {
		return fmt.Errorf("%w %q to compare with (want one of %v)", ErrUnknownBackend, c.Compare, Backends)
	}
	if c.Compare != "" && c.Compare == c.Backend {
		return fmt.Errorf("%w: --compare %s is the measured backend itself", ErrBadConfig, c.Compare)
	}
	for _, b := range c.Batches {
		if b < 1 || b > 1<<16 {
			return fmt.Errorf("%w: batch size %d not in [1, 65536]", ErrBadConfig, b)
		}
	}
	switch {
	case c.Duration < 0:
		return fmt.Errorf("%w: duration %v is negative", ErrBadConfig, c.Duration)
	case c.Workers < 0:
		return fmt.Errorf("%w: workers %d is negative", ErrBadConfig, c.Workers)
	case c.MsgLen < 0 || c.MsgLen > 1<<20:
		return fmt.Errorf("%w: message length %d not in [0, 1 MiB]", ErrBadConfig, c.MsgLen)
	}
	return nil
}

// NewVerifier opens the backend called name. The returned close func
// frees it (a device's memory); call it when done.
func NewVerifier(name string, workers int) (gpu.Verifier, func(), error) {
	var (
		v   gpu.Verifier
		err error
	)
	switch name {
	case "cpu":
		v = gpu.NewCPU(workers)
	case "kernel-host":
		v = gpu.NewKernelHost()
	case "cuda":
		v, err = gpu.NewCUDA(gpu.DefaultCUDAConfig())
	default:
		return nil, nil, fmt.Errorf("%w %q (want one of %v)", ErrUnknownBackend, name, Backends)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("bench: backend %s: %w", name, err)
	}
	closeFn := func() {}
	if c, ok := v.(io.Closer); ok {
		closeFn = func() { c.Close() }
	}
	return v, closeFn, nil
}

// Row is one line of the table: a batch size on the measured backend, or
// the baseline (Batch 1, crypto/ed25519.Verify spread over the workers).
type Row struct {
	Backend  string
	Batch    int
	Batches  int           // backend calls made
	Verifies int           // signatures verified
	Elapsed  time.Duration // wall time of those calls
	PerSec   float64       // Verifies / Elapsed
	P50, P99 time.Duration // per-call latency
	Ratio    float64       // PerSec / the baseline's PerSec
}

// Report is the outcome of one Sigverify run.
type Report struct {
	Backend  string
	Workers  int
	MsgLen   int
	Rows     []Row
	Baseline Row
	// Compare holds the second backend's rows (one per batch size) when
	// SigverifyConfig.Compare is set; Crossover is then the smallest batch
	// size from which Backend is at least as fast at every larger size,
	// and CrossoverFound false if it is slower at the largest.
	Compare        []Row
	Crossover      int
	CrossoverFound bool
}

// Sigverify runs cfg: for each batch size it calls the backend on batches
// of valid signatures for cfg.Duration, printing a progress line about
// once a second, then the baseline, then the table. Every verdict is
// checked; a wrong one fails the run with ErrWrongVerdict.
func Sigverify(ctx context.Context, cfg SigverifyConfig, out io.Writer) (Report, error) {
	if err := cfg.Validate(); err != nil {
		return Report{}, err
	}
	cfg = cfg.withDefaults()
	v := cfg.Verifier
	if v == nil {
		opened, closeFn, err := NewVerifier(cfg.Backend, cfg.Workers)
		if err != nil {
			return Report{}, err
		}
		defer closeFn()
		v = opened
	}
	cv := cfg.CompareVerifier
	if cv == nil && cfg.Compare != "" {
		opened, closeFn, err := NewVerifier(cfg.Compare, cfg.Workers)
		if err != nil {
			return Report{}, err
		}
		defer closeFn()
		cv = opened
	}
	pool := signedPool(slices.Max(cfg.Batches), cfg.MsgLen, cfg.Seed)
	for _, x := range []gpu.Verifier{v, cv} {
		if x == nil {
			continue
		}
		if err := sanityCheck(ctx, x, pool); err != nil {
			return Report{}, err
		}
	}
	rep := Report{Backend: cfg.Backend, Workers: cfg.Workers, MsgLen: cfg.MsgLen}
	fmt.Fprintf(out, "sigverify: backend %s (%s), %d workers, %d-byte messages, %v per batch size\n",
		cfg.Backend, v.Name(), cfg.Workers, cfg.MsgLen, cfg.Duration)
	steps := len(cfg.Batches) + 1
	if cv != nil {
		steps += len(cfg.Batches)
	}
	step := 0
	run := func(name string, x gpu.Verifier, size int) (Row, error) {
		step++
		label := fmt.Sprintf("[%d/%d] %s batch %d", step, steps, name, size)
		row, err := measure(ctx, label, cfg.Duration, out, size, func() error {
			ok, err := x.VerifyBatch(ctx, pool[:size])
			if err != nil {
				return err
			}
			if n := len(ok); n != size || slices.Contains(ok, false) {
				return fmt.Errorf("%w: %s rejected a valid signature in a batch of %d", ErrWrongVerdict, x.Name(), size)
			}
			return nil
		})
		row.Backend, row.Batch = name, size
		return row, err
	}
	var points []gpu.CrossoverPoint
	for _, size := range cfg.Batches {
		row, err := run(cfg.Backend, v, size)
		if err != nil {
			return rep, err
		}
		rep.Rows = append(rep.Rows, row)
		if cv == nil {
			continue
		}
		crow, err := run(cfg.Compare, cv, size)
		if err != nil {
			return rep, err
		}
		rep.Compare = append(rep.Compare, crow)
		points = append(points, gpu.CrossoverPoint{Batch: size, Primary: row.PerSec, Fallback: crow.PerSec})
	}
	if cv != nil {
		slices.SortFunc(points, func(a, b gpu.CrossoverPoint) int { return a.Batch - b.Batch })
		rep.Crossover, rep.CrossoverFound = gpu.CrossoverSize(points)
	}
	label := fmt.Sprintf("[%d/%d] stdlib crypto/ed25519.Verify", steps, steps)
	base, err := measure(ctx, label, cfg.Duration, out, cfg.Workers*baselineRun, func() error {
		return stdlibRound(pool, cfg.Workers)
	})
	if err != nil {
		return rep, err
	}
	// A round is baselineRun Verify calls in a row on each worker: one
	// call's latency is the round's share.
	base.Backend, base.Batch, base.Ratio = "stdlib", 1, 1
	base.P50 /= baselineRun
	base.P99 /= baselineRun
	rep.Baseline = base
	for _, rows := range [][]Row{rep.Rows, rep.Compare} {
		for i := range rows {
			rows[i].Ratio = rows[i].PerSec / base.PerSec
		}
	}
	WriteTable(out, rep)
	return rep, nil
}

// measure calls round (which verifies perRound signatures) until d has
// passed, at least once, and summarises the calls.
func measure(ctx context.Context, label string, d time.Duration, out io.Writer, perRound int, round func() error) (Row, error) {
	var lat []time.Duration
	start := time.Now()
	nextReport := start.Add(time.Second)
	for {
		if err := ctx.Err(); err != nil {
			return Row{}, context.Cause(ctx)
		}
		t0 := time.Now()
		if err := round(); err != nil {
			return Row{}, err
		}
		now := time.Now()
		lat = append(lat, now.Sub(t0))
		if now.After(nextReport) {
			fmt.Fprintf(out, "%s: %v, %.0f verifies/s so far\n", label, now.Sub(start).Round(time.Millisecond),
				float64(len(lat)*perRound)/now.Sub(start).Seconds())
			nextReport = nextReport.Add(time.Second)
		}
		if now.Sub(start) >= d {
			break
		}
	}
	var busy time.Duration
	for _, l := range lat {
		busy += l
	}
	row := Row{Batches: len(lat), Verifies: len(lat) * perRound, Elapsed: busy}
	row.PerSec = float64(row.Verifies) / busy.Seconds()
	slices.Sort(lat)
	row.P50, row.P99 = quantile.Nearest(lat, 50), quantile.Nearest(lat, 99)
	fmt.Fprintf(out, "%s: done, %d calls, %.0f verifies/s\n", label, row.Batches, row.PerSec)
	return row, nil
}

// baselineRun is how many signatures each baseline worker verifies per
// round: enough that starting the goroutines is lost in the noise.
const baselineRun = 32

// stdlibRound has each of `workers` goroutines verify baselineRun
// signatures with crypto/ed25519, side by side, so the baseline uses as
// many cores as the backend.
func stdlibRound(pool []gpu.Item, workers int) error {
	errs := make([]error, workers)
	run := func(w int) {
		for i := range baselineRun {
			it := pool[(w*baselineRun+i)%len(pool)]
			if !ed25519.Verify(it.PubKey, it.Msg, it.Sig) {
				errs[w] = fmt.Errorf("%w: crypto/ed25519 rejected a valid signature", ErrWrongVerdict)
				return
			}
		}
	}
	var wg sync.WaitGroup
	for w := 1; w < workers; w++ {
		wg.Add(1)
		go func() { defer wg.Done(); run(w) }()
	}
	run(0)
	wg.Wait()
	return errors.Join(errs...)
}

// signedPool makes n valid signatures by distinct keys over msgLen-byte
// messages, reproducibly from seed.
func signedPool(n, msgLen int, seed uint64) []gpu.Item {
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	random := func(n int) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(rng.Uint32())
		}
		return b
	}
	items := make([]gpu.Item, n)
	for i := range items {
		priv := ed25519.NewKeyFromSeed(random(ed25519.SeedSize))
		msg := random(msgLen)
		items[i] = gpu.Item{PubKey: priv.Public().(ed25519.PublicKey), Msg: msg, Sig: ed25519.Sign(priv, msg)}
	}
	return items
}

// sanityCheck makes sure the backend tells a corrupted signature from a
// valid one before its speed is worth measuring.
func sanityCheck(ctx context.Context, v gpu.Verifier, pool []gpu.Item) error {
	good := pool[0]
	bad := gpu.Item{PubKey: good.PubKey, Msg: good.Msg, Sig: slices.Clone(good.Sig)}
	bad.Sig[5] ^= 0x10
	ok, err := v.VerifyBatch(ctx, []gpu.Item{good, bad, good})
	if err != nil {
		return fmt.Errorf("bench: %s: %w", v.Name(), err)
	}
	if !slices.Equal(ok, []bool{true, false, true}) {
		return fmt.Errorf("%w: %s gave %v for valid, corrupted, valid", ErrWrongVerdict, v.Name(), ok)
	}
	return nil
}
