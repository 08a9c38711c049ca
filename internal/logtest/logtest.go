package logtest

import (
	"bytes"
	"log/slog"
	"sync"
	"testing"
)

// New returns a logger that writes records of level and above to t.Log,
// so they show with the failing test and nowhere else. Records logged
// after the test ended (a goroutine still winding down) are dropped
// instead of panicking the test binary.
func New(t testing.TB, level slog.Level) *slog.Logger {
	w := &writer{t: t}
	t.Cleanup(func() { w.mu.Lock(); w.done = true; w.mu.Unlock() })
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: level}))
}

type writer struct {
	t    testing.TB
	mu   sync.Mutex
	done bool
}

func (w *writer) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.done {
		w.t.Log(string(bytes.TrimRight(p, "\n")))
	}
	return len(p), nil
}
