package blocksync

import (
	"log/slog"
	"testing"
	"time"

	"aitbc/engine"
	"aitbc/engine/enginetest"
	"aitbc/engine/metrics"
	"aitbc/engine/types"
)

type request struct {
	peer  engine.PeerID
	from  uint64
	count int
}

// recGossip records block requests and statuses.
type recGossip struct {
	engine.NopGossip
	requests []request
	statuses []uint64
}

func (g *recGossip) RequestBlocks(p engine.PeerID, from uint64, count int) {
	g.requests = append(g.requests, request{p, from, count})
}
func (g *recGossip) BroadcastStatus(h uint64, _ types.Hash) { g.statuses = append(g.statuses, h) }

func testSyncer() (*Syncer, *recGossip) {
	g := &recGossip{}
	cfg := Config{StatusInterval: time.Second, PeerTTL: 10 * time.Second, MaxPeers: 2, SyncTimeout: 2 * time.Second,
		SyncBackoff: 10 * time.Second, SyncGrace: 250 * time.Millisecond}
	return NewSyncer(cfg, g, metrics.Nop(), slog.New(slog.DiscardHandler)), g
}

// One block behind waits SyncGrace; two ask at once, one request at a
// time; a timeout benches the silent peer and another is asked.
func TestSyncerRequests(t *testing.T) {
	s, g := testSyncer()
	now := enginetest.Epoch
	if !s.Status("a", 11, types.Hash{1}, now, 10) {
		t.Fatal("a head above ours is not news")
	}
	s.MaybeSync(now, 10)
	if len(g.requests) != 0 || s.Syncing() {
		t.Fatal("asked one block behind before the grace")
	}
	s.MaybeSync(now.Add(250*time.Millisecond), 10)
	if len(g.requests) != 1 || g.requests[0] != (request{"a", 11, 1}) || !s.Syncing() {
		t.Fatalf("requests %v", g.requests)
	}
	s.Status("b", 200, types.Hash{2}, now, 10)
	s.MaybeSync(now.Add(300*time.Millisecond), 10)
	if len(g.requests) != 1 {
		t.Fatal("a second request while one is in flight")
	}
	s.Housekeep(now.Add(3*time.Second), engine.Head{Height: 10})
	if len(g.requests) != 2 || g.requests[1] != (request{"b", 11, engine.MaxSyncBlocks}) {
		t.Fatalf("after the timeout: %v", g.requests)
	}
	// b answers with nothing: its claim is lowered; a is benched.
	s.Answered("b", 0)
	s.MaybeSync(now.Add(3*time.Second), 10)
	if s.Syncing() || len(g.requests) != 2 {
		t.Fatalf("still syncing after an empty answer and a benched peer: %v", g.requests)
	}
}

// The table keeps at most MaxPeers, evicting the stalest, and forgets
// peers silent for PeerTTL; ties go to the smallest id.
func TestPeerTable(t *testing.T) {
	p := NewPeerTable(2, time.Second)
	now := enginetest.Epoch
	p.Update("b", 5, types.Hash{1}, now)
	p.Update("a", 5, types.Hash{1}, now.Add(time.Millisecond))
	if id, h, ok := p.Best(now.Add(time.Millisecond)); !ok || id != "a" || h != 5 {
		t.Fatalf("best %s %d %v", id, h, ok)
	}
	p.Update("c", 7, types.Hash{1}, now.Add(2*time.Millisecond)) // evicts b, the stalest
	if n := p.Live(now.Add(2 * time.Millisecond)); n != 2 {
		t.Fatalf("%d live", n)
	}
	if id, _, _ := p.Best(now.Add(2 * time.Millisecond)); id != "c" {
		t.Fatalf("best %s", id)
	}
	if p.Raise("c", 6, now) || !p.Raise("a", 9, now.Add(3*time.Millisecond)) {
		t.Fatal("Raise")
	}
	if n := p.Live(now.Add(1002*time.Millisecond + 500*time.Microsecond)); n != 1 {
		t.Fatalf("%d live after c's TTL", n)
	}
}
