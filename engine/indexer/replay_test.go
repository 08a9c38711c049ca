package indexer_test

import (
	"context"
	"errors"
	"log/slog"
	"reflect"
	"testing"
	"time"

	"aitbc/engine"
	"aitbc/engine/indexer"
	"aitbc/engine/metrics"
	"aitbc/engine/sim"
	"aitbc/internal/logtest"
)

// recIndex is an engine.Index that keeps what it is given.
type recIndex struct{ blocks []*engine.CommittedBlock }

func (x *recIndex) IndexBlocks(_ context.Context, bs []*engine.CommittedBlock) error {
	x.blocks = append(x.blocks, bs...)
	return nil
}
func (x *recIndex) LastIndexedHeight(context.Context) (uint64, error) {
	if len(x.blocks) == 0 {
		return 0, nil
	}
	return x.blocks[len(x.blocks)-1].Block.Header.Height, nil
}
func (x *recIndex) Close() error { return nil }

// liveChain runs a simulated cluster under load and returns what node 0
// committed, as its live commits produced it.
func liveChain(t *testing.T) (*sim.Cluster, []*engine.CommittedBlock) {
	t.Helper()
	cfg := sim.DefaultConfig(31)
	cfg.Faults = sim.Faults{}
	c, err := sim.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.StartAll(); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 40; i++ {
		c.Submit(i % 4)
		c.RunFor(50 * time.Millisecond)
	}
	c.RunFor(2 * time.Second)
	if v := c.Violations(); len(v) > 0 {
		t.Fatal(v)
	}
	head := c.Nodes[0].Height()
	ix := &recIndex{}
	// Reindex replays the same blocks the live commits produced; compare
	// it with a Replayer walking the heights out of order below.
	if _, err := indexer.Reindex(context.Background(), ix, c.Nodes[0].Store, c.Gen, indexer.ReindexOptions{Batch: 5}); err != nil {
		t.Fatal(err)
	}
	if uint64(len(ix.blocks)) != head || head < 5 {
		t.Fatalf("reindexed %d blocks, head %d", len(ix.blocks), head)
	}
	return c, ix.blocks
}

// The Replayer yields, for any height in any order, what reindex (and so
// live commit) yields: accounts as of that height, not as of the head.
func TestReplayerMatchesReindex(t *testing.T) {
	c, want := liveChain(t)
	txs := 0
	for _, cb := range want {
		txs += len(cb.Block.Txs)
	}
	if txs == 0 {
		t.Fatal("no tx committed")
	}
	r := indexer.NewReplayer(c.Gen, c.Nodes[0].Store)
	order := []uint64{3, 4, 1, uint64(len(want)), 2}
	for _, h := range order {
		got, err := r.At(h)
		if err != nil {
			t.Fatalf("At(%d): %v", h, err)
		}
		if !reflect.DeepEqual(got, want[h-1]) {
			t.Fatalf("At(%d) differs from reindex: %d vs %d accounts", h, len(got.Accounts), len(want[h-1].Accounts))
		}
	}
	// Follow advances the replica without re-executing.
	r = indexer.NewReplayer(c.Gen, c.Nodes[0].Store)
	if _, err := r.At(2); err != nil {
		t.Fatal(err)
	}
	r.Follow(want[2])
	r.Follow(want[4]) // not the next height: ignored
	got, err := r.At(4)
	if err != nil || !reflect.DeepEqual(got, want[3]) {
		t.Fatalf("At(4) after Follow(3): %v", err)
	}
	if _, err := r.At(uint64(len(want)) + 1); err == nil {
		t.Fatal("At past the head succeeded")
	}
	if _, err := r.At(0); !errors.Is(err, engine.ErrInvalidBlock) {
		t.Fatalf("At(0) = %v", err)
	}
}

// A genesis that is not the chain's makes replay fail with a typed error,
// never a wrong row.
func TestReplayWrongGenesis(t *testing.T) {
	c, _ := liveChain(t)
	gen := *c.Gen
	gen.Accounts = gen.Accounts[1:]
	r := indexer.NewReplayer(&gen, c.Nodes[0].Store)
	var err error
	for h := uint64(1); h <= c.Nodes[0].Height() && err == nil; h++ {
		_, err = r.At(h)
	}
	if !errors.Is(err, engine.ErrInvalidBlock) {
		t.Fatalf("replay on the wrong genesis: %v", err)
	}
}

// slowIndex takes a while per write, like a database under load.
type slowIndex struct {
	recIndex
	delay time.Duration
}

func (x *slowIndex) IndexBlocks(ctx context.Context, bs []*engine.CommittedBlock) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(x.delay):
	}
	return x.recIndex.IndexBlocks(ctx, bs)
}

// Stop lets the indexer write the blocks committed before it (so a clean
// restart needs no re-read), instead of abandoning them.
func TestStopDrainsCommittedBlocks(t *testing.T) {
	c, blocks := liveChain(t)
	ix := &slowIndex{delay: 30 * time.Millisecond}
	x := indexer.New(ix, indexer.NewReplayer(c.Gen, c.Nodes[0].Store), 1, 1024, engine.WallClock{}, logtest.New(t, slog.LevelWarn), metrics.Nop())
	x.Start(0)
	for _, cb := range blocks {
		x.Enqueue(cb)
	}
	x.Stop()
	x.Stop() // idempotent
	if got := len(ix.blocks); got != len(blocks) {
		t.Fatalf("indexed %d of %d committed blocks before stopping", got, len(blocks))
	}
}
