package blockstore

// Histogram and Gauge are the subset of the Prometheus client types the
// store uses; observability registers real ones, tests and tools use NopMetrics.
type (
	Histogram interface{ Observe(float64) }
	Gauge     interface{ Set(float64) }
)

// Metrics are the store's instruments.
type Metrics struct {
	// CommitSeconds: time from Commit's call to a durable transaction.
	CommitSeconds Histogram
	// CommitBytes: encoded block size per commit.
	CommitBytes Histogram
	// Height: the committed head height.
	Height Gauge
}

type nop struct{}

func (nop) Observe(float64) {}
func (nop) Set(float64)     {}

// NopMetrics discards everything.
func NopMetrics() *Metrics {
	return &Metrics{CommitSeconds: nop{}, CommitBytes: nop{}, Height: nop{}}
}

func (m *Metrics) markCommit(seconds float64, bytes int, height uint64) {
	m.CommitSeconds.Observe(seconds)
	m.CommitBytes.Observe(float64(bytes))
	m.Height.Set(float64(height))
}
