package gpu

import (
	"context"
	"errors"
	"testing"
	"time"
)

// costVerifier accepts everything and advances a fake clock by a fixed
// cost per call plus a cost per item: a GPU-like (fixed) or CPU-like
// (per item) backend without sleeping.
type costVerifier struct {
	name          string
	clock         *time.Time
	fixed, each   time.Duration
	rejectAtLeast int // > 0: a batch this large gets a false verdict
	fail          error
}

func (v *costVerifier) Name() string { return v.name }

func (v *costVerifier) VerifyBatch(_ context.Context, items []Item) ([]bool, error) {
	*v.clock = v.clock.Add(v.fixed + time.Duration(len(items))*v.each)
	if v.fail != nil {
		return nil, v.fail
	}
	ok := make([]bool, len(items))
	for i := range ok {
		ok[i] = v.rejectAtLeast == 0 || len(items) < v.rejectAtLeast
	}
	return ok, nil
}

func fakeCrossover(t *testing.T, gpuFixed, gpuEach, cpuEach time.Duration) (CrossoverResult, error) {
	t.Helper()
	clock := time.Unix(0, 0)
	gpu := &costVerifier{name: "gpu", clock: &clock, fixed: gpuFixed, each: gpuEach}
	cpu := &costVerifier{name: "cpu", clock: &clock, each: cpuEach}
	cfg := CrossoverConfig{MinTime: time.Millisecond, now: func() time.Time { return clock }}
	return Crossover(context.Background(), gpu, cpu, cfg)
}

// TestCrossoverFindsBreakEven: a backend costing 2ms a call plus 1µs a
// signature against one costing 20µs a signature breaks even at 105
// signatures, so the first measured size that wins is 128.
func TestCrossoverFindsBreakEven(t *testing.T) {
	res, err := fakeCrossover(t, 2*time.Millisecond, time.Microsecond, 20*time.Microsecond)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Found || res.Batch != 128 {
		t.Fatalf("crossover = %d (found %v), want 128; points %+v", res.Batch, res.Found, res.Points)
	}
	if len(res.Points) != len(DefaultCrossoverSizes) {
		t.Fatalf("%d points, want one per size", len(res.Points))
	}
	p := res.Points[0] // 16: 16/2.016ms vs 1/20µs
	if p.Primary < 7900 || p.Primary > 8000 || p.Fallback < 49999 || p.Fallback > 50001 {
		t.Fatalf("rates at 16 = %+v, want about 7937 and 50000", p)
	}
}

func TestCrossoverNeverWins(t *testing.T) {
	res, err := fakeCrossover(t, 50*time.Millisecond, 30*time.Microsecond, 20*time.Microsecond)
	if err != nil {
		t.Fatal(err)
	}
	if res.Found {
		t.Fatalf("a backend slower per signature was chosen from batch %d", res.Batch)
	}
}

func TestCrossoverAlwaysWins(t *testing.T) {
	res, err := fakeCrossover(t, 0, time.Microsecond, 20*time.Microsecond)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Found || res.Batch != DefaultCrossoverSizes[0] {
		t.Fatalf("crossover = %d (found %v), want the smallest size", res.Batch, res.Found)
	}
}

// TestCrossoverSizeNeedsEveryLargerSize: one fast sample below a slow one
// does not move the crossover down.
func TestCrossoverSizeNeedsEveryLargerSize(t *testing.T) {
	for _, tc := range []struct {
		name  string
		pts   []CrossoverPoint
		batch int
		found bool
	}{
		{"none", nil, 0, false},
		{"monotone", []CrossoverPoint{{16, 1, 2}, {64, 3, 2}, {256, 9, 2}}, 64, true},
		{"noisy low win", []CrossoverPoint{{16, 3, 2}, {64, 1, 2}, {256, 9, 2}}, 256, true},
		{"tie counts as a win", []CrossoverPoint{{16, 1, 2}, {64, 2, 2}}, 64, true},
		{"loses at the top", []CrossoverPoint{{16, 3, 2}, {64, 3, 2}, {256, 1, 2}}, 0, false},
	} {
		batch, found := CrossoverSize(tc.pts)
		if batch != tc.batch || found != tc.found {
			t.Errorf("%s: CrossoverSize = %d, %v; want %d, %v", tc.name, batch, found, tc.batch, tc.found)
		}
	}
}

func TestCrossoverRejectsWrongVerdictsAndErrors(t *testing.T) {
	clock := time.Unix(0, 0)
	now := func() time.Time { return clock }
	cpu := &costVerifier{name: "cpu", clock: &clock, each: time.Microsecond}
	liar := &costVerifier{name: "liar", clock: &clock, each: time.Microsecond, rejectAtLeast: 256}
	if _, err := Crossover(context.Background(), liar, cpu, CrossoverConfig{now: now}); err == nil {
		t.Fatal("a backend rejecting valid signatures at batch 256 was measured without error")
	}
	boom := errors.New("device lost")
	broken := &costVerifier{name: "broken", clock: &clock, fail: boom}
	if _, err := Crossover(context.Background(), broken, cpu, CrossoverConfig{now: now}); !errors.Is(err, boom) {
		t.Fatalf("err = %v, want the backend's error", err)
	}
}

func TestCrossoverConfigValidate(t *testing.T) {
	for _, c := range []CrossoverConfig{
		{Sizes: []int{64, 16}},
		{Sizes: []int{0}},
		{Sizes: []int{maxBatchLimit + 1}},
		{Rounds: -1},
		{MinTime: -time.Second},
		{MsgLen: -1},
	} {
		var ce *ConfigError
		if err := c.Validate(); !errors.As(err, &ce) {
			t.Errorf("%+v: Validate = %v, want a *ConfigError", c, err)
		}
	}
	if err := (CrossoverConfig{}).Validate(); err != nil {
		t.Fatalf("defaults: %v", err)
	}
}

// TestCrossoverRealBackends runs the rule on real verifiers (the CPU
// backend against the kernel-host backend) over real signatures: every
// verdict must be checked and both rates measured; which one wins is not
// asserted (it depends on the host).
func TestCrossoverRealBackends(t *testing.T) {
	res, err := Crossover(context.Background(), NewKernelHost(), NewCPU(0),
		CrossoverConfig{Sizes: []int{16, 64}, Rounds: 1, MinTime: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range res.Points {
		if p.Primary <= 0 || p.Fallback <= 0 {
			t.Fatalf("point %+v: a rate was not measured", p)
		}
	}
}
