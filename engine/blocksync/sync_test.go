package blocksync

import (
	"errors"
	"log/slog"
	"testing"
	"time"

	"aitbc/engine"
	"aitbc/engine/enginetest"
	"aitbc/engine/metrics"
	"aitbc/engine/types"
)

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

func testConfig() Config {
	return Config{StatusInterval: time.Second, PeerTTL: 10 * time.Second, MaxPeers: 2, SyncTimeout: 2 * time.Second,
		SyncBackoff: 10 * time.Second, SyncGrace: 250 * time.Millisecond}
}

func testSyncer() (*Syncer, *recGossip) {
	g := &recGossip{}
	return NewSyncer(testConfig(), 8<<20, g, metrics.Nop(), slog.New(slog.DiscardHandler)), g
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
	if err := s.Answered("b", nil, now.Add(3*time.Second)); err != nil {
		t.Fatal(err)
	}
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

// blocks are empty blocks of heights from..from+n-1 (what Answered reads
// is the heights and the sizes).
func blocks(from uint64, n int) []engine.SyncedBlock {
	out := make([]engine.SyncedBlock, n)
	for i := range out {
		h := from + uint64(i)
		out[i] = engine.SyncedBlock{Block: &types.Block{Header: types.Header{Height: h}}, Cert: &types.CommitCert{Height: h}}
	}
	return out
}

// A decided height we lack (Need) is asked for at once, one block behind,
// without waiting out SyncGrace.
func TestSyncerNeedSkipsGrace(t *testing.T) {
	s, g := testSyncer()
	now := enginetest.Epoch
	s.Status("a", 11, types.Hash{1}, now, 10)
	if !s.Need(11) || s.Need(11) {
		t.Fatal("Need reports news once")
	}
	s.MaybeSync(now, 10)
	if len(g.requests) != 1 || g.requests[0] != (request{"a", 11, 1}) {
		t.Fatalf("requests %v, want height 11 from a at once", g.requests)
	}
	s.MaybeSync(now, 11) // committed: the need is done
	if s.need != 0 {
		t.Fatalf("need %d after reaching it", s.need)
	}
}

// A peer that claims heights and answers with none, or with fewer than
// MaxServeBytes explains, is sidelined (not asked while another is) and
// its claim lowered; a late answer to an abandoned request is still ours.
func TestSyncerSidelinesPeersThatDoNotDeliver(t *testing.T) {
	s, g := testSyncer()
	now := enginetest.Epoch
	s.Status("a", 20, types.Hash{1}, now, 10)
	s.MaybeSync(now, 10)
	if err := s.Answered("a", nil, now); err != nil {
		t.Fatal(err)
	}
	if _, _, ok := s.peers.Best(now); ok {
		t.Fatal("a peer that answered nothing is still asked")
	}
	s.Status("a", 20, types.Hash{1}, now.Add(9*time.Second), 10) // a new claim, still benched
	if _, _, ok := s.peers.Best(now.Add(9 * time.Second)); ok {
		t.Fatal("a benched peer's new claim counts")
	}
	if p, _, ok := s.peers.Best(now.Add(10 * time.Second)); !ok || p != "a" {
		t.Fatal("sidelined for good: it is only benched for SyncBackoff")
	}

	now = now.Add(11 * time.Second)
	s.Status("a", 15, types.Hash{1}, now, 10)
	s.Status("b", 20, types.Hash{1}, now, 10)
	s.MaybeSync(now, 10)
	if r := g.requests[len(g.requests)-1]; r.peer != "b" || r.count != 10 {
		t.Fatalf("request %+v, want 10 blocks from b", r)
	}
	if err := s.Answered("b", blocks(11, 3), now); err != nil {
		t.Fatal(err)
	}
	if p, _, ok := s.peers.Best(now); ok && p == "b" {
		t.Fatal("b answered 3 small blocks of the 10 it claimed and is still asked")
	}

	// Blocks as large as the answer cap explain a short answer.
	big := NewSyncer(testConfig(), MaxServeBytes, &recGossip{}, metrics.Nop(), slog.New(slog.DiscardHandler))
	big.Status("c", 20, types.Hash{1}, now, 10)
	big.MaybeSync(now, 10)
	if err := big.Answered("c", blocks(11, 3), now); err != nil {
		t.Fatal(err)
	}
	if p, _, ok := big.peers.Best(now); !ok || p != "c" {
		t.Fatal("an answer short by the byte cap sidelined its peer")
	}

	// d times out; its late answer is still the answer to our request.
	d, dg := testSyncer()
	d.Status("d", 20, types.Hash{1}, now, 10)
	d.MaybeSync(now, 10)
	d.Housekeep(now.Add(3*time.Second), engine.Head{Height: 10})
	if err := d.Answered("d", blocks(11, 10), now.Add(4*time.Second)); err != nil {
		t.Fatalf("late answer: %v", err)
	}
	if len(dg.requests) != 1 {
		t.Fatalf("requests %v", dg.requests)
	}
}

// Answers we did not ask for — from a peer not asked, for other heights,
// longer than asked, or a third answer to one request — are refused
// with ErrUnsolicited and their peer is sidelined.
func TestSyncerRefusesUnsolicitedAnswers(t *testing.T) {
	now := enginetest.Epoch
	ask := func() *Syncer {
		s, _ := testSyncer()
		s.Status("a", 30, types.Hash{1}, now, 10)
		s.MaybeSync(now, 10) // asks a for 11..30
		return s
	}
	cases := []struct {
		name string
		peer engine.PeerID
		ans  []engine.SyncedBlock
	}{
		{"not asked", "m", blocks(11, 2)},
		{"other heights", "a", blocks(12, 2)},
		{"below the request", "a", blocks(5, 3)},
		{"more than asked", "a", blocks(11, 21)},
	}
	for _, c := range cases {
		s := ask()
		if err := s.Answered(c.peer, c.ans, now); !errors.Is(err, ErrUnsolicited) {
			t.Errorf("%s: %v, want ErrUnsolicited", c.name, err)
		}
		if p, _, ok := s.peers.Best(now); ok && p == c.peer {
			t.Errorf("%s: %s not sidelined", c.name, c.peer)
		}
	}
	s := ask()
	if err := s.Answered("m", nil, now); err != nil {
		t.Fatalf("an empty answer nobody asked for carries nothing to refuse: %v", err)
	}
	if err := s.Answered("a", blocks(11, 20), now); err != nil {
		t.Fatal(err)
	}
	// The network may duplicate the request or the answer: one repeat of
	// the answer is no fault of the peer's; a third copy is.
	if err := s.Answered("a", blocks(11, 20), now); err != nil {
		t.Fatalf("a duplicated answer refused: %v", err)
	}
	if _, _, ok := s.peers.Best(now); !ok {
		t.Fatal("the peer whose answer was duplicated was sidelined")
	}
	if err := s.Answered("a", blocks(11, 20), now); !errors.Is(err, ErrUnsolicited) {
		t.Fatalf("a third answer to one request: %v", err)
	}
	// A repeat is still held to the request's heights.
	s = ask()
	if err := s.Answered("a", blocks(11, 20), now); err != nil {
		t.Fatal(err)
	}
	if err := s.Answered("a", blocks(12, 2), now); !errors.Is(err, ErrUnsolicited) {
		t.Fatalf("a repeat for other heights: %v", err)
	}
}
