package blockstore

import (
	"testing"
	"time"
)

// BenchmarkCommit5000 commits blocks of 5000 signed transfers with their
// account updates to an on-disk store with SyncWrites, as a node does.
// Block building (signing) is outside the timer.
func BenchmarkCommit5000(b *testing.B) { benchCommit(b, 0) }

// BenchmarkCommit5000Claims is the same with every fourth tx a
// RECEIPT_CLAIM, whose job hash is written too.
func BenchmarkCommit5000Claims(b *testing.B) { benchCommit(b, 4) }

func benchCommit(b *testing.B, claimEvery int) {
	const txs = 5000
	s := openDir(b, b.TempDir())
	defer s.Close()
	g := newChainGen(2000, txs)
	g.claimEvery = claimEvery
	var spent time.Duration
	b.ResetTimer()
	for b.Loop() {
		b.StopTimer()
		cb := g.next()
		b.StartTimer()
		start := time.Now()
		if err := s.Commit(cb); err != nil {
			b.Fatal(err)
		}
		spent += time.Since(start)
	}
	b.StopTimer()
	per := spent.Seconds() / float64(g.height)
	b.ReportMetric(per*1e3, "ms/block")
	b.ReportMetric(txs/per, "txs/s")
}
