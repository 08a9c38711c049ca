package ingest

import (
	"sync"
	"testing"
	"time"

	"aitbc/engine"
	"aitbc/engine/enginetest"
	"aitbc/engine/metrics"
	"aitbc/engine/types"
	"aitbc/internal/wait"
)

type batchGossip struct {
	engine.NopGossip
	mu      sync.Mutex
	batches []int
}

func (g *batchGossip) BroadcastTxs(txs []*types.Tx) {
	g.mu.Lock()
	g.batches = append(g.batches, len(txs))
	g.mu.Unlock()
}

func (g *batchGossip) sizes() []int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]int(nil), g.batches...)
}

// The first tx after a quiet interval leaves at once; the next ones wait
// until an interval after the last batch (on the injected clock); a full
// batch leaves at once; a full queue drops instead of blocking.
func TestRelayBatches(t *testing.T) {
	clock := enginetest.NewSimClock(enginetest.Epoch)
	g := &batchGossip{}
	m := metrics.Nop()
	r := NewRelay(g, clock, 2*engine.MaxGossipTxs, 5*time.Millisecond, m)
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() { r.Run(stop); close(done) }()
	defer func() { close(stop); <-done }()

	for i := 0; i < 3; i++ {
		r.Add(&types.Tx{Nonce: uint64(i)})
	}
	wait.Until(t, "the relay to take the txs", 10*time.Second, func() bool { return len(r.in) == 0 })
	if s := g.sizes(); len(s) != 1 || s[0] != 1 {
		t.Fatalf("batches %v, want the first tx alone at once (no batch had left)", s)
	}
	// The other two wait for the interval since that batch.
	clock.Advance(4 * time.Millisecond)
	if s := g.sizes(); len(s) != 1 {
		t.Fatalf("batches %v: a partial batch left before the interval", s)
	}
	wait.Until(t, "the interval's batch", 10*time.Second, func() bool {
		clock.Advance(time.Millisecond)
		return len(g.sizes()) == 2
	})
	if s := g.sizes(); s[1] != 2 {
		t.Fatalf("batches %v", s)
	}
	// A quiet interval later, a tx leaves at once again.
	clock.Advance(10 * time.Millisecond)
	r.Add(&types.Tx{Nonce: 9})
	wait.Until(t, "the lone tx after a quiet interval", 10*time.Second, func() bool { return len(g.sizes()) == 3 })
	for i := 0; i < engine.MaxGossipTxs; i++ {
		r.Add(&types.Tx{Nonce: uint64(i)})
	}
	wait.Until(t, "the full batch", 10*time.Second, func() bool { return len(g.sizes()) == 4 })
	if s := g.sizes(); s[2] != 1 || s[3] != engine.MaxGossipTxs {
		t.Fatalf("batches %v", s)
	}
}

// Add never blocks: past the queue a tx is dropped and counted.
func TestRelayQueueFullDrops(t *testing.T) {
	m := metrics.Nop()
	r := NewRelay(&batchGossip{}, enginetest.NewSimClock(enginetest.Epoch), 1, time.Millisecond, m)
	r.Add(&types.Tx{})
	r.Add(&types.Tx{}) // no Run: the queue of one is full
	if got := testCounter(t, m); got != 1 {
		t.Fatalf("%v drops counted", got)
	}
}
