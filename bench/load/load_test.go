package load

import (
	"crypto/ed25519"
	"errors"
	"testing"
	"time"

	"aitbc/bench"
	"aitbc/engine/types"
)

func TestPacerSchedule(t *testing.T) {
	start := time.Unix(1000, 0)
	tests := []struct {
		tps   int
		d     time.Duration
		slots int           // slots before the schedule ends
		gap   time.Duration // between consecutive slots
	}{
		{1000, time.Second, 1000, time.Millisecond},
		{200, 3 * time.Second, 600, 5 * time.Millisecond},
		{3, time.Second, 3, time.Second / 3},
		{5000, 10 * time.Millisecond, 50, 200 * time.Microsecond},
	}
	for _, tt := range tests {
		p := newPacer(start, tt.tps, tt.d)
		var prev time.Time
		n := 0
		for {
			at, ok := p.next()
			if !ok {
				break
			}
			if n > 0 && (at.Sub(prev) < tt.gap-time.Nanosecond || at.Sub(prev) > tt.gap+time.Nanosecond) {
				t.Fatalf("tps %d: slot %d at +%v, %v after the previous, want %v", tt.tps, n, at.Sub(start), at.Sub(prev), tt.gap)
			}
			prev = at
			n++
		}
		if n != tt.slots {
			t.Errorf("tps %d for %v: %d slots, want %d", tt.tps, tt.d, n, tt.slots)
		}
	}
}

func TestTrackerAndBlockStats(t *testing.T) {
	tr := newTracker()
	t0 := time.Unix(100, 0)
	h := func(b byte) types.Hash { return types.Hash{b} }
	tr.submitted(h(1), t0)
	tr.submitted(h(2), t0.Add(100*time.Millisecond))
	tr.submitted(h(3), t0.Add(200*time.Millisecond))
	tr.submitted(h(4), t0)
	tr.forget(h(4))                                                           // refused: never counted
	tr.block(10, 1000, nil, t0.Add(500*time.Millisecond))                     // before any bench tx
	tr.block(11, 2000, []types.Hash{h(1), h(9)}, t0.Add(time.Second))         // one of ours, one foreign
	tr.block(12, 3000, []types.Hash{h(4)}, t0.Add(2*time.Second))             // the forgotten one
	tr.block(13, 4500, []types.Hash{h(2), h(3), h(8)}, t0.Add(3*time.Second)) // two of ours
	tr.block(14, 5500, []types.Hash{h(7)}, t0.Add(4*time.Second))             // after the last of ours
	if got := tr.committed.Load(); got != 3 || tr.outstanding() != 0 || tr.head.Load() != 14 {
		t.Fatalf("committed %d outstanding %d head %d, want 3, 0, 14", got, tr.outstanding(), tr.head.Load())
	}
	want := []time.Duration{time.Second, 2900 * time.Millisecond, 2800 * time.Millisecond}
	for i, l := range tr.latencies {
		if l != want[i] {
			t.Errorf("latency %d = %v, want %v", i, l, want[i])
		}
	}
	if !tr.last.Equal(t0.Add(3 * time.Second)) {
		t.Errorf("last commit %v", tr.last)
	}
	n, mean, p50, p99 := blockStats(tr.blocks)
	// Blocks 11..13: 2+1+3 txs; intervals 1 s and 1.5 s.
	if n != 3 || mean != 2 || p50 != time.Second || p99 != 1500*time.Millisecond {
		t.Errorf("blockStats = %d, %v, %v, %v; want 3, 2, 1s, 1.5s", n, mean, p50, p99)
	}
	if n, _, _, _ := blockStats([]blockSeen{{height: 1, txs: 5}}); n != 0 {
		t.Errorf("no bench tx: %d blocks, want 0", n)
	}
	if got := bench.Percentile([]time.Duration{5, 1, 4, 2, 3}, 100); got != 5 {
		t.Errorf("max = %v", got)
	}
}

func TestConfigValidate(t *testing.T) {
	_, key, _ := ed25519.GenerateKey(nil)
	ok := Config{RPC: "http://x", WS: "ws://x", Faucet: key}
	tests := []struct {
		name string
		mod  func(*Config)
		ok   bool
	}{
		{"defaults", func(*Config) {}, true},
		{"no rpc", func(c *Config) { c.RPC = "" }, false},
		{"no ws", func(c *Config) { c.WS = "" }, false},
		{"no key", func(c *Config) { c.Faucet = nil }, false},
		{"negative tps", func(c *Config) { c.TPS = -1 }, false},
		{"negative duration", func(c *Config) { c.Duration = -time.Second }, false},
		{"too many senders", func(c *Config) { c.Senders = 20_000 }, false},
	}
	for _, tt := range tests {
		c := ok
		tt.mod(&c)
		if err := c.Validate(); (err == nil) != tt.ok || (err != nil && !errors.Is(err, ErrBadConfig)) {
			t.Errorf("%s: Validate = %v, want ok=%v", tt.name, err, tt.ok)
		}
	}
}
