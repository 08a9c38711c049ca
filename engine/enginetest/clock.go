package enginetest

import (
	"container/heap"
	"sync"
	"time"

	"aitbc/engine"
)

// SimClock is a simulated engine.Clock: time stands still until Advance
// or Set moves it, and timers and tickers fire (a non-blocking send on
// their one-slot channel, as the wall clock's do) as time passes their
// deadline, in deadline order. Safe for concurrent use.
type SimClock struct {
	mu     sync.Mutex
	now    time.Time
	timers timerHeap
	seq    uint64
}

var _ engine.Clock = (*SimClock)(nil)

// Epoch is where simulated clocks start by default: a fixed instant, so a
// run does not depend on the day it runs.
var Epoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// NewSimClock returns a clock standing at start.
func NewSimClock(start time.Time) *SimClock { return &SimClock{now: start} }

// Now is the simulated time.
func (c *SimClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves time forward by d, firing what falls due.
func (c *SimClock) Advance(d time.Duration) { c.Set(c.Now().Add(d)) }

// Set moves time to t (never backwards), firing what falls due.
func (c *SimClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if t.Before(c.now) {
		return
	}
	for len(c.timers) > 0 && !c.timers[0].when.After(t) {
		st := heap.Pop(&c.timers).(*simTimer)
		st.index = -1
		c.now = st.when
		select {
		case st.c <- st.when:
		default:
		}
		if st.period > 0 {
			st.when = st.when.Add(st.period)
			c.push(st)
		}
	}
	c.now = t
}

// NewTimer fires once, d from now.
func (c *SimClock) NewTimer(d time.Duration) engine.Timer {
	c.mu.Lock()
	defer c.mu.Unlock()
	st := &simTimer{clock: c, c: make(chan time.Time, 1), when: c.now.Add(d), index: -1}
	c.push(st)
	return st
}

// NewTicker fires every d.
func (c *SimClock) NewTicker(d time.Duration) engine.Ticker {
	if d <= 0 {
		panic("enginetest: non-positive ticker period") // as time.NewTicker
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	st := &simTimer{clock: c, c: make(chan time.Time, 1), when: c.now.Add(d), period: d, index: -1}
	c.push(st)
	return simTicker{st}
}

type simTicker struct{ t *simTimer }

func (t simTicker) C() <-chan time.Time { return t.t.c }
func (t simTicker) Stop()               { t.t.Stop() }

// push schedules st. Caller holds mu.
func (c *SimClock) push(st *simTimer) {
	c.seq++
	st.seq = c.seq
	heap.Push(&c.timers, st)
}

type simTimer struct {
	clock  *SimClock
	c      chan time.Time
	when   time.Time
	period time.Duration
	seq    uint64
	index  int // in the heap; -1 when not scheduled
}

func (t *simTimer) C() <-chan time.Time { return t.c }

func (t *simTimer) Stop() bool {
	t.clock.mu.Lock()
	defer t.clock.mu.Unlock()
	if t.index < 0 {
		return false
	}
	heap.Remove(&t.clock.timers, t.index)
	t.index = -1
	return true
}

func (t *simTimer) Reset(d time.Duration) {
	t.clock.mu.Lock()
	defer t.clock.mu.Unlock()
	if t.index >= 0 {
		heap.Remove(&t.clock.timers, t.index)
	}
	t.when = t.clock.now.Add(d)
	t.clock.push(t)
}

type timerHeap []*simTimer

func (h timerHeap) Len() int { return len(h) }
func (h timerHeap) Less(i, j int) bool {
	if !h[i].when.Equal(h[j].when) {
		return h[i].when.Before(h[j].when)
	}
	return h[i].seq < h[j].seq
}
func (h timerHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i]; h[i].index = i; h[j].index = j }
func (h *timerHeap) Push(x any)   { t := x.(*simTimer); t.index = len(*h); *h = append(*h, t) }
func (h *timerHeap) Pop() any {
	old := *h
	t := old[len(old)-1]
	*h = old[:len(old)-1]
	return t
}

// OffsetClock is a clock that runs off by a fixed offset from another (a
// node whose wall clock is wrong). Its timers are the base clock's.
type OffsetClock struct {
	Base   engine.Clock
	Offset time.Duration
}

func (c OffsetClock) Now() time.Time                          { return c.Base.Now().Add(c.Offset) }
func (c OffsetClock) NewTimer(d time.Duration) engine.Timer   { return c.Base.NewTimer(d) }
func (c OffsetClock) NewTicker(d time.Duration) engine.Ticker { return c.Base.NewTicker(d) }
