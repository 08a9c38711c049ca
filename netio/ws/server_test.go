package ws

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lesismal/nbio/nbhttp/websocket"

	"aitbc/internal/metricstest"
	"aitbc/internal/wait"
)

func TestSubscribeByMessage(t *testing.T) {
	s, reg := startServer(t, testConfig())
	e := newClientEngine(t)
	c := mustDial(t, e, s, "/ws")

	c.send(t, `{"op":"subscribe","topics":["new_blocks","new_blocks","consensus_events"]}`)
	if r := c.nextReply(t); r.Op != "subscribed" || !slices.Equal(r.Topics, []string{"new_blocks", "consensus_events"}) {
		t.Fatalf("ack %+v", r)
	}
	const n = 200
	for i := range n {
		s.Publish(TopicNewBlocks, message(TopicNewBlocks, i))
		s.Publish(TopicNewTransactions, message(TopicNewTransactions, i)) // not subscribed
	}
	for i := range n {
		if r := c.nextReply(t); r.Topic != TopicNewBlocks || r.N != i {
			t.Fatalf("message %d: %+v", i, r)
		}
	}

	if !s.HasSubscribers(TopicNewBlocks) || s.HasSubscribers(TopicNewTransactions) || s.HasSubscribers("nope") {
		t.Fatalf("HasSubscribers: new_blocks %v, new_transactions %v, unknown %v; want true, false, false",
			s.HasSubscribers(TopicNewBlocks), s.HasSubscribers(TopicNewTransactions), s.HasSubscribers("nope"))
	}
	c.send(t, `{"op":"unsubscribe","topics":["new_blocks"]}`)
	if r := c.nextReply(t); r.Op != "unsubscribed" || !slices.Equal(r.Topics, []string{"new_blocks"}) {
		t.Fatalf("unsubscribe ack %+v", r)
	}
	if s.HasSubscribers(TopicNewBlocks) {
		t.Error("HasSubscribers(new_blocks) after the only subscriber left")
	}
	// Per-connection order is publish order, so if the new_blocks message
	// were delivered it would arrive before the consensus event.
	s.Publish(TopicNewBlocks, message(TopicNewBlocks, -1))
	s.Publish(TopicConsensusEvents, message(TopicConsensusEvents, 7))
	if r := c.nextReply(t); r.Topic != TopicConsensusEvents || r.N != 7 {
		t.Fatalf("after unsubscribe got %+v", r)
	}
	if got := gaugeValue(t, reg, "aitbc_ws_messages_sent_total", "topic", TopicNewBlocks); got != n {
		t.Fatalf("messages_sent{new_blocks} = %v, want %d", got, n)
	}
	if got := gaugeValue(t, reg, "aitbc_ws_connections"); got != 1 {
		t.Fatalf("connections = %v", got)
	}
}

func TestSubscribeByPath(t *testing.T) {
	s, _ := startServer(t, testConfig())
	e := newClientEngine(t)
	tx := mustDial(t, e, s, "/ws/new_transactions")
	blocks := mustDial(t, e, s, "/ws/new_blocks")
	wait.Until(t, "path subscriptions", 10*time.Second, func() bool {
		return subscribers(s, TopicNewTransactions) == 1 && subscribers(s, TopicNewBlocks) == 1
	})
	for i := range 50 {
		s.Publish(TopicNewTransactions, message(TopicNewTransactions, i))
		s.Publish(TopicNewBlocks, message(TopicNewBlocks, i))
	}
	for i := range 50 {
		if r := tx.nextReply(t); r.Topic != TopicNewTransactions || r.N != i {
			t.Fatalf("tx client message %d: %+v", i, r)
		}
		if r := blocks.nextReply(t); r.Topic != TopicNewBlocks || r.N != i {
			t.Fatalf("blocks client message %d: %+v", i, r)
		}
	}
	// A path subscriber may add topics by message.
	tx.send(t, `{"op":"subscribe","topics":["consensus_events"]}`)
	if r := tx.nextReply(t); r.Op != "subscribed" {
		t.Fatalf("ack %+v", r)
	}
	s.Publish(TopicConsensusEvents, message(TopicConsensusEvents, 1))
	if r := tx.nextReply(t); r.Topic != TopicConsensusEvents {
		t.Fatalf("got %+v", r)
	}
}

func TestControlErrorsKeepConnection(t *testing.T) {
	cfg := testConfig()
	s, _ := startServer(t, cfg)
	e := newClientEngine(t)
	c := mustDial(t, e, s, "/ws")
	tests := []struct {
		name string
		msg  string
		bin  bool
		code string
	}{
		{"malformed", `{"op":"subscribe",`, false, CodeBadJSON},
		{"not an object", `["subscribe"]`, false, CodeBadJSON},
		{"unknown field", `{"op":"subscribe","topics":["new_blocks"],"from":1}`, false, CodeBadJSON},
		{"trailing data", `{"op":"subscribe","topics":["new_blocks"]} {}`, false, CodeBadJSON},
		{"missing op", `{"topics":["new_blocks"]}`, false, CodeBadJSON},
		{"unknown op", `{"op":"publish","topics":["new_blocks"]}`, false, CodeUnknownOp},
		{"unknown topic", `{"op":"subscribe","topics":["new_blocks","mempool"]}`, false, CodeUnknownTopic},
		{"no topics", `{"op":"subscribe","topics":[]}`, false, CodeBadRequest},
		{"null topics", `{"op":"unsubscribe","topics":null}`, false, CodeBadRequest},
		{"binary frame", `{"op":"subscribe","topics":["new_blocks"]}`, true, CodeUnsupportedMessage},
		{"oversize", `{"op":"subscribe","topics":["new_blocks"],"pad":"` + strings.Repeat("x", cfg.MaxMessageBytes) + `"}`, false, CodeMessageTooLarge},
	}
	for _, tt := range tests {
		mt := websocket.TextMessage
		if tt.bin {
			mt = websocket.BinaryMessage
		}
		if err := c.conn.WriteMessage(mt, []byte(tt.msg)); err != nil {
			t.Fatalf("%s: write: %v", tt.name, err)
		}
		r := c.nextReply(t)
		if r.Error == nil || r.Error.Code != tt.code || r.Error.Message == "" {
			t.Fatalf("%s: reply %+v, want error %s", tt.name, r, tt.code)
		}
	}
	// None of those closed the connection or subscribed to anything.
	if n := subscribers(s, TopicNewBlocks); n != 0 {
		t.Fatalf("%d subscribers after failed requests", n)
	}
	c.send(t, `{"op":"subscribe","topics":["new_blocks"]}`)
	if r := c.nextReply(t); r.Op != "subscribed" {
		t.Fatalf("ack after errors %+v", r)
	}
}

func TestHugeMessageCloses(t *testing.T) {
	cfg := testConfig()
	s, reg := startServer(t, cfg)
	e := newClientEngine(t)
	c := mustDial(t, e, s, "/ws")
	if err := c.conn.WriteMessage(websocket.TextMessage, make([]byte, cfg.hardMessageLimit()+1)); err != nil {
		t.Fatal(err)
	}
	c.waitClosed(t)
	wait.Until(t, "connection gauge back to 0", 10*time.Second, func() bool { return gaugeValue(t, reg, "aitbc_ws_connections") == 0 })
}

func TestHTTPErrors(t *testing.T) {
	s, _ := startServer(t, testConfig())
	base := "http://" + s.Addr()
	tests := []struct {
		method, path string
		status       int
		code         string
	}{
		{"GET", "/ws/mempool", 404, CodeUnknownTopic},
		{"GET", "/ws/", 404, CodeUnknownTopic},
		{"GET", "/metrics", 404, CodeNotFound},
		{"POST", "/ws", 405, CodeMethodNotAllowed},
		{"GET", "/ws", 400, ""}, // not an upgrade request
	}
	for _, tt := range tests {
		req, _ := http.NewRequest(tt.method, base+tt.path, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tt.status {
			t.Fatalf("%s %s: %d %s", tt.method, tt.path, resp.StatusCode, body)
		}
		if tt.code == "" {
			continue
		}
		var r reply
		if err := json.Unmarshal(body, &r); err != nil || r.Error == nil || r.Error.Code != tt.code {
			t.Fatalf("%s %s: body %s, want code %s", tt.method, tt.path, body, tt.code)
		}
	}
	// A real upgrade request gets the 404 too, and the dialer fails.
	if _, resp := rawHandshake(t, s.Addr(), "/ws/nope", 0); resp.StatusCode != 404 {
		t.Fatalf("upgrade to unknown topic: %s", resp.Status)
	}
	if _, _, err := dial(t, newClientEngine(t), "ws://"+s.Addr()+"/ws/nope"); err == nil {
		t.Fatal("dial to unknown topic succeeded")
	}
}

func TestConnectionLimit(t *testing.T) {
	cfg := testConfig()
	cfg.MaxConns = 2
	s, reg := startServer(t, cfg)
	e := newClientEngine(t)
	a := mustDial(t, e, s, "/ws")
	mustDial(t, e, s, "/ws/new_blocks")
	_, resp := rawHandshake(t, s.Addr(), "/ws", 0)
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<10))
	var r reply
	if resp.StatusCode != http.StatusServiceUnavailable || json.Unmarshal(body, &r) != nil || r.Error == nil ||
		r.Error.Code != CodeTooManyConnections || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("third connection: %s %s; want 503 %s", resp.Status, body, CodeTooManyConnections)
	}
	if _, _, err := dial(t, e, "ws://"+s.Addr()+"/ws"); err == nil {
		t.Fatal("dial over the limit succeeded")
	}
	_ = a.conn.Close()
	wait.Until(t, "a slot to free up", 10*time.Second, func() bool { return gaugeValue(t, reg, "aitbc_ws_connections") == 1 })
	c := mustDial(t, e, s, "/ws")
	c.send(t, `{"op":"subscribe","topics":["new_blocks"]}`)
	if r := c.nextReply(t); r.Op != "subscribed" {
		t.Fatalf("ack %+v", r)
	}
}

// TestConnectionLimitPerAddress: one source address holds at most
// MaxConnsPerAddr connections (the next upgrade is 429 with Retry-After and
// the JSON error body), another address is unaffected, and a closed
// connection frees its address's slot.
func TestConnectionLimitPerAddress(t *testing.T) {
	cfg := testConfig()
	cfg.MaxConnsPerAddr = 2
	s, reg := startServer(t, cfg)
	a, first := rawHandshakeFrom(t, "127.0.0.1", s.Addr(), "/ws")
	if first.StatusCode != http.StatusSwitchingProtocols {
		t.Fatalf("first connection: %s", first.Status)
	}
	if _, resp := rawHandshakeFrom(t, "127.0.0.1", s.Addr(), "/ws/new_blocks"); resp.StatusCode != http.StatusSwitchingProtocols {
		t.Fatalf("second connection: %s", resp.Status)
	}
	_, resp := rawHandshakeFrom(t, "127.0.0.1", s.Addr(), "/ws")
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<10))
	var r reply
	if resp.StatusCode != http.StatusTooManyRequests || json.Unmarshal(body, &r) != nil || r.Error == nil ||
		r.Error.Code != CodeTooManyConnections || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("third connection from one address: %s %s; want 429 %s with Retry-After", resp.Status, body, CodeTooManyConnections)
	}
	if got := gaugeValue(t, reg, "aitbc_ws_rejected_connections_total", "reason", "max_conns_per_addr"); got != 1 {
		t.Fatalf("aitbc_ws_rejected_connections_total{reason=max_conns_per_addr} = %v, want 1", got)
	}
	if _, resp := rawHandshakeFrom(t, "127.0.0.2", s.Addr(), "/ws"); resp.StatusCode != http.StatusSwitchingProtocols {
		t.Fatalf("another address: %s; the cap must be per address", resp.Status)
	}
	_ = a.conn.Close()
	wait.Until(t, "the closed connection's slot back", 10*time.Second, func() bool {
		return s.perAddr.Held(netip.MustParseAddr("127.0.0.1")) == 1
	})
	if _, resp := rawHandshakeFrom(t, "127.0.0.1", s.Addr(), "/ws"); resp.StatusCode != http.StatusSwitchingProtocols {
		t.Fatalf("after a close: %s; the slot was not given back", resp.Status)
	}
}

// TestSlowClientDropped: a subscriber that never reads is dropped once its
// queue is full, while a reading subscriber gets every message in order.
func TestSlowClientDropped(t *testing.T) {
	cfg := testConfig()
	cfg.QueueBytes = 32 << 10
	s, reg := startServer(t, cfg)
	e := newClientEngine(t)
	fast := mustDial(t, e, s, "/ws/new_blocks")
	slow := rawDial(t, s.Addr(), "/ws/new_blocks", 4096)
	wait.Until(t, "both subscribed", 10*time.Second, func() bool { return subscribers(s, TopicNewBlocks) == 2 })

	pad := strings.Repeat("x", 4000)
	const maxMessages = 50_000 // ~200 MB: far beyond any socket buffer
	published, received := 0, 0
	for gaugeValue(t, reg, "aitbc_ws_dropped_clients_total") == 0 {
		if published == maxMessages {
			t.Fatalf("slow client not dropped after %d messages", published)
		}
		msg, _ := json.Marshal(map[string]any{"topic": TopicNewBlocks, "n": published, "pad": pad})
		s.Publish(TopicNewBlocks, msg)
		published++
		// Keep pace with the fast client so that only the slow one lags.
		for published-received > 4 {
			if r := fast.nextReply(t); r.N != received || r.Seq != uint64(received+1) {
				t.Fatalf("fast client got n %d seq %d, want %d", r.N, r.Seq, received)
			}
			received++
		}
	}
	t.Logf("slow client dropped after %d messages of 4 KB", published)
	for i := 0; i < 100; i++ {
		s.Publish(TopicNewBlocks, message(TopicNewBlocks, published))
		published++
	}
	for received < published {
		if r := fast.nextReply(t); r.N != received {
			t.Fatalf("fast client got seq %d, want %d", r.N, received)
		}
		received++
	}
	if n := subscribers(s, TopicNewBlocks); n != 1 {
		t.Fatalf("%d subscribers left, want the fast one", n)
	}
	// The slow client finds its stream cut: what was sent, then the end.
	_ = slow.conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	for {
		if _, _, err := slow.readFrame(); err != nil {
			if errors.Is(err, context.DeadlineExceeded) || strings.Contains(err.Error(), "timeout") {
				t.Fatalf("slow client still open: %v", err)
			}
			break
		}
	}
	wait.Until(t, "gauge to count only the fast client", 10*time.Second, func() bool { return gaugeValue(t, reg, "aitbc_ws_connections") == 1 })
}

func TestKeepalive(t *testing.T) {
	cfg := testConfig()
	// A wide pong window, so a loaded machine's slow pong does not look
	// like a dead client; the mute client is closed after ~0.5 s.
	cfg.PingInterval = 25 * time.Millisecond
	cfg.PongTimeout = 500 * time.Millisecond
	s, _ := startServer(t, cfg)
	e := newClientEngine(t)
	good := mustDial(t, e, s, "/ws/new_blocks")
	mute := rawDial(t, s.Addr(), "/ws/new_blocks", 0)

	// The mute client reads (and so sees the pings) but never answers: it
	// is told why, then cut.
	pings, reason := 0, ""
	_ = mute.conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	for {
		op, p, err := mute.readFrame()
		if err != nil {
			if strings.Contains(err.Error(), "timeout") {
				t.Fatal("mute client was not closed")
			}
			break
		}
		switch op {
		case opPing:
			pings++
		case opClose:
			reason = string(p[2:])
		}
	}
	if pings == 0 {
		t.Fatal("mute client closed without being pinged")
	}
	if !strings.HasPrefix(reason, "no pong within") {
		t.Fatalf("mute client's close reason %q, want \"no pong within …\"", reason)
	}
	// The answering client outlives several keepalive windows.
	window := int32((cfg.PingInterval + cfg.PongTimeout) / cfg.PingInterval)
	wait.Until(t, "pings spanning the keepalive window", 10*time.Second, func() bool { return good.pings.Load() >= window+2 })
	s.Publish(TopicNewBlocks, message(TopicNewBlocks, 1))
	if r := good.nextReply(t); r.N != 1 {
		t.Fatalf("got %+v", r)
	}
}

// TestKeepaliveSparesBusyReader: a client reading steadily behind a
// backlog sees each ping late and (here) never answers; while its TCP keeps
// acknowledging data it is alive and stays connected, well past the pong
// window. Once the backlog is gone, silence closes it as usual.
func TestKeepaliveSparesBusyReader(t *testing.T) {
	cfg := testConfig()
	cfg.PingInterval, cfg.PongTimeout = 50*time.Millisecond, 150*time.Millisecond
	cfg.QueueBytes = 16 << 20
	s, _ := startServer(t, cfg)
	slow := rawDial(t, s.Addr(), "/ws/new_transactions", 4096)
	wait.Until(t, "subscribed", 10*time.Second, func() bool { return subscribers(s, TopicNewTransactions) == 1 })
	// Publishing goes on while the client reads at about half the pace, so
	// its backlog (and the delay before it sees a ping) keeps growing.
	const n = 400
	pad := strings.Repeat("x", 4000)
	go func() {
		for i := range n {
			msg, _ := json.Marshal(map[string]any{"topic": TopicNewTransactions, "n": i, "pad": pad})
			s.Publish(TopicNewTransactions, msg)
			time.Sleep(2 * time.Millisecond)
		}
	}()
	start := time.Now()
	_ = slow.conn.SetReadDeadline(time.Now().Add(30 * time.Second))
	got := 0
	for got < n {
		op, p, err := slow.readFrame()
		if err != nil {
			t.Fatalf("closed after %d of %d messages, %v into the backlog (pong window %v): %v",
				got, n, time.Since(start).Round(time.Millisecond), cfg.PingInterval+cfg.PongTimeout, err)
		}
		if op == opText && strings.Contains(string(p), `"topic":"new_transactions"`) {
			got++
			time.Sleep(5 * time.Millisecond)
		}
	}
	t.Logf("read %d messages over %v without answering a ping", n, time.Since(start).Round(time.Millisecond))
	for { // idle and mute now: closed by keepalive
		if _, _, err := slow.readFrame(); err != nil {
			if strings.Contains(err.Error(), "timeout") {
				t.Fatal("an idle mute client was not closed")
			}
			break
		}
	}
}

func TestClientPingAndClose(t *testing.T) {
	s, reg := startServer(t, testConfig())
	c := rawDial(t, s.Addr(), "/ws", 0)
	if err := c.writeFrame(opPing, []byte("hi")); err != nil {
		t.Fatal(err)
	}
	op, payload, err := c.readFrame()
	if err != nil || op != opPong || string(payload) != "hi" {
		t.Fatalf("pong: %x %q %v", op, payload, err)
	}
	if err := c.writeFrame(opClose, []byte{0x03, 0xe8}); err != nil { // 1000
		t.Fatal(err)
	}
	op, payload, err = c.readFrame()
	if err != nil || op != opClose || len(payload) < 2 || payload[0] != 0x03 || payload[1] != 0xe8 {
		t.Fatalf("close echo: %x %x %v", op, payload, err)
	}
	wait.Until(t, "close cleanup", 10*time.Second, func() bool { return gaugeValue(t, reg, "aitbc_ws_connections") == 0 })
}

func TestStopClosesEverything(t *testing.T) {
	cfg := testConfig()
	reg := newRegistry()
	s, err := New(cfg, NewMetrics(reg), testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Stop(context.Background()); err != nil { // before Start: a no-op
		t.Fatal(err)
	}
	s, err = New(cfg, NewMetrics(newRegistry()), testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	if err := s.Start(); !errors.Is(err, ErrStarted) {
		t.Fatalf("second Start: %v", err)
	}
	e := newClientEngine(t)
	clients := []*wsClient{mustDial(t, e, s, "/ws"), mustDial(t, e, s, "/ws/new_blocks"), mustDial(t, e, s, "/ws/consensus_events")}
	slow := rawDial(t, s.Addr(), "/ws/new_blocks", 4096) // never reads
	wait.Until(t, "subscriptions", 10*time.Second, func() bool { return subscribers(s, TopicNewBlocks) == 2 })
	for i := range 100 {
		s.Publish(TopicNewBlocks, message(TopicNewBlocks, i))
	}

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.Stop(ctx); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	for _, c := range clients {
		c.waitClosed(t)
	}
	_ = slow.conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.Copy(io.Discard, slow.conn); err != nil && strings.Contains(err.Error(), "timeout") {
		t.Fatal("never-reading client not closed by Stop")
	}
	s.mu.Lock()
	open := len(s.conns)
	s.mu.Unlock()
	if open != 0 || subscribers(s, TopicNewBlocks) != 0 {
		t.Fatalf("%d connections left after Stop", open)
	}
	s.Publish(TopicNewBlocks, message(TopicNewBlocks, 1)) // after Stop: dropped silently
	if err := s.Stop(ctx); err != nil {
		t.Fatalf("second Stop: %v", err)
	}
	if _, _, err := dial(t, e, "ws://"+s.Addr()+"/ws"); err == nil {
		t.Fatal("dial after Stop succeeded")
	}
}

func TestConfigValidate(t *testing.T) {
	if err := DefaultConfig().Validate(); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		mut func(*Config)
		key string
	}{
		{func(c *Config) { c.Addr = "" }, "addr"},
		{func(c *Config) { c.Addr = "9081" }, "addr"},
		{func(c *Config) { c.MaxConns = 0 }, "max_conns"},
		{func(c *Config) { c.MaxConnsPerAddr = 0 }, "max_conns_per_addr"},
		{func(c *Config) { c.MaxConnsPerAddr = 1 << 20 }, "max_conns_per_addr"},
		{func(c *Config) { c.QueueBytes = 0 }, "queue_bytes"},
		{func(c *Config) { c.QueueBytes = 2 << 30 }, "queue_bytes"},
		{func(c *Config) { c.SlowTimeout = 0 }, "slow_timeout"},
		{func(c *Config) { c.PingInterval = 0 }, "ping_interval"},
		{func(c *Config) { c.PongTimeout = -time.Second }, "pong_timeout"},
		{func(c *Config) { c.MaxMessageBytes = 10 }, "max_message_bytes"},
	}
	for _, tt := range tests {
		c := DefaultConfig()
		tt.mut(&c)
		err := c.Validate()
		if !errors.Is(err, ErrInvalidConfig) || !strings.Contains(err.Error(), "ws."+tt.key) {
			t.Errorf("Validate() = %v, want ErrInvalidConfig naming %s", err, tt.key)
		}
		if _, err := New(c, nil, nil); !errors.Is(err, ErrInvalidConfig) {
			t.Errorf("New accepted a bad %s", tt.key)
		}
	}
}

func TestMetricsLint(t *testing.T) {
	reg := newRegistry()
	m := NewMetrics(reg)
	m.MessagesSent.WithLabelValues(TopicNewBlocks).Inc()
	mfs := metricstest.Gather(t, reg)
	metricstest.Lint(t, mfs)
}

func TestStartAddressInUse(t *testing.T) {
	a, _ := startServer(t, testConfig())
	cfg := testConfig()
	cfg.Addr = a.Addr()
	b, err := New(cfg, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Start(); err == nil || !strings.Contains(err.Error(), a.Addr()) {
		t.Fatalf("Start on a taken port: %v", err)
	}
	if err := b.Stop(context.Background()); err != nil {
		t.Fatalf("Stop after a failed Start: %v", err)
	}
}
