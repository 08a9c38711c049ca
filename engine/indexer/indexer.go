package indexer

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"aitbc/engine"
	"aitbc/engine/metrics"
)

// Backoff bounds of the indexer's retries.
const (
	minBackoff = 250 * time.Millisecond
	maxBackoff = 30 * time.Second
	// DrainTimeout bounds how long Stop waits for the blocks already
	// committed to reach the index.
	DrainTimeout = 10 * time.Second
)

// Indexer writes committed blocks to the SQL index behind the commit path.
// It never blocks commits: blocks arrive on a bounded queue, and when the
// queue overflows (or the index was down, or the node restarted) it
// re-reads the missing heights from the block store and replays them
// (Replayer), so a re-read block yields the same CommittedBlock — accounts
// as of that height — as its live commit did. Writes are batched in one
// transaction and retried with backoff, so the index ends complete and
// without duplicates however often the database goes away.
type Indexer struct {
	idx    engine.Index
	replay *Replayer
	batch  int
	clock  engine.Clock
	log    *slog.Logger
	m      *metrics.Metrics

	q       chan *engine.CommittedBlock
	head    atomic.Uint64
	indexed atomic.Uint64
	wake    chan struct{}
	drain   chan struct{} // closed by Stop: finish what is committed, then return
	stop    sync.Once
	cancel  context.CancelFunc
	wg      sync.WaitGroup
}

// New returns an indexer writing to idx batches of up to batch blocks,
// with up to queue committed blocks waiting; replay re-reads the rest.
func New(idx engine.Index, replay *Replayer, batch, queue int, clock engine.Clock, log *slog.Logger, m *metrics.Metrics) *Indexer {
	return &Indexer{idx: idx, replay: replay, batch: batch, clock: clock, log: log, m: m,
		q: make(chan *engine.CommittedBlock, queue), wake: make(chan struct{}, 1), drain: make(chan struct{})}
}

// Start runs the indexer's goroutine; head is the committed head.
func (x *Indexer) Start(head uint64) {
	x.head.Store(head)
	ctx, cancel := context.WithCancel(context.Background())
	x.cancel = cancel
	x.wg.Add(1)
	go x.run(ctx)
}

// Stop lets the goroutine write what is committed already, for up to
// DrainTimeout (a clean restart then finds the index at the head and need
// not re-read anything), then ends it: a write still unfinished is
// abandoned, and the next start re-reads its blocks. With the database
// away it does not wait for it. Idempotent.
func (x *Indexer) Stop() {
	if x.cancel == nil {
		return
	}
	x.stop.Do(x.stopOnce)
}

func (x *Indexer) stopOnce() {
	close(x.drain)
	done := make(chan struct{})
	go func() { x.wg.Wait(); close(done) }()
	t := x.clock.NewTimer(DrainTimeout)
	defer t.Stop()
	select {
	case <-done:
	case <-t.C():
		x.log.Warn("index not drained before stop; the next start re-reads the rest", "indexed", x.indexed.Load(), "head", x.head.Load())
	}
	x.cancel()
	<-done
}

func (x *Indexer) draining() bool {
	select {
	case <-x.drain:
		return true
	default:
		return false
	}
}

// Indexed is the last height written to the index.
func (x *Indexer) Indexed() uint64 { return x.indexed.Load() }

// Enqueue hands a committed block over without blocking.
func (x *Indexer) Enqueue(cb *engine.CommittedBlock) {
	x.head.Store(cb.Block.Header.Height)
	select {
	case x.q <- cb:
	default: // full: the indexer will re-read this height
	}
	select {
	case x.wake <- struct{}{}:
	default:
	}
	x.m.IndexLag.Set(float64(x.head.Load() - x.indexed.Load()))
}

func (x *Indexer) run(ctx context.Context) {
	defer x.wg.Done()
	backoff := minBackoff
	last, err := x.lastIndexed(ctx)
	for err != nil {
		x.log.Warn("index unavailable; blocks keep committing", "err", err)
		if x.draining() || !x.sleep(ctx, backoff) {
			return
		}
		backoff = min(backoff*2, maxBackoff)
		last, err = x.lastIndexed(ctx)
	}
	x.indexed.Store(last)
	backoff = minBackoff
	var queued []*engine.CommittedBlock
	for {
		// Collect what is queued, then fill from the store up to the head.
		for more := true; more; {
			select {
			case cb := <-x.q:
				queued = append(queued, cb)
			default:
				more = false
			}
		}
		head := x.head.Load()
		if head <= last {
			queued = queued[:0]
			if x.draining() {
				return // everything committed is indexed
			}
			select {
			case <-ctx.Done():
				return
			case <-x.drain:
			case <-x.wake:
			case cb := <-x.q:
				queued = append(queued, cb)
			}
			continue
		}
		batch := x.next(last, head, queued)
		if len(batch) == 0 {
			if x.draining() || !x.sleep(ctx, backoff) {
				return
			}
			backoff = min(backoff*2, maxBackoff)
			continue
		}
		if err := x.idx.IndexBlocks(ctx, batch); err != nil {
			if ctx.Err() != nil {
				return
			}
			x.m.IndexErrors.Inc()
			x.log.Warn("index write failed; will retry", "from", batch[0].Block.Header.Height, "blocks", len(batch), "err", err)
			if x.draining() || !x.sleep(ctx, backoff) {
				return
			}
			backoff = min(backoff*2, maxBackoff)
			continue
		}
		backoff = minBackoff
		last = batch[len(batch)-1].Block.Header.Height
		x.indexed.Store(last)
		x.m.IndexLag.Set(float64(x.head.Load() - last))
		// Drop queued blocks now indexed.
		k := 0
		for _, cb := range queued {
			if cb.Block.Header.Height > last {
				queued[k] = cb
				k++
			}
		}
		queued = queued[:k]
	}
}

// next returns up to batch consecutive blocks starting at last+1, from the
// queue where it has them and replayed from the store otherwise.
func (x *Indexer) next(last, head uint64, queued []*engine.CommittedBlock) []*engine.CommittedBlock {
	byHeight := make(map[uint64]*engine.CommittedBlock, len(queued))
	for _, cb := range queued {
		byHeight[cb.Block.Header.Height] = cb
	}
	var out []*engine.CommittedBlock
	for h := last + 1; h <= head && len(out) < x.batch; h++ {
		if cb, ok := byHeight[h]; ok {
			x.replay.Follow(cb)
			out = append(out, cb)
			continue
		}
		cb, err := x.replay.At(h)
		if err != nil {
			x.log.Warn("index: re-read block from store", "height", h, "err", err)
			break
		}
		out = append(out, cb)
	}
	return out
}

func (x *Indexer) lastIndexed(ctx context.Context) (uint64, error) {
	c, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	return x.idx.LastIndexedHeight(c)
}

// sleep waits d on the Clock, or until ctx is done (false).
func (x *Indexer) sleep(ctx context.Context, d time.Duration) bool {
	t := x.clock.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C():
		return true
	}
}
