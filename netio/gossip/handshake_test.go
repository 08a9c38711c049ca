package gossip

import (
	"encoding/binary"
	"fmt"
	"net"
	"testing"
	"time"

	"aitbc/engine"
	"aitbc/engine/types"
	"aitbc/internal/wait"
	"aitbc/netio/gossip/noise"
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
			r.writeRaw(r.msg1())
			r.readMsg2()
			r.writeRaw(r.msg3(r.ident(ProtocolVersion, "another-chain", testGenesis)))
		}},
		{"wrong genesis", "genesis", func(r *rawPeer, _ *Transport) {
			r.writeRaw(r.msg1())
			r.readMsg2()
			r.writeRaw(r.msg3(r.ident(ProtocolVersion, testChainID, types.Hash{1})))
		}},
		{"wrong version", "version", func(r *rawPeer, _ *Transport) {
			r.writeRaw(r.msg1())
			r.readMsg2()
			r.writeRaw(r.msg3(r.ident(ProtocolVersion+1, testChainID, testGenesis)))
		}},
		{"a version 1 hello", "version", func(r *rawPeer, _ *Transport) {
			r.writeRaw(frameOf(msgHelloV1, append([]byte{0, 1}, make([]byte, 100)...)))
		}},
		{"identity signed by another key", "bad_signature", func(r *rawPeer, _ *Transport) {
			r.writeRaw(r.msg1())
			r.readMsg2()
			id := r.ident(ProtocolVersion, testChainID, testGenesis)
			id.Sign(other, r.static.Public())
			r.writeRaw(r.msg3(id))
		}},
		{"identity signed over another static key", "bad_signature", func(r *rawPeer, _ *Transport) {
			r.writeRaw(r.msg1())
			r.readMsg2()
			id := r.ident(ProtocolVersion, testChainID, testGenesis)
			id.Sign(r.key, make([]byte, 32))
			r.writeRaw(r.msg3(id))
		}},
		{"self", "self", func(r *rawPeer, tr *Transport) {
			r.key = tr.cfg.NodeKey
			r.writeRaw(r.msg1())
			r.hs.ReadMessage2(mustPayload(r))
			r.writeRaw(r.msg3(r.ident(ProtocolVersion, testChainID, testGenesis)))
		}},
		{"identity cut short", "malformed", func(r *rawPeer, _ *Transport) {
			r.writeRaw(r.msg1())
			r.readMsg2()
			id := r.ident(ProtocolVersion, testChainID, testGenesis).Encode()
			m, _, err := r.hs.WriteMessage3(id[:len(id)-1])
			if err != nil {
				r.t.Fatal(err)
			}
			r.writeRaw(handshakeFrame(m))
		}},
		{"garbage before handshake", "malformed", func(r *rawPeer, _ *Transport) {
			r.writeRaw([]byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n"))
		}},
		{"status before handshake", "malformed", func(r *rawPeer, _ *Transport) {
			r.writeRaw(statusFrame(1, types.Hash{}))
		}},
		{"truncated message 1", "noise", func(r *rawPeer, _ *Transport) {
			h := r.msg1()
			h = h[:len(h)-1]
			binary.BigEndian.PutUint32(h, uint32(len(h)-lenPrefix))
			r.writeRaw(h)
		}},
		{"altered message 3", "noise", func(r *rawPeer, _ *Transport) {
			r.writeRaw(r.msg1())
			r.readMsg2()
			m := r.msg3(r.ident(ProtocolVersion, testChainID, testGenesis))
			m[len(m)-1] ^= 1
			r.writeRaw(m)
		}},
		{"vote instead of message 3", "malformed", func(r *rawPeer, _ *Transport) {
			r.writeRaw(r.msg1())
			r.readMsg2()
			r.writeRaw(frameOf(MsgVote, make([]byte, 146)))
		}},
		{"zero length prefix", "malformed", func(r *rawPeer, _ *Transport) {
			r.write([]byte{0, 0, 0, 0, 1})
		}},
		{"no handshake in time", "timeout", func(*rawPeer, *Transport) {}},
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
			if err := r.writeRaw(b[i : i+1]); err != nil {
				t.Fatal(err)
			}
			if i%16 == 0 {
				time.Sleep(time.Millisecond) // let the loop see partial frames
			}
		}
	}
	trickle(r.msg1())
	r.readMsg2()
	trickle(r.msg3(r.ident(ProtocolVersion, testChainID, testGenesis)))
	wait.Until(t, "peer", 10*time.Second, func() bool { return len(tr.Peers()) == 1 })
	// Two sealed frames, the second split across the first's tail.
	both := append(r.seal(statusFrame(5, types.Hash{5})), r.seal(statusFrame(6, types.Hash{6}))...)
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
	binary.BigEndian.PutUint32(hdr[:], uint32(cfg.MaxFrameBytes+noise.TagLen+1))
	hdr[lenPrefix] = byte(MsgStatus)
	r.writeRaw(hdr[:])
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
		frameOf(0x7f, []byte{1, 2, 3}),                              // unknown type
		frameOf(MsgStatus, make([]byte, statusLen+1)),               // trailing byte
		frameOf(MsgVote, make([]byte, 146)),                         // vote version 0
		frameOf(MsgTxs, []byte{0, 0}),                               // empty batch
		frameOf(MsgBlockReq, []byte{0, 0, 0, 0, 0, 0, 0, 1, 0, 65}), // count over MaxSyncBlocks
		frameOf(MsgHandshake, make([]byte, 48)),                     // handshake after the handshake
		frameOf(MsgEvidence, []byte{0, 0}),                          // empty evidence batch
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

// mustPayload reads the transport's message 2 frame and returns its
// payload (for cases that must not check the identity).
func mustPayload(r *rawPeer) []byte {
	r.t.Helper()
	typ, p, err := r.readFrame()
	if err != nil || typ != MsgHandshake {
		r.t.Fatalf("want handshake, got %v %v", typ, err)
	}
	return p
}
