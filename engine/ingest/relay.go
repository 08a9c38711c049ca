package ingest

import (
	"time"

	"aitbc/engine"
	"aitbc/engine/metrics"
	"aitbc/engine/types"
)

// Relay batches admitted txs into Gossip.BroadcastTxs calls: a batch
// leaves when it holds engine.MaxGossipTxs txs, or one relay interval
// after the last batch left, or at once when a tx comes and the last
// batch left an interval ago or more. Batches leave at most once an
// interval (full ones aside) either way; sending the first tx after a
// quiet interval at once, rather than an interval after it came, saves a
// tx at a steady rate below one per interval the whole interval of wait
// it used to spend (a devnet node at 250 tx/s admits one every 4 ms, and
// each waited the 5 ms interval). Add never blocks; one goroutine runs Run.
type Relay struct {
	in       chan *types.Tx
	gossip   engine.Gossip
	clock    engine.Clock
	interval time.Duration
	m        *metrics.Metrics
}

// NewRelay queues up to queue txs between Add and Run.
func NewRelay(g engine.Gossip, clock engine.Clock, queue int, interval time.Duration, m *metrics.Metrics) *Relay {
	return &Relay{in: make(chan *types.Tx, queue), gossip: g, clock: clock, interval: interval, m: m}
}

// Add queues an admitted tx for the next batch; when the queue is full the
// tx is not relayed (peers still get it in its block).
func (r *Relay) Add(tx *types.Tx) {
	select {
	case r.in <- tx:
	default:
		r.m.PeerDrops.WithLabelValues("relay").Inc()
	}
}

// Run sends batches until stop is closed.
func (r *Relay) Run(stop <-chan struct{}) {
	batch := make([]*types.Tx, 0, engine.MaxGossipTxs)
	timer := r.clock.NewTimer(time.Hour)
	timer.Stop()
	defer timer.Stop()
	var last time.Time // when the last batch left; zero: none yet
	flush := func() {
		timer.Stop()
		if len(batch) == 0 {
			return
		}
		r.gossip.BroadcastTxs(batch)
		r.m.TxsRelayed.Add(float64(len(batch)))
		batch = make([]*types.Tx, 0, engine.MaxGossipTxs) // the transport may keep the old one
		last = r.clock.Now()
	}
	for {
		select {
		case <-stop:
			return
		case tx := <-r.in:
			batch = append(batch, tx)
			if len(batch) == engine.MaxGossipTxs {
				flush()
				continue
			}
			if len(batch) == 1 {
				wait := r.interval
				if !last.IsZero() {
					wait -= r.clock.Now().Sub(last)
				} else {
					wait = 0
				}
				if wait <= 0 {
					flush()
					continue
				}
				timer.Reset(wait)
			}
		case <-timer.C():
			flush()
		}
	}
}
