package gossip

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"aitbc/engine/consensus"
	"aitbc/internal/wait"
)

// spliceConns forwards whole frames between a and b in both directions
// until either closes, passing each through edit (which may change it).
func spliceConns(a, b net.Conn, edit func(dir int, n int, frame []byte)) {
	var wg sync.WaitGroup
	pipe := func(dir int, dst, src net.Conn) {
		defer wg.Done()
		defer dst.Close()
		defer src.Close()
		for n := 0; ; n++ {
			var hdr [lenPrefix]byte
			if _, err := io.ReadFull(src, hdr[:]); err != nil {
				return
			}
			l := binary.BigEndian.Uint32(hdr[:])
			if l > 64<<20 {
				return
			}
			f := make([]byte, lenPrefix+int(l))
			copy(f, hdr[:])
			if _, err := io.ReadFull(src, f[lenPrefix:]); err != nil {
				return
			}
			if edit != nil {
				edit(dir, n, f)
			}
			if _, err := dst.Write(f); err != nil {
				return
			}
		}
	}
	wg.Add(2)
	go pipe(0, b, a)
	go pipe(1, a, b)
	wg.Wait()
}

// A man in the middle that dials both A and B and forwards each one's
// handshake messages to the other must authenticate to neither: the
// session keys come from Diffie-Hellman with keys it does not hold. Both
// sides count the failed handshake.
func TestSplicingMITMFailsAndIsCounted(t *testing.T) {
	cfgA, cfgB := testConfig(1), testConfig(2)
	cfgA.HandshakeTimeout, cfgB.HandshakeTimeout = 300*time.Millisecond, 300*time.Millisecond
	recA, recB := newRecorder(), newRecorder()
	a, ma := startTransport(t, cfgA, recA)
	b, mb := startTransport(t, cfgB, recB)

	ca, err := net.Dial("tcp", a.Addr())
	if err != nil {
		t.Fatal(err)
	}
	cb, err := net.Dial("tcp", b.Addr())
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { spliceConns(ca, cb, nil); close(done) }()
	t.Cleanup(func() { ca.Close(); cb.Close(); <-done })

	deadline := time.Now().Add(2 * time.Second)
	for time.Now().Before(deadline) {
		if hasPeer(a, b.ID()) || hasPeer(b, a.ID()) {
			t.Fatalf("splice authenticated: A has B=%v, B has A=%v", hasPeer(a, b.ID()), hasPeer(b, a.ID()))
		}
		if failedHandshakes(ma) >= 1 && failedHandshakes(mb) >= 1 {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if failedHandshakes(ma) < 1 || failedHandshakes(mb) < 1 {
		t.Fatalf("handshake failures not counted: A %v, B %v", failedHandshakes(ma), failedHandshakes(mb))
	}
	if hasPeer(a, b.ID()) || hasPeer(b, a.ID()) {
		t.Fatal("splice authenticated")
	}
}

// failedHandshakes sums the handshake failures over every reason.
func failedHandshakes(m *Metrics) float64 {
	var s float64
	for _, r := range handshakeReasons {
		s += hsFailures(m, r)
	}
	return s
}

// An active man in the middle runs its own Noise handshake with A and
// presents B's identity (node key and signature, as B sent them to it).
// The signature covers B's Noise static key, not the one the MITM holds,
// so A refuses it as a bad signature.
func TestMITMReplayingAnIdentityIsRefused(t *testing.T) {
	a, ma := startTransport(t, testConfig(1), newRecorder())
	b, _ := startTransport(t, testConfig(2), newRecorder())

	// Learn B's identity by starting a handshake with it.
	rb := dialRaw(t, b.Addr(), nodeKey(9))
	rb.writeRaw(rb.msg1())
	rb.readMsg2()
	stolen := *rb.their

	ra := dialRaw(t, a.Addr(), nodeKey(9))
	ra.writeRaw(ra.msg1())
	ra.readMsg2()
	ra.writeRaw(ra.msg3(&stolen))
	if !ra.closed() {
		t.Fatal("A kept the connection")
	}
	wait.Until(t, "counted", 10*time.Second, func() bool { return hsFailures(ma, "bad_signature") == 1 })
	if hasPeer(a, b.ID()) {
		t.Fatal("A accepted the MITM as B")
	}
}

// proxy accepts connections on 127.0.0.1 and splices each, frame by
// frame, to target; edit sees every frame (conn is the connection's
// number, dir 0 from the dialer, n the frame's number in its direction).
type proxy struct {
	ln   net.Listener
	wg   sync.WaitGroup
	mu   sync.Mutex
	open []net.Conn
}

func startProxy(t *testing.T, target string, edit func(conn, dir, n int, frame []byte)) *proxy {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	px := &proxy{ln: ln}
	px.wg.Add(1)
	go func() {
		defer px.wg.Done()
		for i := 0; ; i++ {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			d, err := net.Dial("tcp", target)
			if err != nil {
				c.Close()
				continue
			}
			px.mu.Lock()
			px.open = append(px.open, c, d)
			px.mu.Unlock()
			px.wg.Add(1)
			go func(i int) {
				defer px.wg.Done()
				spliceConns(c, d, func(dir, n int, f []byte) {
					if edit != nil {
						edit(i, dir, n, f)
					}
				})
			}(i)
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		px.mu.Lock()
		for _, c := range px.open {
			c.Close()
		}
		px.mu.Unlock()
		px.wg.Wait()
	})
	return px
}

func (px *proxy) addr() string { return px.ln.Addr().String() }

// One flipped bit in one sealed frame closes that connection; the sender
// is not penalized (the flip is the path's doing), so it reconnects and
// its next messages arrive.
func TestFlippedBitClosesWithoutPenalty(t *testing.T) {
	recB := newRecorder()
	b, mb := startTransport(t, testConfig(2), recB)
	var flipped atomic.Bool
	px := startProxy(t, b.Addr(), func(conn, dir, n int, f []byte) {
		// Frames 0 and 1 from the dialer are Noise messages 1 and 3;
		// the TXS frame is the first large sealed one (a PONG is 29
		// bytes).
		if conn == 0 && dir == 0 && n >= 2 && len(f) > 100 && !flipped.Load() {
			f[len(f)/2] ^= 0x10
			flipped.Store(true)
		}
	})
	cfgA := testConfig(1)
	cfgA.Peers = []string{px.addr()}
	a, ma := startTransport(t, cfgA, newRecorder())
	wait.Until(t, "connected", 10*time.Second, func() bool { return hasPeer(b, a.ID()) && hasPeer(a, b.ID()) })
	a.BroadcastTxs(testTxs(2, 1))
	wait.Until(t, "frame flipped and refused", 10*time.Second, func() bool {
		return flipped.Load() && dropped(mb, dropUnauthentic) == 1
	})
	if v := value(mb.Penalties); v != 0 {
		t.Errorf("B penalized A %v times for a flip on the path", v)
	}
	if n := recB.nTxs(a.ID()); n != 0 {
		t.Errorf("B delivered %d txs from the altered frame", n)
	}
	wait.Until(t, "reconnected", 10*time.Second, func() bool { return hasPeer(b, a.ID()) && hasPeer(a, b.ID()) })
	wait.Until(t, "delivered after reconnecting", 10*time.Second, func() bool {
		a.BroadcastTxs(testTxs(2, 10))
		return recB.nTxs(a.ID()) > 0
	})
	if v := value(mb.Penalties) + value(ma.Penalties); v != 0 {
		t.Errorf("penalties %v", v)
	}
}

// Nothing a node says after the handshake, nor who it is, can be read
// off the wire: a recording proxy finds no tx bytes, vote bytes or node
// ids (raw or hex) anywhere in either direction.
func TestRecordedTrafficRevealsNothing(t *testing.T) {
	var mu sync.Mutex
	var wire bytes.Buffer
	recB := newRecorder()
	b, _ := startTransport(t, testConfig(2), recB)
	px := startProxy(t, b.Addr(), func(_, _, _ int, f []byte) {
		mu.Lock()
		wire.Write(f)
		mu.Unlock()
	})
	cfgA := testConfig(1)
	cfgA.Peers = []string{px.addr()}
	a, _ := startTransport(t, cfgA, newRecorder())
	wait.Until(t, "connected", 10*time.Second, func() bool { return hasPeer(b, a.ID()) && hasPeer(a, b.ID()) })

	f := newChainFixture(t)
	vote := f.vote(0, 1)
	txs := testTxs(3, 1)
	a.BroadcastTxs(txs)
	a.BroadcastConsensus([]consensus.Message{vote})
	b.BroadcastTxs(testTxs(3, 50))
	wait.Until(t, "delivered", 10*time.Second, func() bool { return recB.nTxs(a.ID()) == 3 && recB.nConsensus() == 1 })

	mu.Lock()
	rec := bytes.Clone(wire.Bytes())
	mu.Unlock()
	secrets := map[string][]byte{
		"vote":      vote.Vote.Encode(),
		"vote sig":  vote.Vote.Sig[:],
		"A's key":   a.pub[:],
		"B's key":   b.pub[:],
		"A's id":    []byte(a.ID()),
		"B's id":    []byte(b.ID()),
		"chain id":  []byte(testChainID),
		"A id (hex": []byte(hex.EncodeToString(a.pub[:8])),
	}
	for i, tx := range txs {
		secrets["tx "+string(rune('0'+i))] = tx.Encode()
		secrets["tx sig "+string(rune('0'+i))] = tx.Sig[:]
	}
	for name, s := range secrets {
		if bytes.Contains(rec, s) {
			t.Errorf("%s is in the clear", name)
		}
	}
	if len(rec) < 200 {
		t.Fatalf("recorded only %d bytes", len(rec))
	}
}

// A proxy that drops one sealed frame (or replays one) makes the next
// frame fail to open: the counter nonce is implicit, so a gap or a
// repeat cannot go unnoticed.
func TestReplayedFrameIsRefused(t *testing.T) {
	b, mb := startTransport(t, testConfig(2), newRecorder())
	var first []byte
	var mu sync.Mutex
	px := startProxy(t, b.Addr(), func(conn, dir, n int, f []byte) {
		if conn != 0 || dir != 0 || n < 2 {
			return
		}
		mu.Lock()
		defer mu.Unlock()
		if first == nil {
			first = bytes.Clone(f)
		} else {
			copy(f, first) // same length only if same frame size: replay the first
		}
	})
	cfgA := testConfig(1)
	cfgA.Peers = []string{px.addr()}
	a, _ := startTransport(t, cfgA, newRecorder())
	wait.Until(t, "connected", 10*time.Second, func() bool { return hasPeer(b, a.ID()) && hasPeer(a, b.ID()) })
	for i := 0; i < 2; i++ {
		a.BroadcastTxs(testTxs(1, uint64(1+i))) // equal-sized frames
		time.Sleep(20 * time.Millisecond)
	}
	wait.Until(t, "replay refused", 10*time.Second, func() bool { return dropped(mb, dropUnauthentic) >= 1 })
	if v := value(mb.Penalties); v != 0 {
		t.Errorf("penalties %v", v)
	}
}
