package state

// Counter is the part of a Prometheus counter the ledger uses.
type Counter interface{ Add(float64) }

// Gauge is the part of a Prometheus gauge the ledger uses.
type Gauge interface{ Set(float64) }

// Metrics are the ledger's instruments; the observability package
// registers real ones, tests and tools use NopMetrics. The values only
// report: nothing in the ledger reads them back.
type Metrics struct {
	TxsApplied      Counter // txs a Batch applied
	TxsFailed       Counter // txs a Batch rejected (no effect on state)
	BucketsRehashed Counter // state-root buckets recomputed by Batch.Root
	Accounts        Gauge   // non-empty accounts after each Commit
}

type nopCounter struct{}

func (nopCounter) Add(float64) {}

type nopGauge struct{}

func (nopGauge) Set(float64) {}

// NopMetrics returns instruments that record nothing.
func NopMetrics() *Metrics {
	return &Metrics{TxsApplied: nopCounter{}, TxsFailed: nopCounter{}, BucketsRehashed: nopCounter{}, Accounts: nopGauge{}}
}
