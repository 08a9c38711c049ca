package wait

import (
	"fmt"
	"runtime"
	"testing"
	"time"
)

// fakeTB records Fatalf and ends the goroutine as testing.T does, so the
// timeout path can be checked without failing the real test.
type fakeTB struct {
	testing.TB
	fatal []string
}

func (f *fakeTB) Helper() {}

func (f *fakeTB) Fatalf(format string, args ...any) {
	f.fatal = append(f.fatal, fmt.Sprintf(format, args...))
	runtime.Goexit()
}

// run calls Until on its own goroutine (Fatalf ends it) and reports
// whether Until returned normally.
func run(f *fakeTB, limit time.Duration, cond func() bool) (returned bool) {
	done := make(chan bool)
	go func() {
		finished := false
		defer func() { done <- finished }()
		Until(f, "the flag", limit, cond)
		finished = true
	}()
	return <-done
}

func TestUntilWaitsForCondition(t *testing.T) {
	f := &fakeTB{TB: t}
	calls := 0
	returned := run(f, 10*time.Second, func() bool { calls++; return calls == 3 })
	if !returned || len(f.fatal) != 0 {
		t.Fatalf("returned %v, Fatalf %q; want a normal return", returned, f.fatal)
	}
	if calls != 3 {
		t.Errorf("cond called %d times, want 3 (stop at the first true)", calls)
	}
}

func TestUntilFailsAfterLimit(t *testing.T) {
	f := &fakeTB{TB: t}
	calls := 0
	returned := run(f, 20*time.Millisecond, func() bool { calls++; return false })
	if returned {
		t.Fatal("Until returned normally for a condition that never holds")
	}
	want := []string{"timed out after 20ms waiting for the flag"}
	if len(f.fatal) != 1 || f.fatal[0] != want[0] {
		t.Errorf("Fatalf %q, want %q", f.fatal, want)
	}
	if calls < 2 {
		t.Errorf("cond called %d times, want it polled until the limit", calls)
	}
}
