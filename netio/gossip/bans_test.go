package gossip

import (
	"net/netip"
	"testing"
	"time"

	"aitbc/internal/wait"
)

// Penalties count by source address too: a peer that changes its key
// after every penalty still reaches the limit, and its address is
// banned. Loopback is exempt (a devnet shares it); its keys still count.
func TestPenaltiesCountBySourceAddress(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	b := newBanList()
	remote := netip.MustParseAddr("192.0.2.7")
	const limit = 3
	for i := range limit {
		hit := b.penalize(peerID(nodeKey(100+i)), remote, now, limit)
		if hit != (i == limit-1) {
			t.Fatalf("fresh key %d from one address: limit reached = %v", i, hit)
		}
	}
	b.ban(peerID(nodeKey(100+limit-1)), remote, now, time.Minute)
	if !b.ipBanned(remote, now) || b.ipBanned(remote, now.Add(time.Minute)) {
		t.Error("address ban missing or not expiring")
	}

	loop := netip.MustParseAddr("127.0.0.1")
	for i := range 2 * limit {
		if b.penalize(peerID(nodeKey(200+i)), loop, now, limit) {
			t.Fatalf("loopback fresh key %d reached the limit", i)
		}
	}
	for i := range limit {
		if hit := b.penalize(peerID(nodeKey(300)), loop, now, limit); hit != (i == limit-1) {
			t.Fatalf("one loopback key, penalty %d: %v", i, hit)
		}
	}
	b.ban(peerID(nodeKey(300)), loop, now, time.Minute)
	if b.ipBanned(loop, now) || !b.keyBanned(peerID(nodeKey(300)), now) {
		t.Error("loopback banned, or its key not")
	}

	// Old penalties are forgotten.
	other := netip.MustParseAddr("198.51.100.1")
	b.penalize(peerID(nodeKey(400)), other, now, limit)
	b.penalize(peerID(nodeKey(401)), other, now, limit)
	b.prune(now.Add(time.Hour), time.Minute)
	if b.penalize(peerID(nodeKey(402)), other, now.Add(time.Hour), limit) {
		t.Error("stale address penalties counted")
	}
}

// One address may hold at most MaxConnsPerAddr inbound connections,
// handshaking ones included; the next is refused and counted.
func TestPerAddressConnectionCap(t *testing.T) {
	cfg := testConfig(0)
	cfg.MaxConnsPerAddr = 3
	tr, m := startTransport(t, cfg, newRecorder())
	for i := range 3 {
		r := dialRaw(t, tr.Addr(), nodeKey(10+i))
		if i == 0 {
			r.handshake() // an established one counts too
		}
	}
	wait.Until(t, "first peer", 10*time.Second, func() bool { return len(tr.Peers()) == 1 })
	r := dialRaw(t, tr.Addr(), nodeKey(13))
	if !r.closed() {
		t.Fatal("connection over the per-address cap kept")
	}
	wait.Until(t, "counted", 10*time.Second, func() bool { return hsFailures(m, "per_address") == 1 })
}

// One address may present at most MaxNewKeysPerAddr node ids a minute
// that are neither configured nor seen from it already: fresh keys do
// not buy fresh chances.
func TestPerAddressNewKeyCap(t *testing.T) {
	cfg := testConfig(0)
	cfg.MaxNewKeysPerAddr = 3
	cfg.Peers = []string{string(peerID(nodeKey(9))) + "@127.0.0.1:1"} // configured: exempt
	tr, m := startTransport(t, cfg, newRecorder())
	connect := func(k int) {
		t.Helper()
		r := dialRaw(t, tr.Addr(), nodeKey(k))
		r.handshake()
		wait.Until(t, "peer", 10*time.Second, func() bool { return hasPeer(tr, peerID(nodeKey(k))) })
		r.conn.Close()
		wait.Until(t, "peer gone", 10*time.Second, func() bool { return !hasPeer(tr, peerID(nodeKey(k))) })
	}
	for k := 20; k < 23; k++ {
		connect(k)
	}
	r := dialRaw(t, tr.Addr(), nodeKey(23))
	r.handshake()
	if !r.closed() {
		t.Fatal("fourth new key in a minute accepted")
	}
	wait.Until(t, "counted", 10*time.Second, func() bool { return hsFailures(m, "per_address") == 1 })
	connect(20) // seen already: not new
	connect(9)  // configured
}
