package gossip

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"

	"aitbc/engine"
	"aitbc/engine/types"
)

func TestDedupRingIsBoundedAndRemembersOrigin(t *testing.T) {
	d := newDedup(4)
	h := func(i byte) types.Hash { return types.Hash{i} }
	for i := byte(0); i < 4; i++ {
		if d.observe(h(i), "p", 0, 0) {
			t.Fatalf("%d reported seen", i)
		}
	}
	if !d.observe(h(0), "q", 0, 0) {
		t.Fatal("duplicate not reported")
	}
	d.mu.Lock()
	if o := d.originLocked(h(0), 0); o != "p" {
		t.Errorf("origin %q, want the first sender p", o)
	}
	d.mu.Unlock()
	// A fifth hash evicts the oldest (0); the map never outgrows the ring.
	d.observe(h(4), "p", 0, 0)
	if d.observe(h(0), "p", 0, 0) {
		t.Error("evicted hash still reported seen")
	}
	if len(d.idx) != 4 {
		t.Errorf("index holds %d entries for a ring of 4", len(d.idx))
	}
	// Our own txs are recorded with no origin.
	d.mu.Lock()
	if o := d.originLocked(h(9), 0); o != "" {
		t.Errorf("new hash origin %q", o)
	}
	d.mu.Unlock()
	if !d.observe(h(9), "p", 0, 0) {
		t.Error("own hash not recorded")
	}
}

func TestDedupWindow(t *testing.T) {
	d := newDedup(16)
	w := int64(time.Second)
	d.observe(types.Hash{1}, "p", 0, w)
	if !d.observe(types.Hash{1}, "p", w-1, w) {
		t.Error("re-send inside the window delivered")
	}
	if d.observe(types.Hash{1}, "p", w, w) {
		t.Error("re-send after the window dropped")
	}
	if !d.observe(types.Hash{1}, "p", w+1, w) {
		t.Error("the refreshed entry does not count")
	}
}

func TestBanList(t *testing.T) {
	b := newBanList()
	now := time.Unix(1000, 0)
	ext := netip.MustParseAddr("203.0.113.7")
	for i := 0; i < 2; i++ {
		if b.penalize("k", netip.Addr{}, now, 3) {
			t.Fatalf("banned after %d penalties", i+1)
		}
	}
	if !b.penalize("k", netip.Addr{}, now, 3) {
		t.Fatal("not banned at the limit")
	}
	b.ban("k", ext, now, time.Minute)
	b.ban("l", netip.MustParseAddr("127.0.0.1"), now, time.Minute)
	if !b.keyBanned("k", now) || !b.ipBanned(ext, now) || !b.keyBanned("l", now) {
		t.Error("ban not recorded")
	}
	if b.ipBanned(netip.MustParseAddr("127.0.0.1"), now) {
		t.Error("loopback IP banned")
	}
	later := now.Add(time.Minute)
	if b.keyBanned("k", later) || b.ipBanned(ext, later) {
		t.Error("ban outlived its duration")
	}
	b.penalize("m", netip.Addr{}, now, 10)
	b.prune(later, time.Minute)
	if len(b.keys)+len(b.ips)+len(b.penalties) != 0 {
		t.Errorf("prune left %d/%d/%d entries", len(b.keys), len(b.ips), len(b.penalties))
	}
	// The tables stay bounded whatever the number of keys.
	for i := 0; i < maxBanEntries+10; i++ {
		id := engine.PeerID(fmt.Sprint("k", i))
		b.penalize(id, netip.Addr{}, now, 10)
		b.ban(id, netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)}), now, time.Minute)
	}
	if len(b.keys) > maxBanEntries || len(b.ips) > maxBanEntries || len(b.penalties) > maxBanEntries {
		t.Errorf("tables grew past the cap: %d %d %d", len(b.keys), len(b.ips), len(b.penalties))
	}
}

func TestTokenBucket(t *testing.T) {
	b := newTokenBucket(1000, 2000, 0)
	if !b.allow(2000, 0) {
		t.Fatal("burst refused")
	}
	if b.allow(1, 0) {
		t.Fatal("empty bucket allowed a byte")
	}
	if !b.allow(500, int64(500*time.Millisecond)) {
		t.Fatal("refill at rate refused")
	}
	if b.allow(3000, int64(time.Hour)) {
		t.Fatal("more than the burst allowed after a long pause")
	}
}

func TestSendQueueAccounting(t *testing.T) {
	tr, err := New(testConfig(0), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	p := newPeer(tr, false)
	p.initQueue()
	// Three frames of 10, 20, 30 bytes handed to the socket layer.
	for _, n := range []int{10, 20, 30} {
		p.inflight.push(n)
		p.inflightBytes += n
	}
	p.settle(35, nil) // 25 bytes out: the first frame, part of the second
	if p.inflight.len() != 2 || p.inflightBytes != 50 {
		t.Errorf("after 35 unsent: %d frames, %d bytes", p.inflight.len(), p.inflightBytes)
	}
	p.settle(30, nil) // exactly the last frame left
	if p.inflight.len() != 1 || p.inflightBytes != 30 {
		t.Errorf("after 30 unsent: %d frames, %d bytes", p.inflight.len(), p.inflightBytes)
	}
	p.settle(0, nil)
	if p.inflight.len() != 0 || p.inflightBytes != 0 {
		t.Errorf("after all sent: %d frames, %d bytes", p.inflight.len(), p.inflightBytes)
	}
}

func TestConfigValidateNamesTheKey(t *testing.T) {
	ok := testConfig(0)
	if err := ok.Validate(); err != nil {
		t.Fatal(err)
	}
	dial := ok
	dial.ListenAddr = ""
	if err := dial.Validate(); err != nil {
		t.Errorf("dial-only config: %v", err)
	}
	cases := map[string]func(c *Config){
		"listen_addr":        func(c *Config) { c.ListenAddr = "nonsense" },
		"peers[1]":           func(c *Config) { c.Peers = []string{"127.0.0.1:1", "x"} },
		"chain_id":           func(c *Config) { c.ChainID = "bad chain" },
		"genesis_hash":       func(c *Config) { c.GenesisHash = types.Hash{} },
		"node_key":           func(c *Config) { c.NodeKey = nil },
		"max_frame_bytes":    func(c *Config) { c.MaxFrameBytes = 1 << 19 },
		"max_peers":          func(c *Config) { c.MaxPeers = 0 },
		"send_queue_frames":  func(c *Config) { c.SendQueueFrames = 0 },
		"send_queue_bytes":   func(c *Config) { c.SendQueueBytes = 10 },
		"handshake_timeout":  func(c *Config) { c.HandshakeTimeout = 0 },
		"penalty_limit":      func(c *Config) { c.PenaltyLimit = 0 },
		"ban_duration":       func(c *Config) { c.BanDuration = -1 },
		"ping_interval":      func(c *Config) { c.PingInterval = 0 },
		"peer_timeout":       func(c *Config) { c.PeerTimeout = c.PingInterval },
		"rate_bytes_per_sec": func(c *Config) { c.RateBytesPerSec = 0 },
		"rate_burst_bytes":   func(c *Config) { c.RateBurstBytes = int64(c.MaxFrameBytes) },
		"dedup_entries":      func(c *Config) { c.DedupEntries = 1 },
		"dedup_window":       func(c *Config) { c.DedupWindow = -1 },
	}
	for key, mutate := range cases {
		c := ok
		mutate(&c)
		err := c.Validate()
		if !errors.Is(err, ErrInvalidConfig) || !strings.Contains(err.Error(), "gossip."+key+" ") {
			t.Errorf("%s: %v", key, err)
		}
		if _, err := New(c, nil, nil); err == nil {
			t.Errorf("%s: New accepted the config", key)
		}
	}
}

func TestStartTwiceAndNilHandler(t *testing.T) {
	tr, err := New(testConfig(0), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := tr.Start(nil); err == nil {
		t.Error("nil handler accepted")
	}
	if err := tr.Start(newRecorder()); err != nil {
		t.Fatal(err)
	}
	if err := tr.Start(newRecorder()); !errors.Is(err, ErrStarted) {
		t.Errorf("second Start: %v", err)
	}
	if err := tr.Close(); err != nil {
		t.Fatal(err)
	}
	if err := tr.Start(newRecorder()); !errors.Is(err, ErrStarted) {
		t.Errorf("Start after Close: %v", err)
	}
}

func TestListenErrorIsReported(t *testing.T) {
	a, _ := startTransport(t, testConfig(0), newRecorder())
	cfg := testConfig(1)
	cfg.ListenAddr = a.Addr() // taken
	tr, err := New(cfg, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := tr.Start(newRecorder()); err == nil {
		tr.Close()
		t.Fatal("listening on a taken port succeeded")
	}
	if err := tr.Close(); err != nil {
		t.Errorf("Close after a failed Start: %v", err)
	}
}
