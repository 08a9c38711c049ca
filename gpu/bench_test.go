package gpu

import (
	"context"
	"crypto/ed25519"
	"runtime"
	"strconv"
	"sync"
	"testing"

	"github.com/hdevalence/ed25519consensus"
)

// One-core comparison of the stdlib (cofactorless, no batching), the
// ZIP-215 single check and the batch backend with one worker. Compare
// verifies/s; e.g. go test ./gpu -run '^$' -bench . -benchtime 300ms -cpu 1

var (
	benchOnce  sync.Once
	benchItems []Item
)

func benchCorpus(b *testing.B) []Item {
	benchOnce.Do(func() {
		s := newSigner(b, 50)
		benchItems = make([]Item, 4096)
		for i := range benchItems {
			benchItems[i] = s.item(128) // about a transfer's sign bytes
		}
	})
	return benchItems
}

func reportRate(b *testing.B, perOp int) {
	b.ReportMetric(float64(perOp)*float64(b.N)/b.Elapsed().Seconds(), "verifies/s")
}

func BenchmarkStdlibVerify(b *testing.B) {
	items := benchCorpus(b)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		it := items[i%len(items)]
		if !ed25519.Verify(it.PubKey, it.Msg, it.Sig) {
			b.Fatal("invalid")
		}
	}
	reportRate(b, 1)
}

func BenchmarkCPUSingle(b *testing.B) {
	items := benchCorpus(b)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		it := items[i%len(items)]
		if !Verify(it.PubKey, it.Msg, it.Sig) {
			b.Fatal("invalid")
		}
	}
	reportRate(b, 1)
}

func BenchmarkCPUBatch(b *testing.B) {
	items := benchCorpus(b)
	benchBatches(b, NewCPU(1), items, 4, 16, 64, 256, 1024, 4096)
}

// benchBatches runs v on batches of the first n items for each size (the
// last item must be valid) and reports verifies/s.
func benchBatches(b *testing.B, v Verifier, items []Item, sizes ...int) {
	for _, n := range sizes {
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				ok, err := v.VerifyBatch(context.Background(), items[:n])
				if err != nil || len(ok) != n || !ok[n-1] {
					b.Fatal(err)
				}
			}
			reportRate(b, n)
		})
	}
}

// BenchmarkCPUBatchAllCores: the CPU backend with a worker per core, at
// the batch sizes BenchmarkCUDABatch uses, for a side-by-side with the
// device on the same host: go test -tags cuda ./gpu -bench 'CUDABatch|CPUBatchAllCores'
func BenchmarkCPUBatchAllCores(b *testing.B) {
	items := benchCorpus(b)
	for len(items) < 16384 {
		items = append(items, items...)
	}
	benchBatches(b, NewCPU(0), items, 256, 1024, 4096, 16384)
}

// BenchmarkCPUBatchKeys compares one worker's batches of signatures by 50
// senders without and with the expanded-key cache, side by side in one
// run: go test ./gpu -run '^$' -bench CPUBatchKeys -cpu 1
func BenchmarkCPUBatchKeys(b *testing.B) {
	items := benchCorpus(b)
	for _, n := range []int{1, 64, 1024} {
		for _, cached := range []bool{false, true} {
			v := &cpuVerifier{workers: 1}
			name := "decode"
			if cached {
				v.keys, name = newKeyCache(), "cached"
			}
			b.Run(strconv.Itoa(n)+"/"+name, func(b *testing.B) {
				for i := 0; i < b.N; i++ {
					ok, err := v.VerifyBatch(context.Background(), items[:n])
					if err != nil || len(ok) != n || !ok[n-1] {
						b.Fatal(err)
					}
				}
				reportRate(b, n)
			})
		}
	}
}

// BenchmarkReferenceSingle and BenchmarkReferenceBatch measure
// ed25519consensus, the alternative library, for the choice in doc.go.
func BenchmarkReferenceSingle(b *testing.B) {
	items := benchCorpus(b)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		it := items[i%len(items)]
		if !ed25519consensus.Verify(it.PubKey, it.Msg, it.Sig) {
			b.Fatal("invalid")
		}
	}
	reportRate(b, 1)
}

func BenchmarkReferenceBatch(b *testing.B) {
	items := benchCorpus(b)
	for _, n := range []int{256, 1024} {
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				bv := ed25519consensus.NewPreallocatedBatchVerifier(n)
				for _, it := range items[:n] {
					bv.Add(it.PubKey, it.Msg, it.Sig)
				}
				if !bv.Verify() {
					b.Fatal("batch rejected")
				}
			}
			reportRate(b, n)
		})
	}
}

// BenchmarkBatcherVerify: enough goroutines, each verifying one signature
// at a time, to keep full batches in flight through a Batcher over the CPU
// backend (all cores). With fewer callers than MaxBatch every batch waits
// out MaxWait, which is the latency/throughput trade the config sets.
func BenchmarkBatcherVerify(b *testing.B) {
	items := benchCorpus(b)
	bt, err := NewBatcher(NewCPU(0), nil, DefaultBatcherConfig(), nil)
	if err != nil {
		b.Fatal(err)
	}
	defer bt.Close()
	b.SetParallelism(max(1, 3*DefaultBatcherConfig().MaxBatch/runtime.GOMAXPROCS(0)))
	b.ResetTimer()
	var next sync.Mutex
	i := 0
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			next.Lock()
			it := items[i%len(items)]
			i++
			next.Unlock()
			if ok, err := bt.Verify(context.Background(), it); err != nil || !ok {
				b.Fatal(ok, err)
			}
		}
	})
	reportRate(b, 1)
}
