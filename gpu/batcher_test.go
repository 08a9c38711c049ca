package gpu

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"aitbc/internal/wait"
)

func newTestBatcher(t *testing.T, primary, fallback Verifier, cfg BatcherConfig, m *Metrics) *Batcher {
	t.Helper()
	b, err := NewBatcher(primary, fallback, cfg, m)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	return b
}

func allTrue(ok []bool, n int) bool { return len(ok) == n && !slices.Contains(ok, false) }

// TestBatcherSizeFlush: with an age limit far away, a batch leaves exactly
// when it reaches MaxBatch.
func TestBatcherSizeFlush(t *testing.T) {
	rec := &recorder{Verifier: NewCPU(1)}
	b := newTestBatcher(t, rec, nil, BatcherConfig{MaxBatch: 8, MaxWait: time.Minute, QueueLen: 64, HoldWhenIdle: true}, nil)
	items := newSigner(t, 20).items(24)
	ctx := context.Background()

	var calls []<-chan result
	for _, it := range items[:7] {
		calls = append(calls, goVerify(b, ctx, it))
	}
	wait.Until(t, "7 queued", 10*time.Second, func() bool { return b.queued() == 7 })
	if got := rec.batchSizes(); len(got) != 0 {
		t.Fatalf("flushed %v before the batch was full", got)
	}
	calls = append(calls, goVerify(b, ctx, items[7]))
	for i, c := range calls {
		if r := await(t, c); r.err != nil || !r.ok[0] {
			t.Errorf("caller %d: %v %v", i, r.ok, r.err)
		}
	}
	ok, err := b.VerifyAll(ctx, items[8:])
	if err != nil || !allTrue(ok, 16) {
		t.Fatalf("VerifyAll: %v %v", ok, err)
	}
	if got := rec.batchSizes(); !slices.Equal(got, []int{8, 8, 8}) {
		t.Errorf("batch sizes %v, want [8 8 8]", got)
	}
}

// TestBatcherAdaptiveFlush: with MaxWait a minute away, an idle backend gets a
// lone item at once, and what arrives while it is busy leaves as one batch
// as soon as it is free: the batch size follows the load.
func TestBatcherAdaptiveFlush(t *testing.T) {
	g := newGated(t, false)
	b := newTestBatcher(t, g, nil, BatcherConfig{MaxBatch: 100, MaxWait: time.Minute, QueueLen: 100}, nil)
	items := newSigner(t, 27).items(11)
	first := goVerify(b, context.Background(), items[0])
	if n := <-g.entered; n != 1 {
		t.Fatalf("first batch has %d items, want 1", n)
	}
	var rest []<-chan result
	for _, it := range items[1:] {
		rest = append(rest, goVerify(b, context.Background(), it))
	}
	wait.Until(t, "10 queued behind the busy backend", 10*time.Second, func() bool { return b.queued() == 10 })
	g.open()
	if n := <-g.entered; n != 10 {
		t.Errorf("second batch has %d items, want the 10 that queued", n)
	}
	for i, c := range append([]<-chan result{first}, rest...) {
		if r := await(t, c); r.err != nil || !r.ok[0] {
			t.Errorf("caller %d: %v %v", i, r.ok, r.err)
		}
	}
}

// TestBatcherAgeFlush: a batch far below MaxBatch still leaves once its
// oldest item has waited MaxWait (nothing else could flush it).
func TestBatcherAgeFlush(t *testing.T) {
	rec := &recorder{Verifier: NewCPU(1)}
	b := newTestBatcher(t, rec, nil, BatcherConfig{MaxBatch: 1000, MaxWait: time.Millisecond, QueueLen: 1000}, nil)
	s := newSigner(t, 21)
	good := s.item(10)
	bad := Item{PubKey: good.PubKey, Msg: good.Msg, Sig: flipBit(good.Sig, 3)}
	ctx := context.Background()
	if ok, err := b.Verify(ctx, good); err != nil || !ok {
		t.Errorf("valid: %v %v", ok, err)
	}
	if ok, err := b.Verify(ctx, bad); err != nil || ok {
		t.Errorf("invalid: %v %v", ok, err)
	}
	ok, err := b.VerifyAll(ctx, []Item{good, bad, good, bad, good})
	if err != nil || !slices.Equal(ok, []bool{true, false, true, false, true}) {
		t.Errorf("VerifyAll: %v %v", ok, err)
	}
	if got := rec.batchSizes(); !slices.Equal(got, []int{1, 1, 5}) {
		t.Errorf("batch sizes %v, want [1 1 5]", got)
	}
	if b.Backend() != "cpu" {
		t.Errorf("Backend() = %q", b.Backend())
	}
}

// TestBatcherConcurrentCallers: many callers share batches and each gets
// exactly its own verdicts.
func TestBatcherConcurrentCallers(t *testing.T) {
	reg := prometheus.NewRegistry()
	m := NewMetrics(reg)
	rec := &recorder{Verifier: NewCPU(0)}
	b := newTestBatcher(t, rec, nil, BatcherConfig{MaxBatch: 32, MaxWait: 500 * time.Microsecond, QueueLen: 128}, m)
	s := newSigner(t, 22)
	const singles, perSingle, alls, perAll = 32, 6, 4, 40
	pool := s.items(64)
	var (
		wg              sync.WaitGroup
		mu              sync.Mutex
		wantValid, seen int
	)
	pick := func(g, i int) (Item, bool) {
		it := pool[(g*7+i)%len(pool)]
		if (g+i)%3 == 0 {
			return Item{PubKey: it.PubKey, Msg: it.Msg, Sig: flipBit(it.Sig, (g*13+i)%512)}, false
		}
		return it, true
	}
	for g := range singles {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range perSingle {
				it, want := pick(g, i)
				ok, err := b.Verify(context.Background(), it)
				if err != nil || ok != want {
					t.Errorf("caller %d item %d: got %v %v, want %v", g, i, ok, err, want)
				}
				mu.Lock()
				seen++
				if want {
					wantValid++
				}
				mu.Unlock()
			}
		}()
	}
	for g := range alls {
		wg.Add(1)
		go func() {
			defer wg.Done()
			items := make([]Item, perAll)
			want := make([]bool, perAll)
			for i := range items {
				items[i], want[i] = pick(100+g, i)
			}
			ok, err := b.VerifyAll(context.Background(), items)
			if err != nil || !slices.Equal(ok, want) {
				t.Errorf("VerifyAll %d: got %v %v, want %v", g, ok, err, want)
			}
			mu.Lock()
			seen += perAll
			for _, w := range want {
				if w {
					wantValid++
				}
			}
			mu.Unlock()
		}()
	}
	wg.Wait()
	total := 0
	for _, n := range rec.batchSizes() {
		if n > 32 {
			t.Errorf("batch of %d > MaxBatch", n)
		}
		total += n
	}
	if total != seen || seen != singles*perSingle+alls*perAll {
		t.Errorf("backend saw %d items, callers %d", total, seen)
	}
	valid := metricValue(t, m.Verifications.WithLabelValues("valid"))
	invalid := metricValue(t, m.Verifications.WithLabelValues("invalid"))
	if int(valid) != wantValid || int(valid+invalid) != seen {
		t.Errorf("metrics: valid %v invalid %v, want %d of %d", valid, invalid, wantValid, seen)
	}
	if d := metricValue(t, m.QueueDepth); d != 0 {
		t.Errorf("queue depth %v after all calls returned", d)
	}
}

// fillPipeline gets a Batcher with MaxBatch = QueueLen = 4 over a gated
// primary into the state where both dispatchers hold a batch, the collector
// holds a third, and the queue is full. It returns the four pending calls.
func fillPipeline(t *testing.T, b *Batcher, g *gated, items []Item) []<-chan result {
	t.Helper()
	ctx := context.Background()
	var calls []<-chan result
	for i := range 3 {
		calls = append(calls, goVerifyAll(b, ctx, items[4*i:4*i+4]))
		wait.Until(t, "batch formed", 10*time.Second, func() bool { return b.batchesFormed() == i+1 })
	}
	<-g.entered
	<-g.entered
	calls = append(calls, goVerifyAll(b, ctx, items[12:16]))
	wait.Until(t, "queue full", 10*time.Second, func() bool { return b.queued() == 4 })
	return calls
}

func TestBatcherRejectWhenFull(t *testing.T) {
	g := newGated(t, false)
	b := newTestBatcher(t, g, nil, BatcherConfig{MaxBatch: 4, QueueLen: 4, RejectWhenFull: true}, nil)
	items := newSigner(t, 23).items(20)
	calls := fillPipeline(t, b, g, items)

	if _, err := b.Verify(context.Background(), items[16]); !errors.Is(err, ErrBusy) {
		t.Errorf("Verify on a full queue: %v, want ErrBusy", err)
	}
	if _, err := b.VerifyAll(context.Background(), items[16:18]); !errors.Is(err, ErrBusy) {
		t.Errorf("VerifyAll on a full queue: %v, want ErrBusy", err)
	}
	g.open()
	for i, c := range calls {
		if r := await(t, c); r.err != nil || !allTrue(r.ok, 4) {
			t.Errorf("call %d: %v %v", i, r.ok, r.err)
		}
	}
	// Once there is room, a call larger than the queue is admitted in parts.
	ok, err := b.VerifyAll(context.Background(), items[:10])
	if err != nil || !allTrue(ok, 10) {
		t.Errorf("VerifyAll larger than the queue: %v %v", ok, err)
	}
}

// TestBatcherCancel: a caller whose ctx ends while it waits for room, or
// for its verdict, returns ctx's error at once; the Batcher keeps working.
func TestBatcherCancel(t *testing.T) {
	g := newGated(t, false)
	b := newTestBatcher(t, g, nil, BatcherConfig{MaxBatch: 4, QueueLen: 4}, nil)
	items := newSigner(t, 24).items(20)
	calls := fillPipeline(t, b, g, items)

	ctx, cancel := context.WithCancel(context.Background())
	waiting := goVerify(b, ctx, items[16]) // blocks: no room
	waitingAll := goVerifyAll(b, ctx, items[17:20])
	cancel()
	for _, c := range []<-chan result{waiting, waitingAll} {
		if r := await(t, c); !errors.Is(r.err, context.Canceled) {
			t.Errorf("cancelled while queueing: %v, want context.Canceled", r.err)
		}
	}
	if ok, err := b.VerifyAll(context.Background(), nil); err != nil || len(ok) != 0 {
		t.Errorf("empty VerifyAll: %v %v", ok, err)
	}
	g.open()
	for i, c := range calls {
		if r := await(t, c); r.err != nil || !allTrue(r.ok, 4) {
			t.Errorf("call %d: %v %v", i, r.ok, r.err)
		}
	}

	// Cancel while the item is inside a batch the backend is holding.
	held := newGated(t, false)
	b2 := newTestBatcher(t, held, nil, BatcherConfig{MaxWait: 100 * time.Microsecond}, nil)
	ctx2, cancel2 := context.WithCancel(context.Background())
	inBatch := goVerify(b2, ctx2, items[0])
	<-held.entered
	cancel2()
	if r := await(t, inBatch); !errors.Is(r.err, context.Canceled) {
		t.Errorf("cancelled while verifying: %v, want context.Canceled", r.err)
	}
	if _, err := b2.Verify(ctx2, items[1]); !errors.Is(err, context.Canceled) {
		t.Errorf("already-cancelled ctx: %v", err)
	}
	held.open()
	if ok, err := b2.Verify(context.Background(), items[1]); err != nil || !ok {
		t.Errorf("after a cancelled caller: %v %v", ok, err)
	}
}

// TestBatcherCloseDrains: Close flushes what is queued without waiting for
// size or age; every pending caller gets its verdict, later calls ErrClosed.
func TestBatcherCloseDrains(t *testing.T) {
	rec := &recorder{Verifier: NewCPU(1)}
	b, err := NewBatcher(rec, nil, BatcherConfig{MaxBatch: 1000, MaxWait: time.Minute, QueueLen: 1000, HoldWhenIdle: true}, nil)
	if err != nil {
		t.Fatal(err)
	}
	items := newSigner(t, 25).items(10)
	var calls []<-chan result
	for _, it := range items {
		calls = append(calls, goVerify(b, context.Background(), it))
	}
	wait.Until(t, "10 queued", 10*time.Second, func() bool { return b.queued() == 10 })
	b.Close()
	for i, c := range calls {
		if r := await(t, c); r.err != nil || !r.ok[0] {
			t.Errorf("caller %d: %v %v", i, r.ok, r.err)
		}
	}
	if _, err := b.Verify(context.Background(), items[0]); !errors.Is(err, ErrClosed) {
		t.Errorf("Verify after Close: %v", err)
	}
	if _, err := b.VerifyAll(context.Background(), items); !errors.Is(err, ErrClosed) {
		t.Errorf("VerifyAll after Close: %v", err)
	}
	b.Close() // idempotent
}

// TestBatcherCloseStuckBackend: Close returns even when a backend never
// finishes, and the callers stuck behind it get ErrClosed.
func TestBatcherCloseStuckBackend(t *testing.T) {
	for _, ignoreCtx := range []bool{false, true} {
		g := newGated(t, ignoreCtx)
		b, err := NewBatcher(g, nil, BatcherConfig{MaxBatch: 2, QueueLen: 2}, nil)
		if err != nil {
			t.Fatal(err)
		}
		b.grace = 5 * time.Millisecond
		items := newSigner(t, 26).items(8)
		var calls []<-chan result
		for i := range 3 {
			calls = append(calls, goVerifyAll(b, context.Background(), items[2*i:2*i+2]))
			wait.Until(t, "batch formed", 10*time.Second, func() bool { return b.batchesFormed() == i+1 })
		}
		calls = append(calls, goVerifyAll(b, context.Background(), items[6:8]))
		wait.Until(t, "queue full", 10*time.Second, func() bool { return b.queued() == 2 })
		b.Close()
		for i, c := range calls {
			if r := await(t, c); !errors.Is(r.err, ErrClosed) {
				t.Errorf("ignoreCtx %v, call %d: %v, want ErrClosed", ignoreCtx, i, r.err)
			}
		}
	}
}

// TestBatcherFallback: every way the primary can fail sends the batch to
// the fallback, counted; without a fallback the caller gets the error.
func TestBatcherFallback(t *testing.T) {
	s := newSigner(t, 27)
	good := s.item(3)
	bad := Item{PubKey: good.PubKey, Msg: good.Msg, Sig: flipBit(good.Sig, 300)}
	for _, mode := range []string{"error", "short", "panic"} {
		t.Run(mode, func(t *testing.T) {
			m := NewMetrics(prometheus.NewRegistry())
			b := newTestBatcher(t, broken{mode}, NewCPU(1), BatcherConfig{}, m)
			ok, err := b.VerifyAll(context.Background(), []Item{good, bad, good})
			if err != nil || !slices.Equal(ok, []bool{true, false, true}) {
				t.Fatalf("with fallback: %v %v", ok, err)
			}
			if v, err := b.Verify(context.Background(), bad); err != nil || v {
				t.Fatalf("with fallback: %v %v", v, err)
			}
			if n := metricValue(t, m.Fallbacks); n != 2 {
				t.Errorf("fallbacks_total = %v, want 2", n)
			}
			if n := metricValue(t, m.BackendInfo.WithLabelValues("broken-"+mode)); n != 1 {
				t.Errorf("backend_info = %v", n)
			}

			for _, fb := range []Verifier{nil, broken{mode}} {
				b2 := newTestBatcher(t, broken{mode}, fb, BatcherConfig{}, nil)
				_, err = b2.Verify(context.Background(), good)
				var be *BackendError
				if !errors.Is(err, ErrBackend) || !errors.As(err, &be) || be.Backend != "broken-"+mode {
					t.Errorf("fallback %v: %v, want a *BackendError", fb, err)
				}
				if mode == "error" && !errors.Is(err, errDeviceLost) {
					t.Errorf("cause lost: %v", err)
				}
			}
		})
	}
}

// TestBatcherMinPrimaryBatch: small batches go to the fallback by routing,
// not as a fallback after failure.
func TestBatcherMinPrimaryBatch(t *testing.T) {
	primary, fallback := &recorder{Verifier: NewCPU(1)}, &recorder{Verifier: NewCPU(1)}
	m := NopMetrics()
	b := newTestBatcher(t, primary, fallback, BatcherConfig{MaxBatch: 8, MaxWait: time.Millisecond, MinPrimaryBatch: 4}, m)
	items := newSigner(t, 28).items(8)
	if ok, err := b.Verify(context.Background(), items[0]); err != nil || !ok {
		t.Fatal(ok, err)
	}
	if ok, err := b.VerifyAll(context.Background(), items); err != nil || !allTrue(ok, 8) {
		t.Fatal(ok, err)
	}
	if p, f := primary.batchSizes(), fallback.batchSizes(); !slices.Equal(p, []int{8}) || !slices.Equal(f, []int{1}) {
		t.Errorf("primary %v fallback %v, want [8] and [1]", p, f)
	}
	if n := metricValue(t, m.Fallbacks); n != 0 {
		t.Errorf("fallbacks_total = %v, want 0", n)
	}
}
