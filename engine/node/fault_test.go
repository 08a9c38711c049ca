package node

import (
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"aitbc/engine"
	"aitbc/engine/enginetest"
	"aitbc/gpu"
	"aitbc/internal/wait"
)

// The fault hook sees every commit step in order, with the store and the
// in-memory head where each step's name says they are.
func TestFaultHookSteps(t *testing.T) {
	c := newTestChain(t)
	v := gpu.NewCPU(1)
	b, err := gpu.NewBatcher(v, v, gpu.DefaultBatcherConfig(), gpu.NopMetrics())
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	cfg := DefaultConfig()
	cfg.TickInterval, cfg.BlockTime = time.Millisecond, 20*time.Millisecond
	store := enginetest.NewMemStore()
	n, err := New(cfg, Deps{Genesis: c.gen, Store: store, Verifier: b, Signer: c.signer, WAL: enginetest.NewMemWAL()})
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var seen []string
	n.SetFaultHook(func(step string, cb *engine.CommittedBlock) {
		stored, _, _ := store.Head()
		head, _ := n.Head()
		mu.Lock()
		seen = append(seen, fmt.Sprintf("%d %s stored=%d head=%d", cb.Block.Header.Height, step, stored, head.Height))
		mu.Unlock()
	})
	n.Start()
	defer n.Stop()
	wait.Until(t, "two blocks", 20*time.Second, func() bool { mu.Lock(); defer mu.Unlock(); return len(seen) >= 8 })
	n.Stop()
	want := []string{
		"1 before-store stored=0 head=0", "1 after-apply stored=0 head=1", "1 after-store stored=1 head=1", "1 after-publish stored=1 head=1",
		"2 before-store stored=1 head=1", "2 after-apply stored=1 head=2", "2 after-store stored=2 head=2", "2 after-publish stored=2 head=2",
	}
	mu.Lock()
	defer mu.Unlock()
	if !slices.Equal(seen[:8], want) {
		t.Fatalf("steps\n%q\nwant\n%q", seen[:8], want)
	}
}
