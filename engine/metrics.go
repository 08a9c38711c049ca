package engine

import (
	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the pipeline's instruments; NopMetrics registers nothing.
type Metrics struct {
	HeadHeight        prometheus.Gauge
	ConsensusRound    prometheus.Gauge
	BlockInterval     prometheus.Histogram
	TxsCommitted      prometheus.Counter
	MempoolTxs        prometheus.Gauge
	MempoolBytes      prometheus.Gauge
	FinalityLatency   prometheus.Histogram
	CommitDuration    prometheus.Histogram
	IndexLag          prometheus.Gauge
	IndexErrors       prometheus.Counter
	TxsRejected       *prometheus.CounterVec
	ConsensusMessages prometheus.Counter
}

// NewMetrics creates the instruments and registers them on reg (nil: unregistered).
func NewMetrics(reg prometheus.Registerer) *Metrics {
	sub := func(s float64, n int) []float64 { return prometheus.ExponentialBuckets(s, 2, n) }
	m := &Metrics{
		HeadHeight:     prometheus.NewGauge(prometheus.GaugeOpts{Name: "aitbc_head_height", Help: "Height of the last committed block."}),
		ConsensusRound: prometheus.NewGauge(prometheus.GaugeOpts{Name: "aitbc_consensus_round", Help: "Consensus round of the height being decided."}),
		BlockInterval: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "aitbc_block_interval_seconds",
			Help: "Time between consecutive commits.", Buckets: sub(0.05, 10)}),
		TxsCommitted: prometheus.NewCounter(prometheus.CounterOpts{Name: "aitbc_txs_committed_total", Help: "Transactions committed in blocks."}),
		MempoolTxs:   prometheus.NewGauge(prometheus.GaugeOpts{Name: "aitbc_mempool_txs", Help: "Transactions waiting in the mempool."}),
		MempoolBytes: prometheus.NewGauge(prometheus.GaugeOpts{Name: "aitbc_mempool_bytes", Help: "Encoded bytes of the transactions in the mempool."}),
		FinalityLatency: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "aitbc_finality_latency_seconds",
			Help: "Time from mempool admission to commit of a transaction.", Buckets: sub(0.01, 12)}),
		CommitDuration: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "aitbc_storage_commit_duration_seconds",
			Help: "Time to write one block durably to the block store.", Buckets: sub(0.0005, 14)}),
		IndexLag:    prometheus.NewGauge(prometheus.GaugeOpts{Name: "aitbc_index_lag_blocks", Help: "Committed blocks not yet in the SQL index."}),
		IndexErrors: prometheus.NewCounter(prometheus.CounterOpts{Name: "aitbc_index_errors_total", Help: "Failed attempts to write the SQL index."}),
		TxsRejected: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "aitbc_txs_rejected_total",
			Help: "Transactions refused at admission, by reason."}, []string{"reason"}),
		ConsensusMessages: prometheus.NewCounter(prometheus.CounterOpts{Name: "aitbc_consensus_messages_dropped_total",
			Help: "Outbound consensus messages with no transport to carry them (single-node)."}),
	}
	if reg != nil {
		reg.MustRegister(m.HeadHeight, m.ConsensusRound, m.BlockInterval, m.TxsCommitted, m.MempoolTxs, m.MempoolBytes,
			m.FinalityLatency, m.CommitDuration, m.IndexLag, m.IndexErrors, m.TxsRejected, m.ConsensusMessages)
	}
	return m
}

// NopMetrics returns unregistered instruments.
func NopMetrics() *Metrics { return NewMetrics(nil) }
