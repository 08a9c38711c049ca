package gossip

import (
	"context"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/panjf2000/gnet/v2"

	"aitbc/engine"
	"aitbc/engine/types"
)

// maxIovecs is the most buffers one writev may carry (IOV_MAX on Linux
// and the BSDs); longer batches are written in chunks.
const maxIovecs = 1024

// handshake states of a connection, advanced by its event loop.
type hsState uint8

const (
	hsWaitHello hsState = iota // our HELLO is sent; waiting for theirs
	hsWaitAuth                 // our AUTH is sent; waiting for theirs
	hsDone                     // established: a peer
)

// peer is one connection, from accept or dial until close. Fields are
// grouped by who may touch them.
type peer struct {
	t        *Transport
	c        gnet.Conn
	outbound bool
	opened   chan struct{}
	done     chan struct{} // closed by OnClose

	// Set in OnOpen before the peer is visible to other goroutines.
	addr     string
	ip       netip.Addr
	openedAt time.Time

	// Event loop only.
	state     hsState
	challenge [challengeLen]byte // ours, for this connection
	hello     *hello             // theirs, once received
	bucket    tokenBucket

	// Written by the event loop before the peer is published in
	// Transport.peers (under Transport.mu); read-only afterwards.
	id         engine.PeerID
	pub        [types.PubKeyLen]byte
	listenPort uint16
	since      time.Time
	tag        [types.PubKeyLen + challengeLen]byte // dialer key || dialer challenge

	established atomic.Bool
	closing     atomic.Bool  // close requested; stop delivering its frames
	lastRecv    atomic.Int64 // unix nanoseconds of the last frame bytes

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
	cfg := &p.t.cfg
	p.mu.Lock()
	if p.gone {
		p.mu.Unlock()
		return false
	}
	full := len(p.pending)+p.inflight.len() >= cfg.SendQueueFrames ||
		p.pendingBytes+p.inflightBytes+len(frame) > cfg.SendQueueBytes
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
// hands every pending frame to the socket in writevs of up to maxIovecs
// buffers. What the socket does not take stays in gnet's outbound buffer
// and is accounted as inflight until a later flush or read sees it gone.
func (p *peer) Run(context.Context) error {
	p.mu.Lock()
	if p.gone {
		p.mu.Unlock()
		return nil
	}
	batch := p.pending
	p.pending, p.spare = p.spare, nil
	for _, f := range batch {
		p.inflight.push(len(f))
		p.inflightBytes += len(f)
	}
	p.pendingBytes = 0
	p.flushing = false
	p.mu.Unlock()

	for rest := batch; len(rest) > 0; {
		n := min(len(rest), maxIovecs)
		if _, err := p.c.Writev(rest[:n]); err != nil {
			return nil // gnet closed the connection and OnClose cleaned up
		}
		rest = rest[n:]
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
