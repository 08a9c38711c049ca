package observability

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// NodeGauges are the node's configured targets and capacities, and a view of
// its head, exported so that alert rules can compare what a node does with
// what it was configured to do (observability/prometheus/alerts.yml)
// instead of hard-coding one network's BLOCK_TIME or mempool size.
type NodeGauges struct {
	BlockTime       time.Duration // BLOCK_TIME: the longest interval between blocks
	MempoolMaxTxs   int           // MEMPOOL_MAX_TXS
	MempoolMaxBytes int           // MEMPOOL_MAX_BYTES
	// HeadTime returns the header time of the last committed block (zero
	// before the first); read at scrape time.
	HeadTime func() time.Time
	// Validators returns the size of the current validator set.
	Validators func() int
}

// RegisterNodeGauges registers on reg:
//
//	aitbc_block_time_target_seconds   BLOCK_TIME
//	aitbc_mempool_capacity_txs        MEMPOOL_MAX_TXS
//	aitbc_mempool_capacity_bytes      MEMPOOL_MAX_BYTES
//	aitbc_head_time_seconds           header time of the head block, Unix seconds
//	aitbc_validator_set_size          validators in the current set
//
// It panics if they are already registered there (a wiring bug).
func RegisterNodeGauges(reg prometheus.Registerer, g NodeGauges) {
	constant := func(name, help string, v float64) prometheus.Collector {
		return prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: name, Help: help}, func() float64 { return v })
	}
	reg.MustRegister(
		constant("aitbc_block_time_target_seconds", "Configured BLOCK_TIME: the longest intended interval between blocks.", g.BlockTime.Seconds()),
		constant("aitbc_mempool_capacity_txs", "Configured mempool capacity in transactions (MEMPOOL_MAX_TXS).", float64(g.MempoolMaxTxs)),
		constant("aitbc_mempool_capacity_bytes", "Configured mempool capacity in bytes (MEMPOOL_MAX_BYTES).", float64(g.MempoolMaxBytes)),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "aitbc_head_time_seconds",
			Help: "Header time of the last committed block, Unix seconds (0 before the first block).",
		}, func() float64 {
			t := g.HeadTime()
			if t.IsZero() {
				return 0
			}
			return float64(t.UnixMilli()) / 1e3
		}),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "aitbc_validator_set_size",
			Help: "Validators in the current set.",
		}, func() float64 { return float64(g.Validators()) }),
	)
}
