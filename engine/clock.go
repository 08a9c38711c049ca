package engine

import "time"

// Clock is the engine's only source of time: block timestamps, admission
// times, block-sync and status pacing, the consensus ticker and every
// timer. Production wires WallClock; tests and the simulator wire a
// simulated clock (enginetest.SimClock), so a run can be replayed. This
// file is the only engine code that reads the wall clock.
type Clock interface {
	Now() time.Time
	// NewTimer fires once, d from now.
	NewTimer(d time.Duration) Timer
	// NewTicker fires every d (d > 0); a slow receiver misses ticks
	// rather than queueing them.
	NewTicker(d time.Duration) Ticker
}

// Timer is a one-shot timer from a Clock.
type Timer interface {
	C() <-chan time.Time
	// Stop prevents the timer from firing; it reports whether it did.
	Stop() bool
	// Reset re-arms the timer to fire d from now.
	Reset(d time.Duration)
}

// Ticker is a periodic timer from a Clock.
type Ticker interface {
	C() <-chan time.Time
	Stop()
}

// WallClock is the real clock.
type WallClock struct{}

func (WallClock) Now() time.Time { return time.Now() }

func (WallClock) NewTimer(d time.Duration) Timer { return wallTimer{time.NewTimer(d)} }

func (WallClock) NewTicker(d time.Duration) Ticker { return wallTicker{time.NewTicker(d)} }

type wallTimer struct{ t *time.Timer }

func (w wallTimer) C() <-chan time.Time   { return w.t.C }
func (w wallTimer) Stop() bool            { return w.t.Stop() }
func (w wallTimer) Reset(d time.Duration) { w.t.Reset(d) }

type wallTicker struct{ t *time.Ticker }

func (w wallTicker) C() <-chan time.Time { return w.t.C }
func (w wallTicker) Stop()               { w.t.Stop() }
