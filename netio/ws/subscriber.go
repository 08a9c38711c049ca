package ws

import (
	"net"
	"net/netip"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lesismal/nbio/nbhttp/websocket"
)

// subscriber is one WebSocket connection: its subscriptions and its
// outbound queue. The queue is not a copy of the frames (nbio holds the
// bytes); it is the accounting of how many bytes handed to nbio the socket
// has not taken yet, bounded by Config.QueueBytes.
type subscriber struct {
	srv         *Server
	wsc         *websocket.Conn
	raw         net.Conn // the nbio connection frames are written to
	remote      string
	source      netip.Addr // the per-address slot it holds (valid when holdsSource)
	holdsSource bool

	topics topicMask // guarded by srv.mu

	// Guarded by srv.pubMu (every frame is written under it): the
	// subscription of each topic (nil: not subscribed). Only new_blocks
	// has a cursor when the server has a BlockSource (feed.go).
	subs [numTopics]*subscription

	// feedWaiting: the block feed has a frame for this connection that did
	// not fit; wrote() wakes the feed when bytes drain.
	feedWaiting atomic.Bool

	// lastInbound is when the client last sent a frame (Unix ns): the
	// keepalive's measure (pingLoop).
	lastInbound atomic.Int64

	mu      sync.Mutex
	closed  bool
	handed  uint64 // bytes handed to nbio
	written uint64 // bytes nbio reported written to the socket
}

// subscription is one topic's stream on one connection: its id and the
// sequence number of the last message sent, both in every message, and for
// a new_blocks feed the height to send next.
type subscription struct {
	id   string
	seq  uint64
	next uint64 // feed only: the next height to send
	last uint64 // feed only: the last height handed to the socket (0: none)
	// blockedSince is when the feed first found no room for this
	// subscription's next frame (zero: not blocked).
	blockedSince time.Time
}

func newSubscriber(s *Server, wsc *websocket.Conn) *subscriber {
	sub := &subscriber{srv: s, wsc: wsc, raw: wsc.UnderlayerConn()}
	if a := wsc.RemoteAddr(); a != nil {
		sub.remote = a.String()
	}
	sub.heard()
	return sub
}

// heard records a frame from the client.
func (s *subscriber) heard() { s.lastInbound.Store(time.Now().UnixNano()) }

// lastHeard is when the client last sent a frame.
func (s *subscriber) lastHeard() time.Time { return time.Unix(0, s.lastInbound.Load()) }

// newSubscription returns a subscription with a fresh id, unique on this
// server for its lifetime.
func (s *Server) newSubscription() *subscription {
	return &subscription{id: "s" + strconv.FormatUint(s.subIDs.Add(1), 10)}
}

// fits reports whether an n-byte frame fits within limit queued bytes now.
// An empty queue always takes one frame, so a frame larger than the limit
// still goes out.
func (s *subscriber) fits(n, limit int) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	q := s.handed - s.written
	return !s.closed && (q == 0 || q+uint64(n) <= uint64(limit))
}

// send hands one frame to the connection. It never blocks; it returns
// false if the subscriber is closed or was just dropped because the frame
// would overflow its queue. Callers hold srv.pubMu, so frames reach the
// wire in queue order.
func (s *subscriber) send(frame []byte) bool {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return false
	}
	if q := s.handed - s.written; q > 0 && q+uint64(len(frame)) > uint64(s.srv.cfg.QueueBytes) {
		s.mu.Unlock()
		s.srv.dropSlow(s)
		return false
	}
	return s.write(frame)
}

// sendAlways hands a control frame (pong, close) past the queue bound:
// they are small, and a close frame must follow what is queued.
func (s *subscriber) sendAlways(frame []byte) bool {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return false
	}
	return s.write(frame)
}

// write finishes a send; s.mu is held on entry and released.
func (s *subscriber) write(frame []byte) bool {
	s.handed += uint64(len(frame))
	s.mu.Unlock()
	// nbio.Conn.Write does not block: it writes what the socket takes and
	// copies the rest into its own buffer. It may report written bytes
	// (wrote) before it returns, so s.mu must not be held here.
	if _, err := s.raw.Write(frame); err != nil {
		s.close()
		return false
	}
	return true
}

// wrote is nbio's report that n more bytes reached the socket.
func (s *subscriber) wrote(n int) {
	s.mu.Lock()
	s.written += uint64(n)
	s.mu.Unlock()
	if s.feedWaiting.Load() && s.feedWaiting.CompareAndSwap(true, false) {
		s.srv.wakeFeed()
	}
}

// close closes the connection once; srv.onClose does the bookkeeping.
func (s *subscriber) close() {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	_ = s.wsc.Close()
}

// markClosed stops further sends (the connection is already gone).
func (s *subscriber) markClosed() {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
}

// isClosed reports whether sends have stopped.
func (s *subscriber) isClosed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closed
}
