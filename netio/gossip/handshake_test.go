package gossip

import (
	"crypto/ed25519"
	"encoding/binary"
	"fmt"
	"net"
	"testing"
	"time"

	"aitbc/engine"
	"aitbc/engine/types"
	"aitbc/internal/wait"
)

// Each bad handshake closes the connection, is counted under its reason,
// and delivers nothing to the handler.
func TestHandshakeFailures(t *testing.T) {
	other := nodeKey(50)
	cases := []struct {
		name   string
		reason string
		run    func(r *rawPeer, tr *Transport)
	}{
		{"wrong chain_id", "chain_id", func(r *rawPeer, _ *Transport) {
			r.write(r.hello(ProtocolVersion, "another-chain", testGenesis))
		}},
		{"wrong genesis", "genesis", func(r *rawPeer, _ *Transport) {
			r.write(r.hello(ProtocolVersion, testChainID, types.Hash{1}))
		}},
		{"wrong version", "version", func(r *rawPeer, _ *Transport) {
			r.write(r.hello(ProtocolVersion+1, testChainID, testGenesis))
		}},
		{"auth signed by another key", "bad_signature", func(r *rawPeer, _ *Transport) {
			r.write(r.hello(ProtocolVersion, testChainID, testGenesis))
			r.readHello()
			sig := ed25519.Sign(other, authSignBytes(&r.their.challenge, &r.pub, &r.their.pubKey, testChainID, testGenesis))
			r.write(authFrame(sig))
		}},
		{"auth over the wrong challenge", "bad_signature", func(r *rawPeer, _ *Transport) {
			r.write(r.hello(ProtocolVersion, testChainID, testGenesis))
			r.readHello()
			sig := ed25519.Sign(r.key, authSignBytes(&r.chal, &r.pub, &r.their.pubKey, testChainID, testGenesis))
			r.write(authFrame(sig))
		}},
		{"self", "self", func(r *rawPeer, tr *Transport) {
			r.pub = tr.pub
			r.write(r.hello(ProtocolVersion, testChainID, testGenesis))
		}},
		{"garbage before hello", "malformed", func(r *rawPeer, _ *Transport) {
			r.write([]byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n"))
		}},
		{"status before hello", "malformed", func(r *rawPeer, _ *Transport) {
			r.write(statusFrame(1, types.Hash{}))
		}},
		{"truncated hello", "malformed", func(r *rawPeer, _ *Transport) {
			h := r.hello(ProtocolVersion, testChainID, testGenesis)
			h = h[:len(h)-1]
			binary.BigEndian.PutUint32(h, uint32(len(h)-lenPrefix))
			r.write(h)
		}},
		{"vote instead of auth", "malformed", func(r *rawPeer, _ *Transport) {
			r.write(r.hello(ProtocolVersion, testChainID, testGenesis))
			r.readHello()
			r.write(frameOf(MsgVote, make([]byte, 146)))
		}},
		{"zero length prefix", "malformed", func(r *rawPeer, _ *Transport) {
			r.write([]byte{0, 0, 0, 0, 1})
		}},
		{"no hello in time", "timeout", func(*rawPeer, *Transport) {}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := testConfig(0)
			cfg.HandshakeTimeout = 300 * time.Millisecond
			rec := newRecorder()
			tr, m := startTransport(t, cfg, rec)
			r := dialRaw(t, tr.Addr(), nodeKey(1))
			tc.run(r, tr)
			if !r.closed() {
				t.Fatal("connection left open")
			}
			wait.Until(t, "failure counted", 10*time.Second, func() bool { return hsFailures(m, tc.reason) == 1 })
			for _, other := range handshakeReasons {
				if other != tc.reason && hsFailures(m, other) != 0 {
					t.Errorf("also counted as %s", other)
				}
			}
			if n := rec.total(); n != 0 {
				t.Errorf("handler saw %d messages", n)
			}
			if n := len(tr.Peers()); n != 0 {
				t.Errorf("%d peers", n)
			}
		})
	}
}

func TestDialingItselfIsRefused(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	cfg := testConfig(0)
	cfg.ListenAddr = addr
	cfg.Peers = []string{addr}
	tr, m := startTransport(t, cfg, newRecorder())
	wait.Until(t, "self detected", 10*time.Second, func() bool { return hsFailures(m, "self") >= 1 })
	if n := len(tr.Peers()); n != 0 {
		t.Errorf("%d peers", n)
	}
}

func TestMaxPeers(t *testing.T) {
	cfg := testConfig(0)
	cfg.MaxPeers = 1
	rec := newRecorder()
	tr, m := startTransport(t, cfg, rec)
	r1 := dialRaw(t, tr.Addr(), nodeKey(1))
	r1.handshake()
	wait.Until(t, "first peer", 10*time.Second, func() bool { return len(tr.Peers()) == 1 })
	r2 := dialRaw(t, tr.Addr(), nodeKey(2))
	if !r2.closed() {
		t.Fatal("second connection accepted past MaxPeers")
	}
	wait.Until(t, "counted", 10*time.Second, func() bool { return hsFailures(m, "full") == 1 })
	r1.write(statusFrame(1, types.Hash{1}))
	wait.Until(t, "first peer still served", 10*time.Second, func() bool { return rec.nStatus() == 1 })
}

func TestFramesSplitAtEveryByte(t *testing.T) {
	rec := newRecorder()
	tr, _ := startTransport(t, testConfig(0), rec)
	r := dialRaw(t, tr.Addr(), nodeKey(1))
	if c, ok := r.conn.(*net.TCPConn); ok {
		c.SetNoDelay(true)
	}
	trickle := func(b []byte) {
		for i := range b {
			if err := r.write(b[i : i+1]); err != nil {
				t.Fatal(err)
			}
			if i%16 == 0 {
				time.Sleep(time.Millisecond) // let the loop see partial frames
			}
		}
	}
	trickle(r.hello(ProtocolVersion, testChainID, testGenesis))
	r.readHello()
	trickle(r.auth())
	if typ, _, err := r.readFrame(); err != nil || typ != MsgAuth {
		t.Fatalf("want auth, got %v %v", typ, err)
	}
	wait.Until(t, "peer", 10*time.Second, func() bool { return len(tr.Peers()) == 1 })
	// Two frames, the second split across the first's tail.
	both := append(statusFrame(5, types.Hash{5}), statusFrame(6, types.Hash{6})...)
	trickle(both[:7])
	trickle(both[7:])
	wait.Until(t, "statuses", 10*time.Second, func() bool { return rec.nStatus() == 2 })
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if rec.status[0].height != 5 || rec.status[1].height != 6 {
		t.Errorf("statuses %+v", rec.status)
	}
}

func TestOversizeLengthClosesAndPenalizes(t *testing.T) {
	cfg := testConfig(0)
	rec := newRecorder()
	tr, m := startTransport(t, cfg, rec)
	r := dialRaw(t, tr.Addr(), nodeKey(1))
	r.handshake()
	wait.Until(t, "peer", 10*time.Second, func() bool { return len(tr.Peers()) == 1 })
	var hdr [frameHeader]byte
	binary.BigEndian.PutUint32(hdr[:], uint32(cfg.MaxFrameBytes+1))
	hdr[lenPrefix] = byte(MsgStatus)
	r.write(hdr[:])
	if !r.closed() {
		t.Fatal("connection left open after an oversize length")
	}
	if v := value(m.Penalties); v != 1 {
		t.Errorf("penalties = %v, want 1", v)
	}
	wait.Until(t, "peer gone", 10*time.Second, func() bool { return len(tr.Peers()) == 0 })
}

// A malformed message is dropped and penalized; the connection stays.
func TestMalformedMessagesArePenalizedAndDropped(t *testing.T) {
	rec := newRecorder()
	tr, m := startTransport(t, testConfig(0), rec)
	r := dialRaw(t, tr.Addr(), nodeKey(1))
	r.handshake()
	wait.Until(t, "peer", 10*time.Second, func() bool { return len(tr.Peers()) == 1 })
	bad := [][]byte{
		frameOf(0x7f, []byte{1, 2, 3}),                                                      // unknown type
		frameOf(MsgStatus, make([]byte, statusLen+1)),                                       // trailing byte
		frameOf(MsgVote, make([]byte, 146)),                                                 // vote version 0
		frameOf(MsgTxs, []byte{0, 0}),                                                       // empty batch
		frameOf(MsgBlockReq, []byte{0, 0, 0, 0, 0, 0, 0, 1, 0, 65}),                         // count over MaxSyncBlocks
		frameOf(MsgHello, r.hello(ProtocolVersion, testChainID, testGenesis)[frameHeader:]), // second hello
	}
	for _, f := range bad {
		r.write(f)
	}
	r.write(statusFrame(9, types.Hash{9}))
	wait.Until(t, "good frame after bad ones", 10*time.Second, func() bool { return rec.nStatus() == 1 })
	if v := value(m.Penalties); v != float64(len(bad)) {
		t.Errorf("penalties = %v, want %d", v, len(bad))
	}
	if v := dropped(m, dropMalformed); v != float64(len(bad)) {
		t.Errorf("malformed drops = %v, want %d", v, len(bad))
	}
	if rec.total() != 1 {
		t.Errorf("handler saw %d messages, want 1", rec.total())
	}
}

func TestHandlerRejectionPenalizes(t *testing.T) {
	rec := newRecorder()
	rec.reject = fmt.Errorf("%w: wrong chain", engine.ErrBadPeerMessage)
	tr, m := startTransport(t, testConfig(0), rec)
	r := dialRaw(t, tr.Addr(), nodeKey(1))
	r.handshake()
	wait.Until(t, "peer", 10*time.Second, func() bool { return len(tr.Peers()) == 1 })
	r.write(statusFrame(1, types.Hash{}))
	wait.Until(t, "penalty", 10*time.Second, func() bool { return value(m.Penalties) == 1 })
}

func TestPingIsAnsweredAndSilentPeersClosed(t *testing.T) {
	cfg := testConfig(0)
	cfg.PingInterval = 50 * time.Millisecond
	cfg.PeerTimeout = 400 * time.Millisecond
	tr, _ := startTransport(t, cfg, newRecorder())
	r := dialRaw(t, tr.Addr(), nodeKey(1))
	r.handshake()
	r.write(pingFrame(MsgPing, 42))
	sawPing, sawPong := false, false
	for !(sawPing && sawPong) {
		typ, p, err := r.readFrame()
		if err != nil {
			t.Fatal(err)
		}
		switch typ {
		case MsgPong:
			if n, _ := decodePing(typ, p); n != 42 {
				t.Errorf("pong nonce %d", n)
			}
			sawPong = true
		case MsgPing:
			sawPing = true
		}
	}
	// Now stay silent: the transport must close us.
	if !r.closed() {
		t.Fatal("silent peer not closed")
	}
	wait.Until(t, "peer gone", 10*time.Second, func() bool { return len(tr.Peers()) == 0 })
}
