package index

import (
	"context"
	"testing"
	"time"

	"aitbc/engine"
)

// BenchmarkIndexBlocks indexes blocks of 5000 signed transfers (one block
// per IndexBlocks call, every 50th tx a receipt claim) into a SQLite file
// and into PostgreSQL (pgtest's server); rows are block + tx + account +
// receipt rows. Signing is outside the timer.
func BenchmarkIndexBlocks(b *testing.B) {
	for _, db := range testDBs {
		b.Run(db.name, func(b *testing.B) {
			const txs = 5000
			ix := openIndex(b, db.url(b))
			g := newChainGen(2000, txs)
			g.claimEvery = 50
			ctx := context.Background()
			var spent time.Duration
			rows := 0
			for b.Loop() {
				b.StopTimer()
				cb := g.next()
				b.StartTimer()
				start := time.Now()
				if err := ix.IndexBlocks(ctx, []*engine.CommittedBlock{cb}); err != nil {
					b.Fatal(err)
				}
				spent += time.Since(start)
				rows += 1 + len(cb.Block.Txs) + len(cb.Accounts) + txs/g.claimEvery
			}
			b.StopTimer()
			b.ReportMetric(float64(rows)/spent.Seconds(), "rows/s")
			b.ReportMetric(float64(g.height*txs)/spent.Seconds(), "txs/s")
			b.ReportMetric(spent.Seconds()*1e3/float64(g.height), "ms/block")
		})
	}
}

// BenchmarkBlockArgs is the Go side of IndexBlocks for one block of 300
// transfers among 64 keys (what a block carries at 1,000 tx/s and ~300 ms
// blocks): the row parameters, without the database.
func BenchmarkBlockArgs(b *testing.B) {
	ix := openIndex(b, "sqlite::memory:")
	g := newChainGen(64, 300)
	cb := g.next()
	b.ReportAllocs()
	for b.Loop() {
		if _, _, _, err := ix.appendBlockArgs(cb, newAddressText(), nil, nil, nil); err != nil {
			b.Fatal(err)
		}
	}
}
