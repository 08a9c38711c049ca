package ws

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"aitbc/internal/logtest"

	"github.com/lesismal/nbio/logging"
	"github.com/lesismal/nbio/nbhttp"
	"github.com/lesismal/nbio/nbhttp/websocket"
	"github.com/prometheus/client_golang/prometheus"
)

func TestMain(m *testing.M) {
	logging.SetLevel(logging.LevelNone) // nbio's own stdout logger
	os.Exit(m.Run())
}

func testLogger(t testing.TB) *slog.Logger {
	return logtest.New(t, slog.LevelInfo)
}

func testConfig() Config {
	cfg := DefaultConfig()
	cfg.Addr = "127.0.0.1:0"
	return cfg
}

// startServer starts a server on a free loopback port and stops it at
// cleanup. The registry holds its metrics.
func startServer(t testing.TB, cfg Config) (*Server, *prometheus.Registry) {
	t.Helper()
	reg := prometheus.NewPedanticRegistry()
	s, err := New(cfg, NewMetrics(reg), testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := s.Stop(ctx); err != nil {
			t.Errorf("Stop: %v", err)
		}
	})
	return s, reg
}

func subscribers(s *Server, topic string) int {
	i, _ := topicIndex(topic)
	return len(*s.topics[i].Load())
}

func gaugeValue(t testing.TB, reg *prometheus.Registry, name string, labels ...string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
	metrics:
		for _, m := range mf.GetMetric() {
			for i := 0; i+1 < len(labels); i += 2 {
				found := false
				for _, lp := range m.GetLabel() {
					if lp.GetName() == labels[i] && lp.GetValue() == labels[i+1] {
						found = true
					}
				}
				if !found {
					continue metrics
				}
			}
			if m.Gauge != nil {
				return m.GetGauge().GetValue()
			}
			return m.GetCounter().GetValue()
		}
	}
	return 0
}

// wsClient is a real WebSocket client on nbio's dialer; it answers pings
// (nbio's default) and queues every message it receives.
type wsClient struct {
	conn   *websocket.Conn
	msgs   chan []byte
	closed chan struct{}
	pings  atomic.Int32
}

func newClientEngine(t testing.TB) *nbhttp.Engine {
	t.Helper()
	e := nbhttp.NewEngine(nbhttp.Config{Name: "ws-test-client", ReleaseWebsocketPayload: true})
	if err := e.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.Stop)
	return e
}

func dial(t testing.TB, e *nbhttp.Engine, url string) (*wsClient, *http.Response, error) {
	t.Helper()
	c := &wsClient{msgs: make(chan []byte, 1<<16), closed: make(chan struct{})}
	u := websocket.NewUpgrader()
	u.OnMessage(func(_ *websocket.Conn, _ websocket.MessageType, data []byte) {
		c.msgs <- append([]byte(nil), data...)
	})
	var once sync.Once
	u.OnClose(func(*websocket.Conn, error) { once.Do(func() { close(c.closed) }) })
	u.SetPingHandler(func(conn *websocket.Conn, data string) {
		c.pings.Add(1)
		_ = conn.WriteMessage(websocket.PongMessage, []byte(data))
	})
	d := &websocket.Dialer{Engine: e, Upgrader: u, DialTimeout: 5 * time.Second}
	conn, resp, err := d.Dial(url, nil)
	if err != nil {
		return nil, resp, err
	}
	c.conn = conn
	t.Cleanup(func() { _ = conn.Close() })
	return c, resp, nil
}

func mustDial(t testing.TB, e *nbhttp.Engine, s *Server, path string) *wsClient {
	t.Helper()
	c, _, err := dial(t, e, "ws://"+s.Addr()+path)
	if err != nil {
		t.Fatalf("dial %s: %v", path, err)
	}
	return c
}

func (c *wsClient) send(t testing.TB, msg string) {
	t.Helper()
	if err := c.conn.WriteMessage(websocket.TextMessage, []byte(msg)); err != nil {
		t.Fatalf("write: %v", err)
	}
}

func (c *wsClient) next(t testing.TB) []byte {
	t.Helper()
	select {
	case m := <-c.msgs:
		return m
	case <-c.closed:
		// Drain what arrived before the close.
		select {
		case m := <-c.msgs:
			return m
		default:
		}
		t.Fatal("connection closed while waiting for a message")
	case <-time.After(10 * time.Second):
		t.Fatal("timed out waiting for a message")
	}
	return nil
}

func (c *wsClient) waitClosed(t testing.TB) {
	t.Helper()
	select {
	case <-c.closed:
	case <-time.After(10 * time.Second):
		t.Fatal("connection not closed")
	}
}

// reply is any server message: an ack, an error or a published message.
type reply struct {
	Op            string            `json:"op"`
	Topics        []string          `json:"topics"`
	Topic         string            `json:"topic"`
	N             int               `json:"n"`   // the test's own counter in published messages
	Sub           string            `json:"sub"` // the subscription id the server adds
	Seq           uint64            `json:"seq"` // the per-subscription sequence number it adds
	Subscriptions map[string]string `json:"subscriptions"`
	Error         *struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

func (c *wsClient) nextReply(t testing.TB) reply {
	t.Helper()
	raw := c.next(t)
	var r reply
	if err := json.Unmarshal(raw, &r); err != nil {
		t.Fatalf("reply %q: %v", raw, err)
	}
	return r
}

func message(topic string, seq int) []byte {
	return fmt.Appendf(nil, `{"topic":%q,"n":%d}`, topic, seq)
}

// rawClient speaks just enough WebSocket over a plain TCP socket to play
// the clients nbio's dialer will not: one that never reads, one that never
// answers pings.
type rawClient struct {
	conn net.Conn
	br   *bufio.Reader
}

func rawDial(t testing.TB, addr, path string, rcvbuf int) *rawClient {
	t.Helper()
	c, resp := rawHandshake(t, addr, path, rcvbuf)
	if resp.StatusCode != http.StatusSwitchingProtocols {
		t.Fatalf("raw upgrade %s: %s", path, resp.Status)
	}
	return c
}

// rawHandshake sends an upgrade request and returns the server's answer.
func rawHandshake(t testing.TB, addr, path string, rcvbuf int) (*rawClient, *http.Response) {
	t.Helper()
	d := net.Dialer{Timeout: 5 * time.Second}
	if rcvbuf > 0 {
		d.Control = func(_, _ string, rc syscall.RawConn) error {
			var serr error
			err := rc.Control(func(fd uintptr) {
				serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, rcvbuf)
			})
			if err != nil {
				return err
			}
			return serr
		}
	}
	return handshakeWith(t, d, addr, path)
}

// rawHandshakeFrom is rawHandshake from the loopback address src (any of
// 127.0.0.0/8), to act as several source addresses.
func rawHandshakeFrom(t testing.TB, src, addr, path string) (*rawClient, *http.Response) {
	t.Helper()
	return handshakeWith(t, net.Dialer{Timeout: 5 * time.Second, LocalAddr: &net.TCPAddr{IP: net.ParseIP(src)}}, addr, path)
}

func handshakeWith(t testing.TB, d net.Dialer, addr, path string) (*rawClient, *http.Response) {
	t.Helper()
	conn, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	key := make([]byte, 16)
	_, _ = rand.Read(key)
	fmt.Fprintf(conn, "GET %s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"+
		"Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n", path, addr, base64.StdEncoding.EncodeToString(key))
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	return &rawClient{conn: conn, br: br}, resp
}

// readFrame reads one server frame (unmasked, unfragmented).
func (c *rawClient) readFrame() (op byte, payload []byte, err error) {
	var h [2]byte
	if _, err := io.ReadFull(c.br, h[:]); err != nil {
		return 0, nil, err
	}
	n := uint64(h[1] & 0x7f)
	switch n {
	case 126:
		var b [2]byte
		if _, err := io.ReadFull(c.br, b[:]); err != nil {
			return 0, nil, err
		}
		n = uint64(binary.BigEndian.Uint16(b[:]))
	case 127:
		var b [8]byte
		if _, err := io.ReadFull(c.br, b[:]); err != nil {
			return 0, nil, err
		}
		n = binary.BigEndian.Uint64(b[:])
	}
	payload = make([]byte, n)
	_, err = io.ReadFull(c.br, payload)
	return h[0] & 0x0f, payload, err
}

// writeFrame writes one masked client frame.
func (c *rawClient) writeFrame(op byte, payload []byte) error {
	f := []byte{0x80 | op}
	switch n := len(payload); {
	case n < 126:
		f = append(f, 0x80|byte(n))
	case n <= 0xffff:
		f = append(f, 0x80|126)
		f = binary.BigEndian.AppendUint16(f, uint16(n))
	default:
		f = append(f, 0x80|127)
		f = binary.BigEndian.AppendUint64(f, uint64(n))
	}
	mask := [4]byte{1, 2, 3, 4}
	f = append(f, mask[:]...)
	for i, b := range payload {
		f = append(f, b^mask[i%4])
	}
	_, err := c.conn.Write(f)
	return err
}

func newRegistry() *prometheus.Registry { return prometheus.NewPedanticRegistry() }
