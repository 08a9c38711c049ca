package wait

import (
	"testing"
	"time"
)

// pollInterval is how long Until sleeps between checks: short enough
// that a test waits little past the moment cond holds, long enough not to
// starve the goroutines it waits on when the race detector slows them.
const pollInterval = 5 * time.Millisecond

// Until polls cond every few milliseconds until it returns true, and
// calls t.Fatalf naming what if limit passes first. The limit only keeps a
// broken test from hanging; nothing asserts on elapsed time. cond runs on
// the caller's goroutine, so it may call t.Fatal itself.
func Until(t testing.TB, what string, limit time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", limit, what)
			return // for a TB whose Fatalf does not end the goroutine
		}
		time.Sleep(pollInterval)
	}
}
