package gpu

import (
	"aitbc/observability"

	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the sigverify metrics. Fields are exported so the
// observability package and tests can read them; the Batcher updates them
// only through the helpers below.
type Metrics struct {
	// BatchSize: items per backend call.
	BatchSize prometheus.Histogram
	// BatchDuration: seconds per batch, fallback included.
	BatchDuration prometheus.Histogram
	// Verifications: verdicts delivered, by result="valid|invalid".
	Verifications *prometheus.CounterVec
	// Fallbacks: batches re-run on the fallback after a primary error.
	Fallbacks prometheus.Counter
	// QueueDepth: items queued and not yet in a batch.
	QueueDepth prometheus.Gauge
	// BackendInfo: 1 for the primary backend's name.
	BackendInfo *prometheus.GaugeVec
}

// NewMetrics creates the metrics and registers them with reg (none if reg
// is nil). A collector already registered under the same name (a second
// Batcher) is shared instead of panicking.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := newMetrics()
	if reg != nil {
		observability.RegisterFields(reg, m)
	}
	return m
}

// NopMetrics returns metrics that are registered nowhere.
func NopMetrics() *Metrics { return newMetrics() }

func newMetrics() *Metrics {
	const ns, sub = "aitbc", "sigverify"
	return &Metrics{
		BatchSize: prometheus.NewHistogram(prometheus.HistogramOpts{
			Namespace: ns, Subsystem: sub, Name: "batch_size",
			Help:    "Signatures per backend verification call.",
			Buckets: prometheus.ExponentialBuckets(1, 2, 14), // 1 .. 8192
		}),
		BatchDuration: prometheus.NewHistogram(prometheus.HistogramOpts{
			Namespace: ns, Subsystem: sub, Name: "batch_duration_seconds",
			Help:    "Time to verify one batch, fallback included.",
			Buckets: prometheus.ExponentialBuckets(50e-6, 2, 16), // 50µs .. 1.6s
		}),
		Verifications: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: ns, Subsystem: sub, Name: "verifications_total",
			Help: "Signature verdicts delivered, by result.",
		}, []string{"result"}),
		Fallbacks: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: ns, Subsystem: sub, Name: "fallbacks_total",
			Help: "Batches re-run on the fallback verifier after the primary failed.",
		}),
		QueueDepth: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: ns, Subsystem: sub, Name: "queue_depth",
			Help: "Signatures queued and not yet in a batch.",
		}),
		BackendInfo: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Namespace: ns, Subsystem: sub, Name: "backend_info",
			Help: "Primary signature verification backend (value is always 1).",
		}, []string{"backend"}),
	}
}

func (m *Metrics) markBackend(name string) { m.BackendInfo.WithLabelValues(name).Set(1) }

func (m *Metrics) markFallback() { m.Fallbacks.Inc() }

func (m *Metrics) setQueueDepth(n int) { m.QueueDepth.Set(float64(n)) }

func (m *Metrics) observeBatch(n int, d time.Duration) {
	m.BatchSize.Observe(float64(n))
	m.BatchDuration.Observe(d.Seconds())
}

func (m *Metrics) countVerdicts(ok []bool) {
	valid := 0
	for _, v := range ok {
		if v {
			valid++
		}
	}
	if valid > 0 {
		m.Verifications.WithLabelValues("valid").Add(float64(valid))
	}
	if invalid := len(ok) - valid; invalid > 0 {
		m.Verifications.WithLabelValues("invalid").Add(float64(invalid))
	}
}
