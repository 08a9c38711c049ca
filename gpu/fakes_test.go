package gpu

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// recorder passes batches to a real Verifier and records their sizes.
type recorder struct {
	Verifier
	mu    sync.Mutex
	sizes []int
}

func (r *recorder) VerifyBatch(ctx context.Context, items []Item) ([]bool, error) {
	r.mu.Lock()
	r.sizes = append(r.sizes, len(items))
	r.mu.Unlock()
	return r.Verifier.VerifyBatch(ctx, items)
}

func (r *recorder) batchSizes() []int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]int(nil), r.sizes...)
}

// gated holds every batch until release is closed (or, unless ignoreCtx,
// until ctx ends), then passes it to a real Verifier. Each arriving batch
// is announced on entered.
type gated struct {
	Verifier
	entered   chan int
	release   chan struct{}
	ignoreCtx bool
}

func newGated(t *testing.T, ignoreCtx bool) *gated {
	g := &gated{Verifier: NewCPU(1), entered: make(chan int, 64), release: make(chan struct{}), ignoreCtx: ignoreCtx}
	t.Cleanup(g.open)
	return g
}

func (g *gated) open() {
	select {
	case <-g.release:
	default:
		close(g.release)
	}
}

func (g *gated) VerifyBatch(ctx context.Context, items []Item) ([]bool, error) {
	g.entered <- len(items)
	if g.ignoreCtx {
		<-g.release
	} else {
		select {
		case <-g.release:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	return g.Verifier.VerifyBatch(ctx, items)
}

// broken fails in one of the ways a backend can.
type broken struct{ mode string }

var errDeviceLost = errors.New("device lost")

func (b broken) Name() string { return "broken-" + b.mode }

func (b broken) VerifyBatch(ctx context.Context, items []Item) ([]bool, error) {
	switch b.mode {
	case "error":
		return nil, errDeviceLost
	case "short":
		return make([]bool, len(items)-1), nil
	case "panic":
		panic("kernel fault")
	}
	return nil, errors.New("unknown mode")
}

func (b *Batcher) queued() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.depth
}

func (b *Batcher) batchesFormed() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.formed
}

// result is one asynchronous call's outcome.
type result struct {
	ok  []bool
	err error
}

func goVerifyAll(b *Batcher, ctx context.Context, items []Item) <-chan result {
	ch := make(chan result, 1)
	go func() {
		ok, err := b.VerifyAll(ctx, items)
		ch <- result{ok, err}
	}()
	return ch
}

func goVerify(b *Batcher, ctx context.Context, it Item) <-chan result {
	ch := make(chan result, 1)
	go func() {
		ok, err := b.Verify(ctx, it)
		ch <- result{[]bool{ok}, err}
	}()
	return ch
}

// await returns the result, failing the test instead of hanging.
func await(t *testing.T, ch <-chan result) result {
	t.Helper()
	select {
	case r := <-ch:
		return r
	case <-time.After(10 * time.Second):
		t.Fatal("call did not return")
		return result{}
	}
}

// metricValue reads a counter or gauge (testutil.ToFloat64 without the
// extra module it pulls in).
func metricValue(t *testing.T, m prometheus.Metric) float64 {
	t.Helper()
	var pb dto.Metric
	if err := m.Write(&pb); err != nil {
		t.Fatal(err)
	}
	switch {
	case pb.Counter != nil:
		return pb.Counter.GetValue()
	case pb.Gauge != nil:
		return pb.Gauge.GetValue()
	}
	t.Fatalf("not a counter or gauge: %v", &pb)
	return 0
}
