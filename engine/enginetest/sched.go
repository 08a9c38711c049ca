package enginetest

import (
	"container/heap"
	"time"
)

// Sched is a discrete-event scheduler over a SimClock: events run one at a
// time on the caller's goroutine, in (time, insertion) order, and the
// clock is set to each event's time before it runs. Everything a
// simulation does is an event, so a run is a function of its inputs.
type Sched struct {
	clock *SimClock
	q     eventHeap
	seq   uint64
}

// NewSched returns a scheduler whose clock stands at start.
func NewSched(start time.Time) *Sched { return &Sched{clock: NewSimClock(start)} }

// Clock is the scheduler's clock.
func (s *Sched) Clock() *SimClock { return s.clock }

// Now is the current simulated time.
func (s *Sched) Now() time.Time { return s.clock.Now() }

// At schedules fn at t (at once if t is past).
func (s *Sched) At(t time.Time, fn func()) {
	s.seq++
	heap.Push(&s.q, &event{at: t, seq: s.seq, fn: fn})
}

// After schedules fn d from now.
func (s *Sched) After(d time.Duration, fn func()) { s.At(s.Now().Add(d), fn) }

// Every schedules fn every d, starting d from now, until fn returns false.
func (s *Sched) Every(d time.Duration, fn func() bool) {
	var tick func()
	tick = func() {
		if fn() {
			s.After(d, tick)
		}
	}
	s.After(d, tick)
}

// Pending is the number of scheduled events.
func (s *Sched) Pending() int { return len(s.q) }

// RunUntil runs events until the next one is after end or done returns
// true (checked after each event); the clock then stands at end, or at
// the last event run when done stopped it. It returns the events run.
func (s *Sched) RunUntil(end time.Time, done func() bool) int {
	n := 0
	for len(s.q) > 0 && !s.q[0].at.After(end) {
		ev := heap.Pop(&s.q).(*event)
		s.clock.Set(ev.at)
		ev.fn()
		n++
		if done != nil && done() {
			return n
		}
	}
	s.clock.Set(end)
	return n
}

type event struct {
	at  time.Time
	seq uint64
	fn  func()
}

type eventHeap []*event

func (h eventHeap) Len() int { return len(h) }
func (h eventHeap) Less(i, j int) bool {
	if !h[i].at.Equal(h[j].at) {
		return h[i].at.Before(h[j].at)
	}
	return h[i].seq < h[j].seq
}
func (h eventHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *eventHeap) Push(x any)   { *h = append(*h, x.(*event)) }
func (h *eventHeap) Pop() any {
	old := *h
	e := old[len(old)-1]
	*h = old[:len(old)-1]
	return e
}
