package mempool

// Counter is the part of a Prometheus counter the pool uses.
type Counter interface{ Add(float64) }

// Metrics are the pool's instruments; the observability package registers
// real ones, tests use NopMetrics. Size and bytes are read with Len and
// Bytes. Nothing in the pool reads a metric back.
type Metrics struct {
	Admitted Counter // txs added (replacements included)
	Replaced Counter // pending txs displaced by a higher-fee tx with the same nonce
	Evicted  Counter // txs dropped to make room for a higher-fee tx
	Rejected Counter // Add calls that returned an error
	Removed  Counter // txs removed by Update (committed, stale or failed)
}

type nopCounter struct{}

func (nopCounter) Add(float64) {}

// NopMetrics returns instruments that record nothing.
func NopMetrics() *Metrics {
	n := nopCounter{}
	return &Metrics{Admitted: n, Replaced: n, Evicted: n, Rejected: n, Removed: n}
}
