package bench

import (
	"slices"
	"sync"
	"time"

	"aitbc/internal/quantile"
)

// Percentile sorts d in place and returns its p-th percentile (the
// nearest-rank rule of internal/quantile).
func Percentile(d []time.Duration, p int) time.Duration {
	slices.Sort(d)
	return quantile.Nearest(d, p)
}

// MaxSamples bounds the distinct error messages a report keeps.
const MaxSamples = 8

// Samples keeps the first MaxSamples distinct error messages of a run;
// the zero value is ready and safe for concurrent use.
type Samples struct {
	mu   sync.Mutex
	msgs []string
}

// Add records msg unless it is already kept or MaxSamples are.
func (s *Samples) Add(msg string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.msgs) < MaxSamples && !slices.Contains(s.msgs, msg) {
		s.msgs = append(s.msgs, msg)
	}
}

// List is a copy of the messages kept, in the order they came.
func (s *Samples) List() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.msgs)
}
