package ws

import (
	"net"
	"net/netip"
	"sync"

	"github.com/lesismal/nbio/nbhttp/websocket"
)

// subscriber is one WebSocket connection: its topics and its outbound
// queue. The queue is not a copy of the frames (nbio holds the bytes); it
// is the accounting of how many handed-over frames the socket has not
// taken yet, kept as the cumulative byte offsets at which they end.
type subscriber struct {
	srv         *Server
	wsc         *websocket.Conn
	raw         net.Conn // the nbio connection frames are written to
	remote      string
	source      netip.Addr // the per-address slot it holds (valid when holdsSource)
	holdsSource bool

	topics topicMask // guarded by srv.mu

	mu      sync.Mutex
	closed  bool
	ends    []uint64 // ring of frame end offsets; len is the queue capacity
	head, n int      // ring start and length: n frames not yet fully written
	handed  uint64   // bytes handed to nbio
	written uint64   // bytes nbio reported written to the socket
}

func newSubscriber(s *Server, wsc *websocket.Conn) *subscriber {
	sub := &subscriber{srv: s, wsc: wsc, raw: wsc.UnderlayerConn(), ends: make([]uint64, s.cfg.QueueLen)}
	if a := wsc.RemoteAddr(); a != nil {
		sub.remote = a.String()
	}
	return sub
}

// send hands one frame to the connection. It never blocks; it returns
// false if the subscriber is closed or was just dropped because its queue
// is full. Callers hold srv.pubMu, so frames reach the wire in queue order.
func (s *subscriber) send(frame []byte) bool {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return false
	}
	if s.n == len(s.ends) {
		s.closed = true
		s.mu.Unlock()
		s.srv.dropSlow(s)
		return false
	}
	s.handed += uint64(len(frame))
	s.ends[(s.head+s.n)%len(s.ends)] = s.handed
	s.n++
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
	for s.n > 0 && s.ends[s.head] <= s.written {
		s.head = (s.head + 1) % len(s.ends)
		s.n--
	}
	s.mu.Unlock()
}

// queued is the number of frames not yet fully written to the socket.
func (s *subscriber) queued() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.n
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
