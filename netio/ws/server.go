package ws

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"aitbc/internal/addrlimit"

	"github.com/lesismal/nbio"
	"github.com/lesismal/nbio/nbhttp"
	"github.com/lesismal/nbio/nbhttp/websocket"
	"github.com/prometheus/client_golang/prometheus"
)

// handshakeTimeout bounds how long a TCP connection may sit before its
// upgrade request arrives, and the write of the 101 answer.
const handshakeTimeout = 10 * time.Second

// Server states.
const (
	stateNew int32 = iota
	stateRunning
	stateStopped
)

// Server is the WebSocket server. Publish is safe from any goroutine.
type Server struct {
	cfg    Config
	m      *Metrics
	sent   [numTopics]prometheus.Counter
	log    *slog.Logger
	engine *nbhttp.Engine
	up     *websocket.Upgrader
	ln     net.Listener // bound by Start before the engine starts

	state   atomic.Int32
	slots   atomic.Int64       // connections admitted: upgrading or open
	perAddr *addrlimit.Counter // the same, per source address

	// pubMu serializes every frame write, so each subscriber's queue order
	// is its wire order. Lock order: pubMu, then mu, then subscriber.mu.
	pubMu sync.Mutex

	mu       sync.Mutex
	conns    map[*subscriber]struct{}
	stopping bool
	drained  chan struct{} // closed when stopping and conns is empty

	// topics[i] lists topic i's subscribers; copy-on-write under mu, so
	// Publish reads it without locking mu.
	topics [numTopics]atomic.Pointer[[]*subscriber]

	subIDs  atomic.Uint64 // subscription ids handed out
	scratch []byte        // frame buffer, under pubMu: nbio copies what it keeps

	// The block feed (feed.go); src is nil without one.
	src      BlockSource
	head     atomic.Uint64
	feedWake chan struct{}
	stopFeed chan struct{}
	feedDone chan struct{}

	stopPing chan struct{}
	pingDone chan struct{}
}

// New checks cfg and builds a server; Start listens. A nil m or log means
// no metrics or no logs.
func New(cfg Config, m *Metrics, log *slog.Logger) (*Server, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if m == nil {
		m = NopMetrics()
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Server{
		cfg: cfg, m: m, log: log,
		conns:    map[*subscriber]struct{}{},
		perAddr:  addrlimit.NewCounter(cfg.MaxConnsPerAddr),
		drained:  make(chan struct{}),
		stopPing: make(chan struct{}),
		pingDone: make(chan struct{}),
		feedWake: make(chan struct{}, 1),
		stopFeed: make(chan struct{}),
		feedDone: make(chan struct{}),
	}
	for i, t := range topicNames {
		s.sent[i] = m.MessagesSent.WithLabelValues(t)
		s.topics[i].Store(&[]*subscriber{})
	}

	s.engine = nbhttp.NewEngine(nbhttp.Config{
		Name:                    "aitbc-ws",
		Network:                 "tcp",
		Addrs:                   []string{cfg.Addr},
		Listen:                  s.listener,
		Handler:                 http.HandlerFunc(s.serveHTTP),
		MaxLoad:                 cfg.MaxConns + 64, // headroom to answer 503s
		ReleaseWebsocketPayload: true,
		KeepaliveTime:           handshakeTimeout,
		ReadLimit:               max(1<<20, 2*cfg.hardMessageLimit()),
		MaxHTTPBodySize:         4 << 10,
		SupportServerOnly:       true,
	})
	s.engine.OnWrittenSize(s.onWritten)
	// nbio hands an accepted connection from its accept goroutine to a
	// poller through epoll, which the race detector cannot see. Taking the
	// connection's lock here (the poller takes it before every read) makes
	// the handoff visible; it costs one uncontended lock per connection.
	s.engine.OnOpen(func(c net.Conn) {
		if nc, ok := c.(*nbio.Conn); ok {
			nc.Lock()
			nc.Unlock()
		}
	})

	u := websocket.NewUpgrader()
	u.Engine = s.engine
	// The data is public and there are no cookies or credentials to ride
	// on, so pages from any origin (explorers, wallets) may subscribe.
	u.CheckOrigin = func(*http.Request) bool { return true }
	u.HandshakeTimeout = handshakeTimeout
	// No read deadline: pingLoop judges liveness itself, so that a client
	// reading behind a backlog is not taken for a dead one and a closed
	// client is told why (a close frame naming the last height).
	u.KeepaliveTime = 0
	u.MessageLengthLimit = cfg.hardMessageLimit()
	u.OnMessage(s.onMessage)
	u.OnClose(s.onClose)
	u.SetPingHandler(s.onPing)
	u.SetPongHandler(func(c *websocket.Conn, _ string) {
		if sub := subscriberOf(c); sub != nil {
			sub.heard()
		}
	})
	u.SetCloseHandler(s.onCloseFrame)
	s.up = u
	return s, nil
}

// Start listens on cfg.Addr and starts the keepalive pings.
func (s *Server) Start() error {
	if !s.state.CompareAndSwap(stateNew, stateRunning) {
		return ErrStarted
	}
	// Bind here rather than inside nbio: nbio's own listen-failure path
	// can hang in Engine.Stop.
	ln, err := net.Listen("tcp", s.cfg.Addr)
	if err == nil {
		s.ln = ln
		err = s.engine.Start()
		if err != nil {
			_ = ln.Close()
		}
	}
	if err != nil {
		s.state.Store(stateStopped)
		close(s.pingDone)
		close(s.feedDone)
		return fmt.Errorf("ws listen %s: %w", s.cfg.Addr, err)
	}
	go s.pingLoop()
	if s.src != nil {
		go s.feedLoop()
	} else {
		close(s.feedDone)
	}
	s.log.Info("ws listening", "addr", s.Addr())
	return nil
}

// Addr is the bound address once started (the configured one before).
func (s *Server) Addr() string {
	if s.state.Load() != stateNew && s.ln != nil {
		return s.ln.Addr().String()
	}
	return s.cfg.Addr
}

// listener hands nbio the socket Start bound.
func (s *Server) listener(network, addr string) (net.Listener, error) {
	if s.ln == nil {
		return nil, fmt.Errorf("ws: no listener bound for %s %s", network, addr)
	}
	return s.ln, nil
}

// Stop stops accepting, tells every client the server is going away,
// closes all connections and waits for their cleanup or ctx.
func (s *Server) Stop(ctx context.Context) error {
	if !s.state.CompareAndSwap(stateRunning, stateStopped) {
		s.state.CompareAndSwap(stateNew, stateStopped) // never started: nothing to close
		return nil
	}
	close(s.stopPing)
	<-s.pingDone
	close(s.stopFeed)
	<-s.feedDone

	s.mu.Lock()
	s.stopping = true
	subs := s.snapshotLocked()
	if len(s.conns) == 0 {
		close(s.drained)
	}
	s.mu.Unlock()

	bye := closeFrame(1001, "server stopping")
	s.pubMu.Lock()
	for _, sub := range subs {
		sub.sendAlways(bye)
	}
	s.pubMu.Unlock()

	err := s.engine.Shutdown(ctx)
	select {
	case <-s.drained:
	case <-ctx.Done():
		if err == nil {
			err = ctx.Err()
		}
	}
	if err != nil {
		return fmt.Errorf("ws stop: %w", err)
	}
	return nil
}

// Publish sends msg (a JSON object) to topic's subscribers. It never
// blocks on a client: one that cannot keep up is dropped.
func (s *Server) Publish(topic string, msg []byte) {
	i, ok := topicIndex(topic)
	if !ok {
		s.log.Warn("ws publish on unknown topic", "topic", topic)
		return
	}
	if i == blocksTopic && s.src != nil {
		s.log.Warn("ws publish on new_blocks ignored: the block feed delivers it")
		return
	}
	if len(*s.topics[i].Load()) == 0 {
		return
	}
	sent := 0
	s.pubMu.Lock()
	// Checked under pubMu: nothing follows the close frames Stop sends.
	if s.state.Load() == stateRunning {
		for _, sub := range *s.topics[i].Load() {
			ss := sub.subs[i]
			if ss == nil {
				continue
			}
			// One frame per subscriber (its id and seq lead the message);
			// nbio copies what the socket does not take, so the buffer is
			// reused at once.
			s.scratch = appendMessage(s.scratch[:0], ss.id, ss.seq+1, msg)
			if sub.send(s.scratch) {
				ss.seq++
				sent++
			}
		}
		if cap(s.scratch) > maxPooledFrame {
			s.scratch = nil
		}
	}
	s.pubMu.Unlock()
	s.sent[i].Add(float64(sent))
}

// HasSubscribers reports whether topic has a subscriber now, without a
// lock: a publisher asks it before rendering a message, so a node with no
// new_transactions subscriber encodes nothing per admitted tx. A subscriber
// that arrives just after a false answer misses that message, as it would
// have had it subscribed a moment later.
func (s *Server) HasSubscribers(topic string) bool {
	i, ok := topicIndex(topic)
	return ok && len(*s.topics[i].Load()) > 0
}

// serveHTTP routes /ws and /ws/{topic}; everything else is a JSON 404.
func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	var mask topicMask
	var from uint64
	switch p := r.URL.Path; {
	case p == "/ws":
	case strings.HasPrefix(p, "/ws/"):
		i, ok := topicIndex(p[len("/ws/"):])
		if !ok {
			httpError(w, http.StatusNotFound, CodeUnknownTopic, fmt.Sprintf("no topic %.64q; topics: %s", p[len("/ws/"):], strings.Join(topicNames[:], ", ")))
			return
		}
		mask = 1 << i
	default:
		httpError(w, http.StatusNotFound, CodeNotFound, fmt.Sprintf("no route for %.200s", p))
		return
	}
	if r.Method != http.MethodGet {
		w.Header().Set("Allow", "GET")
		httpError(w, http.StatusMethodNotAllowed, CodeMethodNotAllowed, r.Method+" not allowed")
		return
	}
	if r.URL.RawQuery != "" {
		var err error
		if from, err = s.pathFromHeight(r, mask); err != nil {
			httpError(w, http.StatusBadRequest, CodeBadFromHeight, err.Error())
			return
		}
	}
	if s.state.Load() != stateRunning {
		httpError(w, http.StatusServiceUnavailable, CodeStopping, "server stopping")
		return
	}
	if n := s.slots.Add(1); n > int64(s.cfg.MaxConns) {
		s.slots.Add(-1)
		s.m.Rejected.WithLabelValues("max_conns").Inc()
		w.Header().Set("Retry-After", "5")
		httpError(w, http.StatusServiceUnavailable, CodeTooManyConnections, fmt.Sprintf("connection limit %d reached", s.cfg.MaxConns))
		return
	}
	source, srcErr := addrlimit.Key(r.RemoteAddr)
	holds := srcErr == nil // not an IP connection: no per-address cap to apply
	if holds && !s.perAddr.Acquire(source) {
		s.slots.Add(-1)
		s.m.Rejected.WithLabelValues("max_conns_per_addr").Inc()
		w.Header().Set("Retry-After", "5")
		httpError(w, http.StatusTooManyRequests, CodeTooManyConnections,
			fmt.Sprintf("this address has %d WebSocket connections open, the most allowed", s.cfg.MaxConnsPerAddr))
		return
	}
	wsc, err := s.up.Upgrade(w, r, nil)
	if err != nil {
		s.slots.Add(-1) // Upgrade answered the request itself
		if holds {
			s.perAddr.Release(source)
		}
		s.log.Debug("ws upgrade failed", "remote", r.RemoteAddr, "err", err)
		return
	}
	// Messages and the close of this connection run on its nbio job queue
	// after this handler returns, so the session is set before they look.
	sub := newSubscriber(s, wsc)
	sub.source, sub.holdsSource = source, holds
	wsc.SetSession(sub)
	s.pubMu.Lock()
	s.mu.Lock()
	if s.stopping {
		s.mu.Unlock()
		s.pubMu.Unlock()
		sub.close()
		return
	}
	s.conns[sub] = struct{}{}
	s.setTopicsLocked(sub, sub.topics|mask)
	if from > 0 {
		sub.subs[blocksTopic].next = from
	}
	s.mu.Unlock()
	s.pubMu.Unlock()
	// nbio arms the handshake's read deadline (handshakeTimeout) on its
	// accept goroutine after it registers the connection with a poller, so
	// under load that can land after Upgrade cleared it, and cut a healthy
	// subscriber 10 s in without a word. Clear it again once the accept
	// path is long done; liveness is pingLoop's from here on.
	time.AfterFunc(handshakeTimeout/2, func() {
		if !sub.isClosed() {
			_ = sub.raw.SetReadDeadline(time.Time{})
		}
	})
	if mask&(1<<blocksTopic) != 0 && s.src != nil {
		s.wakeFeed()
	}
	s.m.Connections.Inc()
	s.log.Debug("ws connected", "remote", sub.remote, "path", r.URL.Path)
}

func httpError(w http.ResponseWriter, status int, code, msg string) {
	b := encodeError(code, msg)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}

// setTopicsLocked changes sub's subscriptions and rebuilds the changed
// topic lists. A new subscription gets a fresh id; on the block feed it
// starts after the current head (the caller may set an earlier next).
// Callers hold mu (and pubMu, so no Publish is mid-list).
func (s *Server) setTopicsLocked(sub *subscriber, mask topicMask) {
	changed := sub.topics ^ mask
	sub.topics = mask
	for i := range numTopics {
		if changed&(1<<i) == 0 {
			continue
		}
		sub.subs[i] = nil
		if mask&(1<<i) != 0 {
			sub.subs[i] = s.newSubscription()
			sub.subs[i].next = s.head.Load() + 1
		}
		old := *s.topics[i].Load()
		next := make([]*subscriber, 0, len(old)+1)
		for _, o := range old {
			if o != sub {
				next = append(next, o)
			}
		}
		if mask&(1<<i) != 0 {
			next = append(next, sub)
		}
		s.topics[i].Store(&next)
	}
}

func (s *Server) snapshotLocked() []*subscriber {
	out := make([]*subscriber, 0, len(s.conns))
	for sub := range s.conns {
		out = append(out, sub)
	}
	return out
}

func subscriberOf(c *websocket.Conn) *subscriber {
	sub, _ := c.Session().(*subscriber)
	return sub
}

// onMessage handles a client's control message.
func (s *Server) onMessage(c *websocket.Conn, mt websocket.MessageType, data []byte) {
	sub := subscriberOf(c)
	if sub == nil || sub.isClosed() {
		return
	}
	sub.heard()
	var ctl control
	var err error
	switch {
	case mt != websocket.TextMessage:
		err = fmt.Errorf("%w: send control messages as JSON text frames", ErrBinaryMessage)
	case len(data) > s.cfg.MaxMessageBytes:
		err = fmt.Errorf("%w: %d bytes > %d", ErrMessageTooLarge, len(data), s.cfg.MaxMessageBytes)
	default:
		ctl, err = decodeControl(data)
	}
	s.pubMu.Lock()
	defer s.pubMu.Unlock()
	if s.state.Load() != stateRunning {
		return // Stop has sent the close frame
	}
	if err != nil {
		sub.send(appendFrame(nil, opText, encodeError(errorCode(err), err.Error())))
		return
	}
	s.mu.Lock()
	if _, open := s.conns[sub]; !open {
		s.mu.Unlock()
		return
	}
	ack := "subscribed"
	if ctl.op == opSubscribe {
		if ctl.fromHeight > 0 {
			if s.src == nil {
				s.mu.Unlock()
				sub.send(appendFrame(nil, opText, encodeError(CodeBadFromHeight, "from_height: this server has no block feed")))
				return
			}
			// A resume replaces the stream: new id, new cursor.
			s.setTopicsLocked(sub, sub.topics&^(1<<blocksTopic))
		}
		s.setTopicsLocked(sub, sub.topics|ctl.mask)
		if ctl.fromHeight > 0 {
			sub.subs[blocksTopic].next = ctl.fromHeight
		}
	} else {
		s.setTopicsLocked(sub, sub.topics&^ctl.mask)
		ack = "unsubscribed"
	}
	s.mu.Unlock()
	ids := map[string]string{}
	if ack == "subscribed" {
		for _, t := range ctl.topics {
			i, _ := topicIndex(t)
			ids[t] = sub.subs[i].id
		}
	}
	// Under pubMu: the ack precedes the first message of a new topic.
	sub.send(appendFrame(nil, opText, encodeAck(ack, ctl.topics, ids)))
	if ctl.mask&(1<<blocksTopic) != 0 && s.src != nil {
		s.wakeFeed()
	}
}

// onPing answers a client's ping through the accounted write path.
func (s *Server) onPing(c *websocket.Conn, appData string) {
	if sub := subscriberOf(c); sub != nil {
		sub.heard()
		s.pubMu.Lock()
		sub.sendAlways(appendFrame(nil, opPong, []byte(appData)))
		s.pubMu.Unlock()
	}
}

// onCloseFrame echoes a client's close; nbio closes the connection after.
func (s *Server) onCloseFrame(c *websocket.Conn, code int, _ string) {
	sub := subscriberOf(c)
	if sub == nil {
		return
	}
	frame := appendFrame(nil, opClose, nil)
	if code != 1005 { // 1005: the client sent no code, so none is echoed
		frame = closeFrame(uint16(code), "")
	}
	s.pubMu.Lock()
	sub.sendAlways(frame)
	s.pubMu.Unlock()
}

// onClose runs once per upgraded connection, whatever closed it.
func (s *Server) onClose(c *websocket.Conn, err error) {
	sub := subscriberOf(c)
	if sub == nil {
		return
	}
	sub.markClosed()
	// pubMu too: setTopicsLocked clears sub.subs, which the block feed and
	// Publish read under it. nbio runs OnClose on its own goroutines, never
	// inside a Write or Close that a pubMu holder makes.
	s.pubMu.Lock()
	s.mu.Lock()
	_, registered := s.conns[sub]
	if registered {
		delete(s.conns, sub)
		s.setTopicsLocked(sub, 0)
		if s.stopping && len(s.conns) == 0 {
			close(s.drained)
		}
	}
	s.mu.Unlock()
	s.pubMu.Unlock()
	s.slots.Add(-1)
	if sub.holdsSource {
		s.perAddr.Release(sub.source)
	}
	if registered {
		s.m.Connections.Dec()
	}
	s.log.Debug("ws closed", "remote", sub.remote, "err", err)
}

// onWritten credits written bytes to the connection's queue.
func (s *Server) onWritten(c *nbio.Conn, _ []byte, n int) {
	wsc, ok := c.Session().(*websocket.Conn)
	if !ok {
		return
	}
	if sub := subscriberOf(wsc); sub != nil {
		sub.wrote(n)
	}
}

// closeGrace is how long a connection closed with a reason has to take
// its queued frames and the close frame before it is cut.
const closeGrace = 5 * time.Second

// unresponsiveGrace is closeGrace for a client that answers nothing: the
// close frame is a courtesy it will likely never read.
const unresponsiveGrace = 500 * time.Millisecond

// dropSlow closes a subscriber that cannot keep up: a push message that
// would overflow its queue, or a block feed stalled for SlowTimeout. The
// close frame (1008) follows everything queued, and for a new_blocks
// subscriber names the last height handed out, so the client resumes with
// from_height = that + 1. Callers hold pubMu.
func (s *Server) dropSlow(sub *subscriber) {
	if sub.isClosed() {
		return
	}
	s.m.Dropped.Inc()
	reason := s.withLastHeight(sub, "slow consumer")
	s.log.Info("ws dropped slow subscriber", "remote", sub.remote, "queue_bytes", s.cfg.QueueBytes, "reason", reason)
	s.closeWithReason(sub, 1008, reason, closeGrace)
}

// withLastHeight appends the last new_blocks height handed to sub, when it
// follows the block feed, so the client knows where to resume.
func (s *Server) withLastHeight(sub *subscriber, reason string) string {
	if ss := sub.subs[blocksTopic]; ss != nil && s.src != nil {
		return fmt.Sprintf("%s; last height delivered %d", reason, ss.last)
	}
	return reason
}

// closeWithReason queues a close frame, stops further sends and cuts the
// connection after grace. Callers hold pubMu.
func (s *Server) closeWithReason(sub *subscriber, code uint16, reason string, grace time.Duration) {
	if !sub.sendAlways(closeFrame(code, reason)) {
		return
	}
	sub.markClosed()
	s.mu.Lock() // lock order: pubMu, then mu
	s.setTopicsLocked(sub, 0)
	s.mu.Unlock()
	time.AfterFunc(grace, sub.close)
}

// pingLoop pings every connection each PingInterval; nbio's read deadline
// (renewed by any inbound frame) closes the ones that stay silent.
func (s *Server) pingLoop() {
	defer close(s.pingDone)
	t := time.NewTicker(s.cfg.PingInterval)
	defer t.Stop()
	for {
		select {
		case <-s.stopPing:
			return
		case <-t.C:
			s.mu.Lock()
			subs := s.snapshotLocked()
			s.mu.Unlock()
			now := time.Now()
			window := s.cfg.PingInterval + s.cfg.PongTimeout
			s.pubMu.Lock()
			for _, sub := range subs {
				if silent := now.Sub(sub.lastHeard()); silent > window {
					if !peerBusyAlive(sub.raw, s.cfg.PongTimeout) {
						s.log.Debug("ws closing unresponsive client", "remote", sub.remote, "silent", silent)
						s.closeWithReason(sub, 1008, s.withLastHeight(sub, "no pong within "+window.String()), unresponsiveGrace)
						continue
					}
					// A client reading behind a backlog sees the ping late and
					// its pong comes later still; its TCP acknowledging data is
					// the proof of life. One that stops reading is the feed's
					// (SlowTimeout) or the queue bound's to close.
					sub.heard()
				}
				sub.sendAlways(pingFrame)
			}
			s.pubMu.Unlock()
		}
	}
}
