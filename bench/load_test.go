package bench

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"aitbc/engine/types"
	"aitbc/netio/ws"

	"github.com/prometheus/client_golang/prometheus"
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
	if got := percentileOf([]time.Duration{5, 1, 4, 2, 3}, 100); got != 5 {
		t.Errorf("max = %v", got)
	}
}

func TestPromValue(t *testing.T) {
	tests := []struct {
		name, text string
		want       float64
		ok         bool
	}{
		{"plain", "# HELP aitbc_index_lag_blocks x\n# TYPE aitbc_index_lag_blocks gauge\naitbc_index_lag_blocks 3\n", 3, true},
		{"labels", `aitbc_index_lag_blocks{db="pg",x="a}b"} 12 1700000000` + "\n", 12, true},
		{"prefix of another", "aitbc_index_lag_blocks_total 9\naitbc_index_lag_blocks 0\n", 0, true},
		{"float", "aitbc_index_lag_blocks 1.5e+01\n", 15, true},
		{"absent", "aitbc_head_height 4\n", 0, false},
		{"garbage value", "aitbc_index_lag_blocks NaNx\n", 0, false},
		{"empty", "", 0, false},
	}
	for _, tt := range tests {
		got, ok := promValue(strings.NewReader(tt.text), "aitbc_index_lag_blocks")
		if got != tt.want || ok != tt.ok {
			t.Errorf("%s: = %v, %v; want %v, %v", tt.name, got, ok, tt.want, tt.ok)
		}
	}
}

func TestLoadConfigValidate(t *testing.T) {
	_, key, _ := ed25519.GenerateKey(nil)
	ok := LoadConfig{RPC: "http://x", WS: "ws://x", Faucet: key}
	tests := []struct {
		name string
		mod  func(*LoadConfig)
		ok   bool
	}{
		{"defaults", func(*LoadConfig) {}, true},
		{"no rpc", func(c *LoadConfig) { c.RPC = "" }, false},
		{"no ws", func(c *LoadConfig) { c.WS = "" }, false},
		{"no key", func(c *LoadConfig) { c.Faucet = nil }, false},
		{"negative tps", func(c *LoadConfig) { c.TPS = -1 }, false},
		{"negative duration", func(c *LoadConfig) { c.Duration = -time.Second }, false},
		{"too many senders", func(c *LoadConfig) { c.Senders = 20_000 }, false},
	}
	for _, tt := range tests {
		c := ok
		tt.mod(&c)
		if err := c.Validate(); (err == nil) != tt.ok || (err != nil && !errors.Is(err, ErrBadConfig)) {
			t.Errorf("%s: Validate = %v, want ok=%v", tt.name, err, tt.ok)
		}
	}
}

// TestWSClient runs the RFC 6455 client against the node's real
// WebSocket server with a fast ping: the client must answer the pings to
// stay subscribed, and reassemble a message larger than one read.
func TestWSClient(t *testing.T) {
	cfg := ws.DefaultConfig()
	cfg.Addr, cfg.PingInterval, cfg.PongTimeout = "127.0.0.1:0", 20*time.Millisecond, 40*time.Millisecond
	srv, err := ws.New(cfg, ws.NewMetrics(prometheus.NewRegistry()), slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	defer srv.Stop(context.Background())

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := dialWS(ctx, "ws://"+srv.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.writeFrame(wsText, []byte(`{"op":"subscribe","topics":["new_blocks"]}`)); err != nil {
		t.Fatal(err)
	}
	op, msg, err := c.readMessage()
	if err != nil || op != wsText || !strings.Contains(string(msg), "subscribed") {
		t.Fatalf("subscribe reply %q (%v, op %d)", msg, err, op)
	}
	// Publish until 10 messages have arrived: the server pings every 20 ms
	// in between, and a client that did not answer would be closed.
	big := `{"topic":"new_blocks","pad":"` + strings.Repeat("x", 200_000) + `"}`
	got := make(chan error, 1)
	go func() {
		for i := 0; i < 10; i++ {
			op, msg, err := c.readMessage()
			if err != nil {
				got <- err
				return
			}
			// The server puts the subscription id and seq first (netio/ws).
			want := fmt.Sprintf(`{"sub":"%s","seq":%d,`, subID(msg), i+1) + big[1:]
			if op != wsText || subID(msg) == "" || string(msg) != want {
				got <- errors.New("message mangled")
				return
			}
		}
		got <- nil
	}()
	tick := time.NewTicker(30 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case err := <-got:
			if err != nil {
				t.Fatal(err)
			}
			return
		case <-tick.C:
			srv.Publish(ws.TopicNewBlocks, []byte(big))
		case <-ctx.Done():
			t.Fatal("messages did not arrive")
		}
	}
}

func TestDialWSErrors(t *testing.T) {
	ctx := context.Background()
	for _, u := range []string{"http://127.0.0.1:1/ws", "ws://", "::bad"} {
		if _, err := dialWS(ctx, u); !errors.Is(err, ErrBadConfig) {
			t.Errorf("%q: err = %v, want ErrBadConfig", u, err)
		}
	}
}

// subID is the "sub" member a WebSocket message starts with.
func subID(msg []byte) string {
	var m struct{ Sub string }
	_ = json.Unmarshal(msg, &m)
	return m.Sub
}
