package gpu

import (
	"fmt"
	"sync"
	"time"
)

// batch is what one backend call verifies: items, and which calls' ranges
// they came from, in order.
type batch struct {
	items []Item
	parts []segment
}

func (b *Batcher) start() {
	var wg sync.WaitGroup
	wg.Add(1 + batchInflight)
	go func() { defer wg.Done(); b.collect() }()
	for range batchInflight {
		go func() {
			defer wg.Done()
			for bt := range b.batches {
				b.process(bt)
			}
		}()
	}
	go func() { wg.Wait(); close(b.finished) }()
}

// wake nudges the collector; a pending nudge is enough.
func (b *Batcher) wake() {
	select {
	case b.kick <- struct{}{}:
	default:
	}
}

// push appends s to the queue; b.mu is held.
func (b *Batcher) push(s segment) {
	wasEmpty := b.depth == 0
	b.queue = append(b.queue, s)
	b.depth += s.hi - s.lo
	b.m.setQueueDepth(b.depth)
	if wasEmpty || b.depth >= b.cfg.MaxBatch {
		b.wake()
	}
}

// freeRoom wakes submitters waiting for room; b.mu is held.
func (b *Batcher) freeRoom() {
	if b.room != nil {
		close(b.room)
		b.room = nil
	}
}

// collect forms batches until the Batcher is closed and the queue is empty.
func (b *Batcher) collect() {
	defer close(b.batches)
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	for {
		var (
			bt   *batch
			wait = time.Duration(-1)
		)
		b.mu.Lock()
		switch {
		case b.depth == 0 && b.closed:
			b.mu.Unlock()
			return
		case b.depth == 0:
		case b.depth >= b.cfg.MaxBatch || b.closed || !b.cfg.HoldWhenIdle && b.busy.Load() == 0:
			bt = b.take()
		default:
			if age := time.Since(b.queue[b.head].at); age >= b.cfg.MaxWait {
				bt = b.take()
			} else {
				wait = b.cfg.MaxWait - age
			}
		}
		b.mu.Unlock()

		if bt != nil {
			if len(bt.items) > 0 {
				b.busy.Add(1)
				b.dispatch(bt)
			}
			continue
		}
		if wait >= 0 {
			timer.Reset(wait)
		}
		select {
		case <-b.kick:
		case <-timer.C:
		}
		timer.Stop()
	}
}

// take removes up to MaxBatch items from the head of the queue, dropping
// runs whose caller has stopped waiting; b.mu is held.
func (b *Batcher) take() *batch {
	bt := &batch{items: make([]Item, 0, min(b.depth, b.cfg.MaxBatch))}
	for b.depth > 0 && len(bt.items) < b.cfg.MaxBatch {
		s := &b.queue[b.head]
		if s.c.canceled.Load() {
			b.depth -= s.hi - s.lo
			b.pop()
			continue
		}
		n := min(s.hi-s.lo, b.cfg.MaxBatch-len(bt.items))
		bt.parts = append(bt.parts, segment{c: s.c, lo: s.lo, hi: s.lo + n})
		bt.items = append(bt.items, s.c.items[s.lo:s.lo+n]...)
		s.lo += n
		b.depth -= n
		if s.lo == s.hi {
			b.pop()
		}
	}
	if len(bt.items) > 0 {
		b.formed++
	}
	b.m.setQueueDepth(b.depth)
	b.freeRoom()
	return bt
}

// pop drops the head segment, compacting the slice once half of it is dead.
func (b *Batcher) pop() {
	b.queue[b.head] = segment{}
	b.head++
	switch {
	case b.head == len(b.queue):
		b.queue, b.head = b.queue[:0], 0
	case b.head >= 64 && 2*b.head >= len(b.queue):
		n := copy(b.queue, b.queue[b.head:])
		clear(b.queue[n:])
		b.queue, b.head = b.queue[:n], 0
	}
}

// dispatch hands bt to a free dispatcher; once Close has cancelled the
// backends, what is left is answered with ErrClosed instead.
func (b *Batcher) dispatch(bt *batch) {
	select {
	case b.batches <- bt:
	case <-b.ctx.Done():
		b.deliver(bt, nil, ErrClosed)
		b.busy.Add(-1)
	}
}

// process verifies bt on the primary (or on the fallback for a batch under
// MinPrimaryBatch), re-runs it on the fallback if the primary fails, and
// delivers the verdicts.
func (b *Batcher) process(bt *batch) {
	start := time.Now()
	// Interface values are not compared: a Verifier's dynamic type need
	// not be comparable.
	onPrimary := b.fallback == nil || len(bt.items) >= b.cfg.MinPrimaryBatch
	v := b.primary
	if !onPrimary {
		v = b.fallback
	}
	ok, err := b.verifyOn(v, bt.items)
	if err != nil && onPrimary && b.fallback != nil {
		b.m.markFallback()
		ok, err = b.verifyOn(b.fallback, bt.items)
	}
	if err != nil && b.ctx.Err() != nil {
		err = ErrClosed
	}
	b.m.observeBatch(len(bt.items), time.Since(start))
	b.deliver(bt, ok, err)
	if b.busy.Add(-1) == 0 {
		b.wake() // idle again: what queued meanwhile goes now
	}
}

// verifyOn calls one backend, turning an error, a wrong-length answer or a
// panic (a cgo backend's bug) into a *BackendError so the batch can fall
// back instead of taking the node down.
func (b *Batcher) verifyOn(v Verifier, items []Item) (ok []bool, err error) {
	defer func() {
		if r := recover(); r != nil {
			ok, err = nil, &BackendError{Backend: v.Name(), Err: fmt.Errorf("panic: %v", r)}
		}
	}()
	ok, err = v.VerifyBatch(b.ctx, items)
	if err == nil && len(ok) != len(items) {
		err = fmt.Errorf("%d verdicts for %d items", len(ok), len(items))
	}
	if err != nil {
		return nil, &BackendError{Backend: v.Name(), Err: err}
	}
	return ok, nil
}

// deliver hands each call its verdicts, or err.
func (b *Batcher) deliver(bt *batch, ok []bool, err error) {
	if err == nil {
		b.m.countVerdicts(ok)
	}
	off := 0
	for _, p := range bt.parts {
		n := p.hi - p.lo
		var part []bool
		if err == nil {
			part = ok[off : off+n]
		}
		p.c.finish(p.lo, p.hi, part, err)
		off += n
	}
}
