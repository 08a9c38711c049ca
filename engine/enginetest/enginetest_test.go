package enginetest

import (
	"fmt"
	"math/rand"
	"testing"
	"time"

	"aitbc/engine"
	"aitbc/engine/consensus"
	"aitbc/engine/types"
	"aitbc/engine/validators/valtest"
)

// Timers and tickers fire in deadline order as the clock moves, never
// before; Stop and Reset take effect.
func TestSimClockTimers(t *testing.T) {
	c := NewSimClock(Epoch)
	a := c.NewTimer(30 * time.Millisecond)
	b := c.NewTimer(10 * time.Millisecond)
	tk := c.NewTicker(20 * time.Millisecond)
	stopped := c.NewTimer(5 * time.Millisecond)
	if !stopped.Stop() || stopped.Stop() {
		t.Fatal("Stop of a pending timer must report true once")
	}
	fired := func(ch <-chan time.Time) (time.Time, bool) {
		select {
		case at := <-ch:
			return at, true
		default:
			return time.Time{}, false
		}
	}
	c.Advance(9 * time.Millisecond)
	if _, ok := fired(b.C()); ok {
		t.Fatal("timer fired early")
	}
	c.Advance(1 * time.Millisecond)
	if at, ok := fired(b.C()); !ok || !at.Equal(Epoch.Add(10*time.Millisecond)) {
		t.Fatalf("timer b: %v %v", at, ok)
	}
	c.Advance(50 * time.Millisecond) // ticker due at 20, 40, 60: one slot, so one tick waits
	if _, ok := fired(a.C()); !ok {
		t.Fatal("timer a did not fire")
	}
	if _, ok := fired(tk.C()); !ok {
		t.Fatal("ticker did not fire")
	}
	if _, ok := fired(tk.C()); ok {
		t.Fatal("a slow ticker receiver got a queue of ticks")
	}
	if _, ok := fired(stopped.C()); ok {
		t.Fatal("a stopped timer fired")
	}
	a.Reset(5 * time.Millisecond)
	c.Advance(5 * time.Millisecond)
	if at, ok := fired(a.C()); !ok || !at.Equal(c.Now()) {
		t.Fatalf("reset timer: %v %v", at, ok)
	}
	tk.Stop()
	c.Advance(time.Second)
	if _, ok := fired(tk.C()); ok {
		t.Fatal("a stopped ticker fired")
	}
	c.Set(Epoch) // never backwards
	if c.Now().Before(Epoch.Add(time.Second)) {
		t.Fatal("the clock went backwards")
	}
}

// Events run in time order, ties in insertion order.
func TestSchedOrder(t *testing.T) {
	s := NewSched(Epoch)
	var got []int
	s.After(2*time.Millisecond, func() { got = append(got, 3) })
	s.After(time.Millisecond, func() { got = append(got, 1) })
	s.After(time.Millisecond, func() { got = append(got, 2) })
	n := 0
	s.Every(5*time.Millisecond, func() bool { n++; return n < 3 })
	s.RunUntil(Epoch.Add(time.Second), nil)
	if len(got) != 3 || got[0] != 1 || got[1] != 2 || got[2] != 3 || n != 3 {
		t.Fatalf("order %v, %d periodic runs", got, n)
	}
	if !s.Now().Equal(Epoch.Add(time.Second)) {
		t.Fatalf("clock at %v after the run", s.Now())
	}
}

// recorder is a PeerHandler that notes what arrives.
type recorder struct{ got []string }

func (r *recorder) HandleConsensus(p engine.PeerID, m consensus.Message) error {
	r.got = append(r.got, string(p)+" consensus")
	return nil
}
func (r *recorder) HandleTxs(p engine.PeerID, txs []*types.Tx) error {
	r.got = append(r.got, string(p)+" txs")
	return nil
}
func (r *recorder) HandleEvidence(p engine.PeerID, evs []*types.Evidence) error {
	r.got = append(r.got, fmt.Sprintf("%s evidence %d", p, len(evs)))
	return nil
}
func (r *recorder) HandleStatus(p engine.PeerID, h uint64, _ types.Hash) error {
	r.got = append(r.got, string(p)+" status")
	return nil
}
func (r *recorder) HandleBlockRequest(p engine.PeerID, from uint64, count int) error {
	r.got = append(r.got, string(p)+" request")
	return engine.ErrBadPeerMessage
}
func (r *recorder) HandleBlocks(p engine.PeerID, b []engine.SyncedBlock) error {
	r.got = append(r.got, string(p)+" blocks")
	return nil
}

// The network delivers after its latency, not across a partition nor to
// a detached node, records handler errors as penalties, and draws the
// same fate for every message from the same seed.
func TestNetDelivery(t *testing.T) {
	run := func(seed int64) ([]string, int, int) {
		s := NewSched(Epoch)
		n := NewNet(s, rand.New(rand.NewSource(seed)), NetConfig{MinDelay: time.Millisecond, MaxDelay: 9 * time.Millisecond, LossPerMille: 300, DupPerMille: 300})
		a, b, c := &recorder{}, &recorder{}, &recorder{}
		n.Attach("a", a)
		n.Attach("b", b)
		n.Attach("c", c)
		for i := 0; i < 50; i++ {
			n.Join("a").BroadcastStatus(1, types.Hash{1})
		}
		s.RunUntil(Epoch.Add(time.Second), nil)
		return append(b.got, c.got...), n.Lost, n.Duplicated
	}
	g1, l1, d1 := run(1)
	g2, l2, d2 := run(1)
	if len(g1) != len(g2) || l1 != l2 || d1 != d2 || l1 == 0 || d1 == 0 {
		t.Fatalf("same seed: %d/%d deliveries, %d/%d lost, %d/%d duplicated", len(g1), len(g2), l1, l2, d1, d2)
	}

	s := NewSched(Epoch)
	n := NewNet(s, rand.New(rand.NewSource(1)), NetConfig{MinDelay: 5 * time.Millisecond, MaxDelay: 5 * time.Millisecond})
	a, b, c := &recorder{}, &recorder{}, &recorder{}
	n.Attach("a", a)
	n.Attach("b", b)
	n.Attach("c", c)
	n.Partition([]engine.PeerID{"a", "b"}, []engine.PeerID{"c"})
	n.Join("a").BroadcastStatus(1, types.Hash{1})
	n.Join("c").RequestBlocks("a", 1, 1)
	s.RunUntil(Epoch.Add(4*time.Millisecond), nil)
	if len(b.got) != 0 {
		t.Fatal("delivered before the latency")
	}
	s.RunUntil(Epoch.Add(10*time.Millisecond), nil)
	if len(b.got) != 1 || len(c.got) != 0 || len(a.got) != 0 {
		t.Fatalf("across a partition: a %v, b %v, c %v", a.got, b.got, c.got)
	}
	n.Heal()
	n.Attach("b", nil)
	n.Join("c").RequestBlocks("a", 1, 1)
	n.Join("a").BroadcastStatus(2, types.Hash{2})
	s.RunUntil(Epoch.Add(20*time.Millisecond), nil)
	if len(b.got) != 1 || len(a.got) != 1 || len(n.Penalties) != 1 || n.Penalties[0].Peer != "c" || n.Penalties[0].By != "a" {
		t.Fatalf("after heal: a %v, b %v, penalties %v", a.got, b.got, n.Penalties)
	}
}

// A link with its own distribution delivers on its own schedule.
func TestNetSetLink(t *testing.T) {
	s := NewSched(Epoch)
	n := NewNet(s, rand.New(rand.NewSource(1)), NetConfig{MinDelay: time.Millisecond, MaxDelay: time.Millisecond})
	b, c := &recorder{}, &recorder{}
	n.Attach("b", b)
	n.Attach("c", c)
	n.SetLink("a", "c", NetConfig{MinDelay: 50 * time.Millisecond, MaxDelay: 50 * time.Millisecond})
	n.Join("a").BroadcastStatus(1, types.Hash{1})
	s.RunUntil(Epoch.Add(49*time.Millisecond), nil)
	if len(b.got) != 1 || len(c.got) != 0 {
		t.Fatalf("b %v, c %v: the slow link delivered early or the fast one late", b.got, c.got)
	}
	s.RunUntil(Epoch.Add(50*time.Millisecond), nil)
	if len(c.got) != 1 {
		t.Fatal("the slow link never delivered")
	}
}

// Evidence reaches every peer but the one it came from, each decoding its
// own copy.
func TestNetEvidenceSkipsItsSource(t *testing.T) {
	s := NewSched(Epoch)
	n := NewNet(s, rand.New(rand.NewSource(1)), NetConfig{MinDelay: time.Millisecond, MaxDelay: time.Millisecond})
	a, b, c := &recorder{}, &recorder{}, &recorder{}
	n.Attach("a", a)
	n.Attach("b", b)
	n.Attach("c", c)
	v, k := valtest.Validator(1, 1)
	x := valtest.Vote("chain", k, types.Prevote, 1, 2, 0, types.Hash{'x'})
	y := valtest.Vote("chain", k, types.Prevote, 1, 2, 0, types.Hash{'y'})
	ev, err := types.NewDuplicateVoteEvidence(x, y, v.Address, v.BLSPubKey)
	if err != nil {
		t.Fatal(err)
	}
	n.Join("a").BroadcastEvidence("b", []*types.Evidence{ev})
	s.RunUntil(Epoch.Add(time.Second), nil)
	if len(a.got) != 0 || len(b.got) != 0 || len(c.got) != 1 || c.got[0] != "a evidence 1" {
		t.Fatalf("a %v, b %v, c %v; want only c to get it", a.got, b.got, c.got)
	}
}
