package engine

import (
	"bytes"
	"context"
	"log/slog"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"aitbc/engine/state"
	"aitbc/engine/types"
)

// indexer writes committed blocks to the SQL index behind the commit path.
// It never blocks commits: blocks arrive on a bounded queue, and when the
// queue overflows (or the index was down, or the node restarted) it reads
// the missing heights back from the block store. Writes are batched in one
// transaction and retried with backoff, so the index ends complete and
// without duplicates however often the database goes away.
type indexer struct {
	idx      Index
	store    BlockStore
	accounts func(*types.Block) []state.AccountUpdate
	batch    int
	log      *slog.Logger
	m        *Metrics

	q       chan *CommittedBlock
	head    atomic.Uint64
	indexed atomic.Uint64
	wake    chan struct{}
	cancel  context.CancelFunc
	wg      sync.WaitGroup
}

func newIndexer(idx Index, store BlockStore, cfg Config, accounts func(*types.Block) []state.AccountUpdate, log *slog.Logger, m *Metrics) *indexer {
	return &indexer{idx: idx, store: store, accounts: accounts, batch: cfg.IndexBatch, log: log, m: m,
		q: make(chan *CommittedBlock, cfg.IndexQueue), wake: make(chan struct{}, 1)}
}

func (x *indexer) start(head uint64) {
	x.head.Store(head)
	ctx, cancel := context.WithCancel(context.Background())
	x.cancel = cancel
	x.wg.Add(1)
	go x.run(ctx)
}

func (x *indexer) stop() {
	if x.cancel != nil {
		x.cancel()
		x.wg.Wait()
	}
}

// enqueue hands a committed block over without blocking.
func (x *indexer) enqueue(cb *CommittedBlock) {
	x.head.Store(cb.Block.Header.Height)
	select {
	case x.q <- cb:
	default: // full: the indexer will read this height from the store
	}
	select {
	case x.wake <- struct{}{}:
	default:
	}
	x.m.IndexLag.Set(float64(x.head.Load() - x.indexed.Load()))
}

func (x *indexer) run(ctx context.Context) {
	defer x.wg.Done()
	backoff := 250 * time.Millisecond
	last, err := x.lastIndexed(ctx)
	for err != nil {
		x.log.Warn("index unavailable; blocks keep committing", "err", err)
		if !sleepCtx(ctx, backoff) {
			return
		}
		backoff = min(backoff*2, 30*time.Second)
		last, err = x.lastIndexed(ctx)
	}
	x.indexed.Store(last)
	backoff = 250 * time.Millisecond
	var queued []*CommittedBlock
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
			select {
			case <-ctx.Done():
				return
			case <-x.wake:
			case cb := <-x.q:
				queued = append(queued, cb)
			}
			continue
		}
		batch := x.next(last, head, queued)
		if len(batch) == 0 {
			if !sleepCtx(ctx, backoff) {
				return
			}
			continue
		}
		if err := x.idx.IndexBlocks(ctx, batch); err != nil {
			if ctx.Err() != nil {
				return
			}
			x.m.IndexErrors.Inc()
			x.log.Warn("index write failed; will retry", "from", batch[0].Block.Header.Height, "blocks", len(batch), "err", err)
			if !sleepCtx(ctx, backoff) {
				return
			}
			backoff = min(backoff*2, 30*time.Second)
			continue
		}
		backoff = 250 * time.Millisecond
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
// queue where it has them and from the store otherwise.
func (x *indexer) next(last, head uint64, queued []*CommittedBlock) []*CommittedBlock {
	byHeight := make(map[uint64]*CommittedBlock, len(queued))
	for _, cb := range queued {
		byHeight[cb.Block.Header.Height] = cb
	}
	var out []*CommittedBlock
	for h := last + 1; h <= head && len(out) < x.batch; h++ {
		if cb, ok := byHeight[h]; ok {
			out = append(out, cb)
			continue
		}
		blk, err := x.store.Block(h)
		if err != nil {
			x.log.Warn("index: read block from store", "height", h, "err", err)
			break
		}
		cert, err := x.store.CommitCert(h)
		if err != nil {
			x.log.Warn("index: read commit from store", "height", h, "err", err)
			break
		}
		out = append(out, &CommittedBlock{Block: blk, Cert: cert, TxHashes: blk.TxHashes(), Accounts: x.accounts(blk)})
	}
	return out
}

func (x *indexer) lastIndexed(ctx context.Context) (uint64, error) {
	c, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	return x.idx.LastIndexedHeight(c)
}

func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

func sortUpdates(u []state.AccountUpdate) {
	sort.Slice(u, func(i, j int) bool { return bytes.Compare(u[i].Address[:], u[j].Address[:]) < 0 })
}
