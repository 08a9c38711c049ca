package gossip

import (
	"sync/atomic"
	"testing"
	"time"

	"aitbc/engine"
	"aitbc/engine/types"
)

// benchTxBytes is the encoded size of each tx in the batch benchmark, and
// benchBatch the txs per TXS frame (about 20 KB).
const (
	benchTxBytes = 200
	benchBatch   = 100
)

type txCounter struct {
	recorder
	txs atomic.Int64
}

func (h *txCounter) HandleTxs(_ engine.PeerID, txs []*types.Tx) error {
	h.txs.Add(int64(len(txs)))
	return nil
}

// benchTxPool returns n distinct 200-byte txs. They are not signed: the
// transport decodes txs but leaves signatures to the node, so signing
// would only measure Ed25519. More txs than the dedup ring holds, so a
// cycled tx is new to the receiver again.
func benchTxPool(n int) []*types.Tx {
	txs := make([]*types.Tx, n)
	payload := make([]byte, benchTxBytes-(&types.Tx{ChainID: testChainID}).Size())
	for i := range txs {
		txs[i] = &types.Tx{ChainID: testChainID, Type: types.TxTransfer, Nonce: uint64(i + 1),
			Recipient: types.Address{1}, Amount: 1, Fee: 1, Payload: payload}
		txs[i].Sig[0] = 1
	}
	return txs
}

// BenchmarkLoopbackTxBatches sends batches of 100 distinct 200-byte txs
// from one transport to another over loopback and reports the tx bytes
// delivered per second (MB/s) and txs/s. The sender keeps at most
// window batches in flight.
func BenchmarkLoopbackTxBatches(b *testing.B) {
	const window = 256
	pool := benchTxPool(2 * DefaultConfig().DedupEntries)
	h := &txCounter{}
	a, _ := loopbackPair(b, 4*window, h)
	b.SetBytes(benchBatch * benchTxBytes)
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	next := 0
	for i := 0; i < b.N; i++ {
		if next+benchBatch > len(pool) {
			next = 0
		}
		a.BroadcastTxs(pool[next : next+benchBatch])
		next += benchBatch
		for int64(i+1-window)*benchBatch > h.txs.Load() {
			time.Sleep(10 * time.Microsecond)
		}
	}
	for h.txs.Load() < int64(b.N)*benchBatch {
		time.Sleep(10 * time.Microsecond)
	}
	b.ReportMetric(float64(b.N*benchBatch)/time.Since(start).Seconds(), "txs/s")
}
