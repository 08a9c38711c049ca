package gossip

import (
	"errors"
	"strings"
	"testing"
	"time"

	"aitbc/engine"
	"aitbc/internal/wait"
)

func TestParsePeer(t *testing.T) {
	id := string(peerID(nodeKey(3)))
	cases := []struct {
		in   string
		want PeerAddr
		ok   bool
	}{
		{"127.0.0.1:9070", PeerAddr{Addr: "127.0.0.1:9070"}, true},
		{id + "@127.0.0.1:9070", PeerAddr{ID: engine.PeerID(id), Addr: "127.0.0.1:9070"}, true},
		{"0x" + strings.ToUpper(id) + "@node1.example:9170", PeerAddr{ID: engine.PeerID(id), Addr: "node1.example:9170"}, true},
		{id + "@[::1]:9070", PeerAddr{ID: engine.PeerID(id), Addr: "[::1]:9070"}, true},
		{id[:62] + "@127.0.0.1:9070", PeerAddr{}, false}, // short id
		{"zz" + id[2:] + "@127.0.0.1:9070", PeerAddr{}, false},
		{id + "@", PeerAddr{}, false},
		{id + "@127.0.0.1", PeerAddr{}, false},
		{"@127.0.0.1:9070", PeerAddr{}, false},
		{"127.0.0.1:port", PeerAddr{}, false},
		{"", PeerAddr{}, false},
	}
	for _, tc := range cases {
		got, err := ParsePeer(tc.in)
		if (err == nil) != tc.ok || (tc.ok && got != tc.want) {
			t.Errorf("ParsePeer(%q) = %+v, %v", tc.in, got, err)
		}
		if tc.ok && got.String() != strings.Replace(strings.ToLower(strings.TrimPrefix(tc.in, "0x")), "node1.example", "node1.example", 1) {
			t.Errorf("String() = %q", got.String())
		}
	}
}

func TestConfigNamesBadPeerAndAllowEntries(t *testing.T) {
	cfg := testConfig(0)
	cfg.Peers = []string{"127.0.0.1:1", "abc@127.0.0.1:2"}
	if err := cfg.Validate(); !errors.Is(err, ErrInvalidConfig) || !strings.Contains(err.Error(), "peers[1]") {
		t.Errorf("peers: %v", err)
	}
	cfg = testConfig(0)
	cfg.Allow = []engine.PeerID{peerID(nodeKey(1)), "0x" + peerID(nodeKey(2))}
	if err := cfg.Validate(); !errors.Is(err, ErrInvalidConfig) || !strings.Contains(err.Error(), "allow[1]") {
		t.Errorf("allow: %v", err)
	}
}

// A pinned address answered by another node is refused before we reveal
// who we are, counted, and retried; the pinned node itself connects.
func TestPinnedPeerPresentingAnotherKeyIsRefused(t *testing.T) {
	b, mb := startTransport(t, testConfig(2), newRecorder())
	cfgA := testConfig(1)
	cfgA.Peers = []string{string(peerID(nodeKey(3))) + "@" + b.Addr()}
	a, ma := startTransport(t, cfgA, newRecorder())
	wait.Until(t, "wrong key counted", 10*time.Second, func() bool { return hsFailures(ma, "wrong_key") >= 2 })
	if hasPeer(a, b.ID()) || hasPeer(b, a.ID()) {
		t.Fatal("connected to the wrong node")
	}
	// B never learned A's identity: the dialer stops before message 3.
	if v := hsFailures(mb, "closed"); v < 1 {
		t.Errorf("B's side: closed = %v", v)
	}

	cfgC := testConfig(4)
	cfgC.Peers = []string{string(b.ID()) + "@" + b.Addr()}
	c, _ := startTransport(t, cfgC, newRecorder())
	wait.Until(t, "pinned peer connected", 10*time.Second, func() bool { return hasPeer(c, b.ID()) && hasPeer(b, c.ID()) })
}

// With an allow list, inbound strangers are refused after the handshake
// and counted; listed ids (and ids pinned in Peers) are accepted.
func TestAllowListRefusesInboundStrangers(t *testing.T) {
	cfgB := testConfig(2)
	cfgB.Allow = []engine.PeerID{peerID(nodeKey(5))}
	cfgB.Peers = []string{string(peerID(nodeKey(6))) + "@127.0.0.1:1"} // pinned: allowed inbound too
	b, mb := startTransport(t, cfgB, newRecorder())

	stranger := dialRaw(t, b.Addr(), nodeKey(1))
	stranger.handshake()
	if !stranger.closed() {
		t.Fatal("stranger kept its connection")
	}
	wait.Until(t, "counted", 10*time.Second, func() bool { return hsFailures(mb, "not_allowed") == 1 })

	for _, k := range []int{5, 6} {
		r := dialRaw(t, b.Addr(), nodeKey(k))
		r.handshake()
		wait.Until(t, "allowed peer", 10*time.Second, func() bool { return hasPeer(b, peerID(nodeKey(k))) })
	}
	if hasPeer(b, peerID(nodeKey(1))) {
		t.Fatal("stranger listed")
	}
}
