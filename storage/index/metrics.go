package index

// Histogram, Counter and Gauge are the subset of the Prometheus client
// types the index uses; observability registers real ones.
type (
	Histogram interface{ Observe(float64) }
	Counter   interface{ Add(float64) }
	Gauge     interface{ Set(float64) }
)

// Metrics are the index's instruments.
type Metrics struct {
	// BatchSeconds: duration of one IndexBlocks transaction.
	BatchSeconds Histogram
	// Rows: block, tx and account rows written.
	Rows Counter
	// Height: LastIndexedHeight.
	Height Gauge
}

type nop struct{}

func (nop) Observe(float64) {}
func (nop) Add(float64)     {}
func (nop) Set(float64)     {}

// NopMetrics discards everything.
func NopMetrics() *Metrics { return &Metrics{BatchSeconds: nop{}, Rows: nop{}, Height: nop{}} }

func fillMetrics(m *Metrics) *Metrics {
	out := NopMetrics()
	if m == nil {
		return out
	}
	if m.BatchSeconds != nil {
		out.BatchSeconds = m.BatchSeconds
	}
	if m.Rows != nil {
		out.Rows = m.Rows
	}
	if m.Height != nil {
		out.Height = m.Height
	}
	return out
}

func (m *Metrics) markBatch(seconds float64, rows int, height uint64) {
	m.BatchSeconds.Observe(seconds)
	m.Rows.Add(float64(rows))
	m.Height.Set(float64(height))
}
