package gossip

import (
	"context"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/panjf2000/gnet/v2"

	"aitbc/engine"
	"aitbc/engine/bls"
	"aitbc/engine/types"
	"aitbc/netio/gossip/noise"
)

// Sealed frames are gathered into one buffer per write: writeChunk is
// large enough that a batch of small frames costs one write syscall, and
// small enough that the buffer stays in cache. A buffer grown past
// maxKeptWriteBuf (by a block-sized frame) is not kept.
const (
	writeChunk      = 256 << 10
	maxKeptWriteBuf = 1 << 20
)

// handshake states of a connection, advanced by its event loop.
type hsState uint8

const (
	hsWaitMsg1    hsState = iota // listener: waiting for the dialer's Noise message 1
	hsWaitMsg2                   // dialer: message 1 sent, waiting for message 2
	hsWaitMsg3                   // listener: message 2 sent, waiting for message 3
	hsWaitConfirm                // dialer: message 3 sent, waiting for the listener's first sealed frame
	hsDone                       // established: a peer
)

// peer is one connection, from accept or dial until close. Fields are
// grouped by who may touch them.
type peer struct {
	t        *Transport
	c        gnet.Conn
	outbound bool
	pin      engine.PeerID // the node id the dialed address must prove; "" if not pinned
	opened   chan struct{}
	done     chan struct{} // closed by OnClose

	// Set in OnOpen before the peer is visible to other goroutines.
	addr     string
	ip       netip.Addr
	openedAt time.Time

	// Event loop only.
	state     hsState
	hs        *noise.Handshake   // until established
	dialerEph [noise.KeyLen]byte // the dialer's ephemeral key: the duplicate tie-break
	ident     *noise.Identity    // theirs, once checked
	sess      *noise.Session     // once the handshake completes: opens their frames, seals ours (in Run)
	rbuf      []byte             // reused plaintext of the frame being handled
	wbuf      []byte             // reused sealed bytes of one write
	bucket    tokenBucket

	// Written by the event loop before the peer is published in
	// Transport.peers (under Transport.mu); read-only afterwards.
	id         engine.PeerID
	pub        [types.PubKeyLen]byte
	listenPort uint16
	since      time.Time
	tag        [types.PubKeyLen + noise.KeyLen]byte // dialer key || dialer ephemeral key
	// validatorKey is the validator key whose proof the handshake
	// verified (it was in the list then); nil if none (validators.go).
	validatorKey *bls.PublicKey

	// Under Transport.mu once the peer is published: SetValidators
	// changes them (validators.go).
	kind     string // a peer kind label (metrics.go)
	stranger bool   // kind is a stranger's: counts against MaxPeers

	established atomic.Bool
	closing     atomic.Bool  // close requested; stop delivering its frames
	lastRecv    atomic.Int64 // unix nanoseconds of the last frame bytes
	// announced is 1 + the committed height of the peer's last STATUS;
	// 0 until its first (relay.go reads it).
	announced atomic.Uint64

	// The send queue. pending holds frames not yet handed to the socket;
	// inflight the sizes of frames handed to gnet whose bytes may still
	// sit in its outbound buffer (settled against OutboundBuffered in the
	// event loop). Both count against the limits.
	mu            sync.Mutex
	pending       [][]byte
	spare         [][]byte
	pendingBytes  int
	inflight      sizeRing
	inflightBytes int
	flushing      bool // a flush task is queued on the event loop
	gone          bool // OnClose ran: the conn must not be touched
	reason        error
}

func newPeer(t *Transport, outbound bool) *peer {
	return &peer{
		t:        t,
		outbound: outbound,
		opened:   make(chan struct{}),
		done:     make(chan struct{}),
	}
}

// initQueue sizes the send queue; called once the handshake completes,
// before the first send, so refused connections cost no queue memory.
func (p *peer) initQueue() {
	p.mu.Lock()
	p.inflight = newSizeRing(p.t.cfg.SendQueueFrames)
	p.mu.Unlock()
}

// direction is the metric and log label of who dialed.
func (p *peer) direction() string {
	if p.outbound {
		return "outbound"
	}
	return "inbound"
}

// send queues frame for the peer and reports whether it was accepted. It
// never blocks: past the queue limits the frame is dropped and counted.
// Safe from any goroutine, the event loop included.
func (p *peer) send(frame []byte, t MsgType) bool {
	return p.sendWithin(frame, t, p.t.cfg.SendQueueFrames, p.t.cfg.SendQueueBytes)
}

// sendWithin is send with the queue limited to maxFrames and maxBytes
// (at most the configured limits): relayed frames use part of the queue.
func (p *peer) sendWithin(frame []byte, t MsgType, maxFrames, maxBytes int) bool {
	p.mu.Lock()
	if p.gone {
		p.mu.Unlock()
		return false
	}
	full := len(p.pending)+p.inflight.len() >= maxFrames ||
		p.pendingBytes+p.inflightBytes+len(frame) > maxBytes
	if !full {
		p.pending = append(p.pending, frame)
		p.pendingBytes += len(frame)
	}
	// A flush also refreshes what the socket has taken, so even a
	// dropped frame schedules one: the queue drains as soon as the peer
	// reads again.
	p.scheduleFlushLocked()
	p.mu.Unlock()
	m := p.t.ctr
	if full {
		m.dropped(dropQueueFull)
		return false
	}
	m.sent[t].Inc()
	m.bytesSent.Add(float64(len(frame)))
	return true
}

// scheduleFlushLocked queues one flush task on the connection's event
// loop unless one is queued already. Holding p.mu here keeps the task
// from racing OnClose: once gone is set nothing is queued any more.
func (p *peer) scheduleFlushLocked() {
	if p.flushing || p.gone {
		return
	}
	if err := p.c.EventLoop().Execute(context.Background(), p); err == nil {
		p.flushing = true
	}
}

// Run is the flush task (gnet.Runnable), executed on the event loop: it
// seals every pending frame, in queue order (the nonce order), into the
// peer's reused write buffer and hands it to the socket in writes of
// about writeChunk bytes. What the socket does not take stays in gnet's
// outbound buffer and is accounted as inflight until a later flush or
// read sees it gone.
func (p *peer) Run(context.Context) error {
	p.mu.Lock()
	if p.gone {
		p.mu.Unlock()
		return nil
	}
	batch := p.pending
	p.pending, p.spare = p.spare, nil
	for _, f := range batch {
		p.inflight.push(len(f) + noise.TagLen)
		p.inflightBytes += len(f) + noise.TagLen
	}
	p.pendingBytes = 0
	p.flushing = false
	p.mu.Unlock()

	buf := p.wbuf[:0]
	for i, f := range batch {
		var err error
		if buf, err = p.sess.Seal(buf, f); err != nil {
			p.close(err)
			return nil
		}
		if len(buf) >= writeChunk || i == len(batch)-1 {
			p.t.ctr.bytesSealed.Add(float64(len(buf)))
			if _, err := p.c.Write(buf); err != nil {
				return nil // gnet closed the connection and OnClose cleaned up
			}
			buf = buf[:0]
		}
	}
	if cap(buf) <= maxKeptWriteBuf {
		p.wbuf = buf
	} else {
		p.wbuf = nil
	}
	clear(batch)
	p.settle(p.c.OutboundBuffered(), batch[:0])
	return nil
}

// settle retires the inflight frames the socket has fully taken, given
// the bytes gnet still holds, and recycles spare as the next pending
// slice. Event loop only.
func (p *peer) settle(outbound int, spare [][]byte) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for p.inflight.len() > 0 && p.inflightBytes-p.inflight.front() >= outbound {
		p.inflightBytes -= p.inflight.pop()
	}
	if spare != nil && p.spare == nil {
		p.spare = spare
	}
}

// close asks the event loop to close the connection, recording why (the
// first reason wins). Safe from any goroutine.
func (p *peer) close(reason error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.reason == nil {
		p.reason = reason
	}
	p.closing.Store(true)
	if !p.gone {
		_ = p.c.Close()
	}
}

// setReason records why the connection is being closed and stops the
// delivery of its frames; it reports false if a reason was already set
// (so a failure is counted once). The caller closes the connection.
func (p *peer) setReason(reason error) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.closing.Store(true)
	if p.reason != nil {
		return false
	}
	p.reason = reason
	return true
}

// closeReason is why we closed the connection (nil: the peer closed it or
// it failed).
func (p *peer) closeReason() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.reason
}

// markGone runs in OnClose: the conn is about to be released, so the
// queue is dropped and nothing may touch the conn afterwards.
func (p *peer) markGone() {
	p.mu.Lock()
	p.gone = true
	p.closing.Store(true)
	p.pending, p.spare = nil, nil
	p.pendingBytes, p.inflightBytes = 0, 0
	p.inflight.reset()
	p.mu.Unlock()
}

// sizeRing is a fixed-capacity FIFO of frame sizes.
type sizeRing struct {
	buf        []int
	head, size int
}

func newSizeRing(n int) sizeRing { return sizeRing{buf: make([]int, n)} }

func (r *sizeRing) len() int   { return r.size }
func (r *sizeRing) front() int { return r.buf[r.head] }
func (r *sizeRing) reset()     { r.head, r.size = 0, 0 }

func (r *sizeRing) push(v int) {
	r.buf[(r.head+r.size)%len(r.buf)] = v
	r.size++
}

func (r *sizeRing) pop() int {
	v := r.buf[r.head]
	r.head = (r.head + 1) % len(r.buf)
	r.size--
	return v
}

// ipOrZero is the peer's IP, or the zero Addr for a nil peer.
func (p *peer) ipOrZero() netip.Addr {
	if p == nil {
		return netip.Addr{}
	}
	return p.ip
}
