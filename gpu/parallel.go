package gpu

import (
	"context"
	"sync"
	"sync/atomic"
)

// forChunks splits items into at most workers×k chunks of at most maxChunk
// and runs each through a worker, in parallel. newWorker is called once per
// goroutine (for per-goroutine scratch); done releases it. A done ctx stops
// the work between chunks and returns ctx's cause.
func forChunks(ctx context.Context, items []Item, ok []bool, workers, maxChunk int,
	newWorker func() (verify func(items []Item, ok []bool), done func())) error {
	size := min((len(items)+workers-1)/workers, maxChunk)
	chunks := (len(items) + size - 1) / size
	workers = min(workers, chunks)

	var (
		next   atomic.Int64
		failed atomic.Bool
		wg     sync.WaitGroup
	)
	work := func() {
		verify, done := newWorker()
		defer done()
		for !failed.Load() {
			i := int(next.Add(1)) - 1
			if i >= chunks {
				return
			}
			if ctx.Err() != nil {
				failed.Store(true)
				return
			}
			lo := i * size
			hi := min(lo+size, len(items))
			verify(items[lo:hi], ok[lo:hi])
		}
	}
	wg.Add(workers - 1)
	for range workers - 1 {
		go func() { defer wg.Done(); work() }()
	}
	work()
	wg.Wait()
	if failed.Load() {
		return context.Cause(ctx)
	}
	return nil
}
