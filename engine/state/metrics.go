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
	ReceiptsClaimed Counter // RECEIPT_CLAIM txs a Batch applied
	ClaimedJobs     Gauge   // claimed job ids after each Commit
}

type nopCounter struct{}

func (nopCounter) Add(float64) {}

type nopGauge struct{}

func (nopGauge) Set(float64) {}

// NopMetrics returns instruments that record nothing.
func NopMetrics() *Metrics {
	return &Metrics{TxsApplied: nopCounter{}, TxsFailed: nopCounter{}, BucketsRehashed: nopCounter{}, Accounts: nopGauge{},
		ReceiptsClaimed: nopCounter{}, ClaimedJobs: nopGauge{}}
}

// fillMetrics returns m with its nil fields (or all, for a nil m) no-ops.
func fillMetrics(m *Metrics) *Metrics {
	out := NopMetrics()
	if m == nil {
		return out
	}
	for _, c := range []struct {
		dst *Counter
		src Counter
	}{{&out.TxsApplied, m.TxsApplied}, {&out.TxsFailed, m.TxsFailed}, {&out.BucketsRehashed, m.BucketsRehashed}, {&out.ReceiptsClaimed, m.ReceiptsClaimed}} {
		if c.src != nil {
			*c.dst = c.src
		}
	}
	if m.Accounts != nil {
		out.Accounts = m.Accounts
	}
	if m.ClaimedJobs != nil {
		out.ClaimedJobs = m.ClaimedJobs
	}
	return out
}
