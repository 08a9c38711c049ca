package gpu

import (
	"context"
	"errors"
	"slices"
	"sync/atomic"
	"testing"
)

// TestGuardedFallsBack: while the device is unhealthy (as health.Monitor
// would report), the Batcher's
// batches go to the CPU fallback (counted); when it recovers, they go to
// the primary again. Verdicts are right throughout.
func TestGuardedFallsBack(t *testing.T) {
	var healthy atomic.Bool
	healthy.Store(true)
	primary := &recorder{Verifier: NewCPU(1)}
	m := NopMetrics()
	b := newTestBatcher(t, NewGuarded(primary, healthy.Load), NewCPU(1), BatcherConfig{}, m)
	good := newSigner(t, 31).items(4)
	bad := Item{PubKey: good[0].PubKey, Msg: good[0].Msg, Sig: flipBit(good[0].Sig, 3)}
	items := append(good, bad)
	ctx := context.Background()

	check := func(stage string, wantPrimaryCalls int, wantFallbacks float64) {
		t.Helper()
		ok, err := b.VerifyAll(ctx, items)
		if err != nil {
			t.Fatalf("%s: %v", stage, err)
		}
		if !slices.Equal(ok, []bool{true, true, true, true, false}) {
			t.Fatalf("%s: verdicts %v", stage, ok)
		}
		if got := len(primary.batchSizes()); got != wantPrimaryCalls {
			t.Fatalf("%s: primary called %d times, want %d", stage, got, wantPrimaryCalls)
		}
		if got := metricValue(t, m.Fallbacks); got != wantFallbacks {
			t.Fatalf("%s: %v fallbacks, want %v", stage, got, wantFallbacks)
		}
	}
	check("healthy", 1, 0)
	healthy.Store(false)
	check("overheated", 1, 1)
	healthy.Store(true)
	check("cooled down", 2, 1)
}

func TestGuardedError(t *testing.T) {
	g := NewGuarded(NewCPU(1), func() bool { return false })
	if g.Name() != "cpu" {
		t.Fatalf("Name() = %q, want the primary's", g.Name())
	}
	_, err := g.VerifyBatch(context.Background(), newSigner(t, 32).items(1))
	if !errors.Is(err, ErrUnhealthy) {
		t.Fatalf("err = %v, want ErrUnhealthy", err)
	}
}
