package gossip

import (
	"testing"
	"time"

	"aitbc/engine/consensus"
	"aitbc/engine/types"
	"aitbc/internal/wait"
)

// A hub relays a peer's accepted proposal and vote over real sockets to
// the peers that can use them only: never back to the sender, not to a
// peer that committed their height, is too far behind or has announced no
// head; once per message; and not at all once the hub committed their
// height itself.
func TestRelayGoesOnlyWhereNeeded(t *testing.T) {
	hub, mh := startTransport(t, testConfig(0), newRecorder())
	f := newChainFixture(t)               // proposal and votes of height 2
	from := startSpoke(t, hub, 1, 1)      // deciding height 2: the sender
	deciding := startSpoke(t, hub, 2, 1)  // deciding height 2
	genesis := startSpoke(t, hub, 3, 0)   // deciding height 1: buffers height 2
	committed := startSpoke(t, hub, 4, 2) // has height 2 already
	silent := startSpoke(t, hub, 5, -1)   // announced no head
	waitSpokes(t, hub, from, deciding, genesis, committed)
	wait.Until(t, "the silent spoke connected", 10*time.Second, func() bool { return hub.peer(silent.id) != nil })

	msgs := []consensus.Message{f.proposal(0), f.vote(2, 0)}
	hub.RelayConsensus(from.id, msgs)
	for _, s := range []*node{deciding, genesis} {
		wait.Until(t, "relayed proposal and vote", 10*time.Second, func() bool { return s.rec.nConsensus() == 2 })
		s.rec.mu.Lock()
		if s.rec.from[0] != hub.ID() || s.rec.from[1] != hub.ID() {
			t.Errorf("relayed from %v, want the hub", s.rec.from)
		}
		s.rec.mu.Unlock()
	}
	hub.RelayConsensus(deciding.id, msgs) // relayed already: dropped as seen
	far := f.vote(3, 1)
	far.Vote.Height = 4 // usable by a peer with head 2 or 3 only
	hub.RelayConsensus(from.id, []consensus.Message{far})
	hub.BroadcastStatus(2, types.Hash{2})
	hub.RelayConsensus(from.id, []consensus.Message{f.vote(3, 0)}) // of a height the hub committed

	// A height-3 message sent last reaches each peer that can use it
	// behind everything queued for it before.
	marker := f.vote(1, 5)
	marker.Vote.Height = 3
	hub.RelayConsensus(from.id, []consensus.Message{marker})
	wait.Until(t, "far vote and marker at the committed peer", 10*time.Second, func() bool { return committed.rec.nConsensus() == 2 })
	wait.Until(t, "marker at the deciding peer", 10*time.Second, func() bool { return deciding.rec.nConsensus() == 3 })
	for name, s := range map[string]*node{"sender": from, "silent": silent} {
		if n := s.rec.nConsensus(); n != 0 {
			t.Errorf("%s peer got %d relayed messages", name, n)
		}
	}
	if n := genesis.rec.nConsensus(); n != 2 {
		t.Errorf("the peer at genesis got %d messages, want the 2 of height 2 only", n)
	}
	for typ, n := range map[string]float64{"proposal": 2, "vote": 2 + 1 + 2} {
		if got := value(mh.Relayed.WithLabelValues(typ)); got != n {
			t.Errorf("relayed %s = %v, want %v", typ, got, n)
		}
	}
	for reason, n := range map[string]float64{relayDropSeen: 2, relayDropStale: 1, relayDropQueueFull: 0} {
		if got := value(mh.RelayDropped.WithLabelValues(reason)); got != n {
			t.Errorf("relay dropped %s = %v, want %v", reason, got, n)
		}
	}
}

// TestRelaySkipsPeersThatSentIt: a peer that sent the hub a proposal or
// vote (a duplicate, as a mesh neighbour's relay is) does not get it
// relayed back; the others that need it do, and the skip is counted.
func TestRelaySkipsPeersThatSentIt(t *testing.T) {
	hubRec := newRecorder()
	hub, mh := startTransport(t, testConfig(0), hubRec)
	f := newChainFixture(t)
	// All three decide height 2.
	from, echo, other := startSpoke(t, hub, 1, 1), startSpoke(t, hub, 2, 1), startSpoke(t, hub, 3, 1)
	waitSpokes(t, hub, from, echo, other)
	msgs := []consensus.Message{f.proposal(0), f.vote(2, 0)}
	// echo sends both to the hub (its own broadcast: the hub is its only
	// peer), as a neighbour relaying them before the hub does.
	echo.tr.BroadcastConsensus(msgs)
	wait.Until(t, "the hub to hear both from echo", 10*time.Second, func() bool { return hubRec.nConsensus() == 2 })
	hub.RelayConsensus(from.id, msgs)
	wait.Until(t, "relayed proposal and vote at the other spoke", 10*time.Second, func() bool { return other.rec.nConsensus() == 2 })
	// A marker relayed after them reaches echo behind anything queued.
	marker := f.vote(3, 0)
	hub.RelayConsensus(from.id, []consensus.Message{marker})
	hasMarker := func() bool {
		echo.rec.mu.Lock()
		defer echo.rec.mu.Unlock()
		for _, m := range echo.rec.consensus {
			if vm, ok := m.(*consensus.VoteMsg); ok && vm.Vote.ValidatorIndex == marker.Vote.ValidatorIndex {
				return true
			}
		}
		return false
	}
	wait.Until(t, "the marker at echo", 10*time.Second, hasMarker)
	if n := echo.rec.nConsensus(); n != 1 {
		t.Errorf("echo got %d relayed messages, want the marker only", n)
	}
	if n := from.rec.nConsensus(); n != 0 {
		t.Errorf("the sender got %d relayed messages back", n)
	}
	if got := value(mh.RelayDropped.WithLabelValues(relayDropHeard)); got != 2 {
		t.Errorf("relay dropped heard = %v, want 2 (echo's proposal and vote)", got)
	}
}

// startSpoke starts transport i dialing the hub only; head >= 0 is
// announced on connect (head 1: deciding height 2).
func startSpoke(t *testing.T, hub *Transport, i, head int) *node {
	t.Helper()
	cfg := testConfig(i)
	cfg.ListenAddr = ""
	cfg.Peers = []string{string(hub.ID()) + "@" + hub.Addr()}
	rec := newRecorder()
	tr, err := New(cfg, NopMetrics(), testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	if head >= 0 {
		tr.BroadcastStatus(uint64(head), types.Hash{byte(head)})
	}
	if err := tr.Start(rec); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tr.Close() })
	return &node{tr: tr, rec: rec, id: tr.ID()}
}

// waitSpokes waits until the hub holds each spoke as a peer that
// announced its head.
func waitSpokes(t *testing.T, hub *Transport, spokes ...*node) {
	t.Helper()
	wait.Until(t, "spokes connected and announced", 10*time.Second, func() bool {
		for _, s := range spokes {
			if p := hub.peer(s.id); p == nil || p.announced.Load() == 0 {
				return false
			}
		}
		return true
	})
}

// BenchmarkLoopbackRelayVotes relays distinct votes from one transport
// to another over loopback, as BenchmarkLoopbackVotes broadcasts them:
// the relay path's cost per vote (encoding, the seen ring, the peer's
// announced-head check, the queue share), delivered votes per second and
// allocations per relayed vote.
func BenchmarkLoopbackRelayVotes(b *testing.B) {
	const window = 2048 // in flight at most, below the relay share of the queue
	h := &countingHandler{}
	a, other := loopbackPair(b, 4*window, h)
	other.BroadcastStatus(0, types.Hash{}) // deciding height 1
	for p := a.peer(other.ID()); p == nil || p.announced.Load() == 0; p = a.peer(other.ID()) {
		time.Sleep(time.Millisecond)
	}
	msgs := make([]consensus.Message, 1)
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		msgs[0] = &consensus.VoteMsg{Vote: &types.Vote{Type: types.Prevote, Height: 1, Round: uint32(i), ValidatorIndex: 1}}
		a.RelayConsensus("elsewhere", msgs)
		for int64(i+1)-h.votes.Load() >= window {
			time.Sleep(10 * time.Microsecond)
		}
	}
	for h.votes.Load() < int64(b.N) {
		time.Sleep(10 * time.Microsecond)
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "votes/s")
}
