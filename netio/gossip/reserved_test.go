package gossip

import (
	"crypto/ed25519"
	"crypto/sha256"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"aitbc/internal/wait"
)

// Strangers filling MaxPeers cannot lock out a configured peer: pinned
// ids have slots of their own, a further stranger is refused as full,
// and the peers are reported by kind.
func TestStrangersCannotTakeReservedSlots(t *testing.T) {
	c, _ := startTransport(t, testConfig(3), newRecorder())
	cfgB := testConfig(2)
	cfgB.MaxPeers = 2
	cfgB.Peers = []string{string(c.ID()) + "@127.0.0.1:1"} // pinned, dialed later at its real address
	b, mb := startTransport(t, cfgB, newRecorder())

	for _, k := range []int{10, 11} {
		r := dialRaw(t, b.Addr(), nodeKey(k))
		r.handshake()
		wait.Until(t, "stranger connected", 10*time.Second, func() bool { return hasPeer(b, peerID(nodeKey(k))) })
	}
	// A third stranger gets through accept (a slot is kept for the
	// configured id) but not past its handshake.
	r := dialRaw(t, b.Addr(), nodeKey(12))
	r.handshake()
	if !r.closed() {
		t.Fatal("third stranger kept its connection")
	}
	wait.Until(t, "full counted", 10*time.Second, func() bool { return hsFailures(mb, "full") == 1 })

	// The configured peer dials in and is accepted.
	cfgD := testConfig(3)
	cfgD.ListenAddr = ""
	cfgD.Peers = []string{string(b.ID()) + "@" + b.Addr()}
	c.Close()
	d, _ := startTransport(t, cfgD, newRecorder())
	wait.Until(t, "configured peer connected", 10*time.Second, func() bool { return hasPeer(b, d.ID()) })
	if v := value(mb.PeersByKind.WithLabelValues(kindInboundStranger)); v != 2 {
		t.Errorf("strangers %v", v)
	}
	if v := value(mb.PeersByKind.WithLabelValues("configured")); v != 1 {
		t.Errorf("configured %v", v)
	}
	if v := value(mb.Handshakes); v != 3 {
		t.Errorf("completed handshakes %v, want 3", v)
	}
}

// 1,000 connection attempts with fresh keys from one address, the first
// of which stay connected and fill MaxPeers, do not stop a configured
// validator from connecting. (Here MaxPeers refuses the flood at accept
// first; TestPerAddressNewKeyCap covers the fresh-key cap.)
func TestFreshKeyFloodDoesNotLockOutValidators(t *testing.T) {
	cfgB := testConfig(2)
	cfgB.MaxPeers = 8
	c, _ := startTransport(t, testConfig(3), newRecorder())
	cfgB.Peers = []string{string(c.ID()) + "@" + c.Addr()}
	b, mb := startTransport(t, cfgB, newRecorder())

	const attempts, workers, kept = 1000, 4, 16
	var wg sync.WaitGroup
	var next atomic.Int64
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1))
				if i > attempts {
					return
				}
				conn, err := net.Dial("tcp", b.Addr())
				if err != nil {
					continue // the listener's backlog, under the flood
				}
				seed := sha256.Sum256([]byte(fmt.Sprintf("flood %d", i)))
				r, err := newRawPeer(t, conn, ed25519.NewKeyFromSeed(seed[:]))
				if err == nil && r.writeRaw(r.msg1()) == nil {
					if typ, p, err := r.readFrame(); err == nil && typ == MsgHandshake {
						if _, err := r.hs.ReadMessage2(p); err == nil {
							r.writeRaw(r.msg3(r.ident(ProtocolVersion, testChainID, testGenesis)))
						}
					}
				}
				if i <= kept {
					t.Cleanup(func() { conn.Close() })
				} else {
					conn.Close()
				}
			}
		}()
	}
	wg.Wait()
	wait.Until(t, "validator connected through the flood", 10*time.Second, func() bool { return hasPeer(b, c.ID()) && hasPeer(c, b.ID()) })
	if v := value(mb.PeersByKind.WithLabelValues(kindInboundStranger)); v > float64(cfgB.MaxPeers) {
		t.Errorf("%v strangers, MaxPeers %d", v, cfgB.MaxPeers)
	}
	if v := hsFailures(mb, "full"); v == 0 {
		t.Error("no stranger refused as full")
	}
}
