package gpu

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

const (
	// batchInflight is how many batches are verified at once: two lets the
	// next batch fill and start while the previous one is still running
	// (on the device, or on the CPU workers).
	batchInflight = 2
	// closeGrace is how long Close lets queued and in-flight batches finish
	// before cancelling them, and then how long it waits for a backend to
	// honour the cancellation before abandoning it.
	closeGrace = 5 * time.Second
)

// Batcher coalesces signature checks from many concurrent callers into
// batches for a Verifier. A batch is flushed when it reaches MaxBatch items,
// when its oldest item has waited MaxWait, or at once when no batch is being
// verified: an idle backend gains nothing from waiting. The batch size so
// adapts to load: one-item batches with no added latency when traffic is
// light, full batches while the backend is busy. If the
// primary verifier fails on a batch, the batch is re-run on the fallback.
type Batcher struct {
	primary, fallback Verifier
	cfg               BatcherConfig
	m                 *Metrics
	grace             time.Duration

	ctx    context.Context // passed to backends; cancelled by Close
	cancel context.CancelFunc

	mu     sync.Mutex
	queue  []segment // FIFO, live from head
	head   int
	depth  int           // items in queue[head:]
	room   chan struct{} // closed when items leave the queue; nil if nobody waits
	closed bool
	formed int // batches taken from the queue so far (tests wait on it)

	busy atomic.Int32 // batches handed to dispatchers and not yet answered

	kick      chan struct{} // wakes the collector (capacity 1)
	batches   chan *batch   // collector -> dispatchers
	finished  chan struct{} // closed once collector and dispatchers have exited
	abandoned chan struct{} // closed if Close gives up on a stuck backend
	closeOnce sync.Once
}

// call is one Verify or VerifyAll: its items, where their verdicts go, and
// how many are still undecided.
type call struct {
	items    []Item
	ok       []bool
	pending  atomic.Int64
	done     chan struct{} // closed when pending reaches 0
	errOnce  sync.Once
	err      error       // set before done is closed
	canceled atomic.Bool // the caller stopped waiting; skip what is still queued

	one   [1]Item // backing arrays for Verify, saving two allocations
	oneOK [1]bool
}

// segment is a run of one call's items waiting in the queue.
type segment struct {
	c      *call
	lo, hi int
	at     time.Time // when the run was queued; the head's age triggers a flush
}

// NewBatcher starts a Batcher over primary. fallback receives batches the
// primary failed on, and batches smaller than cfg.MinPrimaryBatch; it may
// be nil (no fallback) or equal to primary (retry once). m may be nil.
func NewBatcher(primary, fallback Verifier, cfg BatcherConfig, m *Metrics) (*Batcher, error) {
	if primary == nil {
		return nil, &ConfigError{Field: "primary", Reason: "nil Verifier"}
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if m == nil {
		m = NopMetrics()
	}
	b := &Batcher{
		primary:   primary,
		fallback:  fallback,
		cfg:       cfg.withDefaults(),
		m:         m,
		grace:     closeGrace,
		kick:      make(chan struct{}, 1),
		batches:   make(chan *batch),
		finished:  make(chan struct{}),
		abandoned: make(chan struct{}),
	}
	b.ctx, b.cancel = context.WithCancel(context.Background())
	m.markBackend(primary.Name())
	m.setQueueDepth(0)
	b.start()
	return b, nil
}

// Backend is the primary verifier's name.
func (b *Batcher) Backend() string { return b.primary.Name() }

// Verify queues one check and waits for its verdict. It returns ErrBusy
// (queue full, RejectWhenFull), ErrClosed, ctx's error, or a *BackendError
// when no verifier could decide the batch.
func (b *Batcher) Verify(ctx context.Context, it Item) (bool, error) {
	c := &call{done: make(chan struct{})}
	c.one[0] = it
	c.items, c.ok = c.one[:], c.oneOK[:]
	if err := b.submit(ctx, c); err != nil {
		return false, err
	}
	if err := b.wait(ctx, c); err != nil {
		return false, err
	}
	return c.ok[0], nil
}

// VerifyAll queues many checks (a block's txs) and waits for all verdicts;
// ok[i] is the verdict for items[i]. The items share batches with other
// callers. Under RejectWhenFull the call is rejected with ErrBusy unless
// its first min(len(items), QueueLen) items fit at once; once admitted, the
// rest of a call larger than the queue waits for room.
func (b *Batcher) VerifyAll(ctx context.Context, items []Item) ([]bool, error) {
	c := &call{
		items: append([]Item(nil), items...), // the caller may reuse its slice after ctx ends
		ok:    make([]bool, len(items)),
		done:  make(chan struct{}),
	}
	if len(items) == 0 {
		return c.ok, nil
	}
	if err := b.submit(ctx, c); err != nil {
		return nil, err
	}
	if err := b.wait(ctx, c); err != nil {
		return nil, err
	}
	return c.ok, nil
}

// Close stops accepting checks and drains: queued and in-flight checks get
// their verdict, or ErrClosed if a backend does not finish within the grace
// period. Close never hangs; it is safe to call more than once.
func (b *Batcher) Close() {
	b.closeOnce.Do(func() {
		b.mu.Lock()
		b.closed = true
		b.freeRoom() // waiting submitters see closed
		b.mu.Unlock()
		b.wake()

		t := time.NewTimer(b.grace)
		defer t.Stop()
		select {
		case <-b.finished:
			b.cancel()
			return
		case <-t.C:
		}
		b.cancel()
		t.Reset(b.grace)
		select {
		case <-b.finished:
		case <-t.C:
			close(b.abandoned)
		}
	})
}

// submit puts c's items in the queue, waiting for room unless
// RejectWhenFull.
func (b *Batcher) submit(ctx context.Context, c *call) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	n := len(c.items)
	c.pending.Store(int64(n))
	admitted := 0
	b.mu.Lock()
	for admitted < n {
		if b.closed {
			b.mu.Unlock()
			c.canceled.Store(true)
			return ErrClosed
		}
		room := b.cfg.QueueLen - b.depth
		if admitted == 0 && b.cfg.RejectWhenFull && min(n, b.cfg.QueueLen) > room {
			b.mu.Unlock()
			return ErrBusy
		}
		if room > 0 {
			k := min(n-admitted, room)
			b.push(segment{c: c, lo: admitted, hi: admitted + k, at: time.Now()})
			admitted += k
			continue
		}
		if b.room == nil {
			b.room = make(chan struct{})
		}
		ch := b.room
		b.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			c.canceled.Store(true)
			return ctx.Err()
		}
		b.mu.Lock()
	}
	b.mu.Unlock()
	return nil
}

// wait blocks until c is decided, ctx ends, or Close abandons a backend.
// A verdict that is ready wins over a simultaneous ctx end.
func (b *Batcher) wait(ctx context.Context, c *call) error {
	select {
	case <-c.done:
		return c.err
	case <-ctx.Done():
	case <-b.abandoned:
	}
	select {
	case <-c.done:
		return c.err
	default:
	}
	c.canceled.Store(true)
	if err := ctx.Err(); err != nil {
		return err
	}
	return ErrClosed
}

// finish records verdicts (or err) for c.items[lo:hi].
func (c *call) finish(lo, hi int, ok []bool, err error) {
	if err != nil {
		c.errOnce.Do(func() { c.err = err })
	} else {
		copy(c.ok[lo:hi], ok)
	}
	if c.pending.Add(-int64(hi-lo)) == 0 {
		close(c.done)
	}
}
