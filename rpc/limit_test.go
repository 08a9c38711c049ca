package rpc

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"aitbc/internal/wait"
	"aitbc/rpc/api"
	"aitbc/rpc/internal/rpctest"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

// serveReal serves s through HTTPServer on a real 127.0.0.1 socket (the
// per-connection cap lives in the http.Server hooks, which httptest's
// server would not have) and returns host:port.
func serveReal(t *testing.T, s *Server) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := s.HTTPServer()
	go hs.Serve(ln)
	t.Cleanup(func() { hs.Close() })
	return ln.Addr().String()
}

// fakeClock is a settable time source for the rate limiter.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// clientFrom returns an HTTP client whose connections leave from the
// loopback address src (any of 127.0.0.0/8 works on Linux), so a test can
// be two different source addresses.
func clientFrom(src string) *http.Client {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(src)}}
	return &http.Client{Transport: &http.Transport{DialContext: d.DialContext}, Timeout: 10 * time.Second}
}

type answer struct {
	status int
	header http.Header
	close  bool // Connection: close
	err    api.Error
}

func get(t *testing.T, c *http.Client, url string) answer {
	t.Helper()
	resp, err := c.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	return readAnswer(t, resp)
}

func readAnswer(t *testing.T, resp *http.Response) answer {
	t.Helper()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	a := answer{status: resp.StatusCode, header: resp.Header, close: resp.Close}
	if resp.StatusCode >= 400 {
		var body struct{ Error api.Error }
		if err := json.Unmarshal(raw, &body); err != nil || body.Error.Code == "" {
			t.Fatalf("%d answer is not the JSON error body: %q (%v)", resp.StatusCode, raw, err)
		}
		a.err = body.Error
	}
	return a
}

// TestRateLimitPerAddress: each source address has its own bucket of
// RateBurst requests refilled at RateLimit/s; past it the answer is 429
// rate_limited with Retry-After and the JSON error body, and the refusal is
// counted. Time is a fake clock, so the test does not depend on speed.
func TestRateLimitPerAddress(t *testing.T) {
	cfg := DefaultConfig()
	cfg.RateLimit, cfg.RateBurst = 0.5, 3 // one token per 2 s
	reg := prometheus.NewRegistry()
	m := NewMetrics(reg)
	s := NewServer(&memBackend{chainID: rpctest.ChainID}, cfg, m, testLogger(t))
	clk := &fakeClock{t: time.Unix(1_700_000_000, 0)}
	s.now = clk.now
	addr := serveReal(t, s)
	a, b := clientFrom("127.0.0.1"), clientFrom("127.0.0.2")
	url := "http://" + addr + "/rpc/get_head"

	for i := range 3 {
		if r := get(t, a, url); r.status != http.StatusOK {
			t.Fatalf("request %d within the burst: %d %+v", i+1, r.status, r.err)
		}
	}
	r := get(t, a, url)
	if r.status != http.StatusTooManyRequests || r.err.Code != api.CodeRateLimited || r.header.Get("Retry-After") != "2" || r.close {
		t.Fatalf("4th request: %d %+v Retry-After %q close %v; want 429 rate_limited, Retry-After 2, connection kept", r.status, r.err, r.header.Get("Retry-After"), r.close)
	}
	if r := get(t, b, url); r.status != http.StatusOK {
		t.Fatalf("another address shares the first one's bucket: %d %+v", r.status, r.err)
	}
	clk.add(1500 * time.Millisecond)
	if r := get(t, a, url); r.status != http.StatusTooManyRequests || r.header.Get("Retry-After") != "1" {
		t.Fatalf("0.5 s before the next token: %d Retry-After %q; want 429, Retry-After 1", r.status, r.header.Get("Retry-After"))
	}
	clk.add(500 * time.Millisecond)
	if r := get(t, a, url); r.status != http.StatusOK {
		t.Fatalf("after the refill: %d %+v", r.status, r.err)
	}
	if n := testutil.ToFloat64(m.Limited.WithLabelValues(api.CodeRateLimited)); n != 2 {
		t.Fatalf("aitbc_rpc_limited_requests_total{reason=rate_limited} = %v, want 2", n)
	}
	if n := testutil.ToFloat64(m.Requests.WithLabelValues("unmatched", "429")); n != 2 {
		t.Fatalf("aitbc_rpc_requests_total{code=429} = %v, want 2", n)
	}
}

// TestRateLimitOff: RateLimit 0 never refuses.
func TestRateLimitOff(t *testing.T) {
	cfg := DefaultConfig()
	cfg.RateBurst = 1
	addr := serveReal(t, NewServer(&memBackend{chainID: rpctest.ChainID}, cfg, nil, testLogger(t)))
	c := clientFrom("127.0.0.1")
	for i := range 50 {
		if r := get(t, c, "http://"+addr+"/rpc/get_head"); r.status != http.StatusOK {
			t.Fatalf("request %d with the limit off: %d %+v", i, r.status, r.err)
		}
	}
}

func TestRetryAfter(t *testing.T) {
	for _, tc := range []struct {
		wait time.Duration
		want string
	}{{0, "1"}, {time.Millisecond, "1"}, {time.Second, "1"}, {1001 * time.Millisecond, "2"}, {90 * time.Second, "90"}} {
		if got := retryAfter(tc.wait); got != tc.want {
			t.Errorf("retryAfter(%v) = %q, want %q", tc.wait, got, tc.want)
		}
	}
}

// TestRateBucketsBounded: the bucket table never outgrows its cap, sweeps
// refilled buckets first, and keeps limiting an address that is still
// within its window when nothing can be swept.
func TestRateBucketsBounded(t *testing.T) {
	l := newRateLimiter(1, 1, 4)
	t0 := time.Unix(1_700_000_000, 0)
	key := func(i int) netip.Addr { return netip.AddrFrom4([4]byte{10, 0, byte(i >> 8), byte(i)}) }
	for i := range 100 {
		if _, ok := l.allow(key(i), t0); !ok {
			t.Fatalf("new address %d refused", i)
		}
		if n := l.size(); n > 4 {
			t.Fatalf("%d buckets, cap 4", n)
		}
	}
	// key(99) is in the table with an empty bucket: still limited.
	if _, ok := l.allow(key(99), t0); ok {
		t.Fatal("an address just limited was let through")
	}
	// Two seconds on every bucket has refilled: a sweep empties the table
	// down to the newcomer.
	if _, ok := l.allow(key(1000), t0.Add(2*time.Second)); !ok || l.size() != 1 {
		t.Fatalf("after a sweep: %d buckets, want 1", l.size())
	}
}

// TestConnCapPerAddress: one source address may hold MaxConnsPerAddr
// connections; the next one gets 429 too_many_connections on its first
// request and is closed, other addresses are unaffected, and a closed
// connection gives its slot back.
func TestConnCapPerAddress(t *testing.T) {
	cfg := DefaultConfig()
	cfg.MaxConnsPerAddr = 2
	m := NewMetrics(prometheus.NewRegistry())
	s := NewServer(&memBackend{chainID: rpctest.ChainID}, cfg, m, testLogger(t))
	addr := serveReal(t, s)

	dial := func(src string) (net.Conn, *bufio.Reader) {
		d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(src)}, Timeout: 5 * time.Second}
		c, err := d.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		return c, bufio.NewReader(c)
	}
	request := func(c net.Conn, br *bufio.Reader) answer {
		t.Helper()
		c.SetDeadline(time.Now().Add(10 * time.Second))
		if _, err := fmt.Fprintf(c, "GET /rpc/get_head HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
			t.Fatal(err)
		}
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		return readAnswer(t, resp)
	}

	c1, r1 := dial("127.0.0.1")
	c2, r2 := dial("127.0.0.1")
	for i, c := range []struct {
		c net.Conn
		r *bufio.Reader
	}{{c1, r1}, {c2, r2}} {
		if a := request(c.c, c.r); a.status != http.StatusOK {
			t.Fatalf("connection %d within the cap: %d %+v", i+1, a.status, a.err)
		}
	}
	c3, r3 := dial("127.0.0.1")
	a := request(c3, r3)
	if a.status != http.StatusTooManyRequests || a.err.Code != api.CodeTooManyConnections || a.header.Get("Retry-After") == "" || !a.close {
		t.Fatalf("third connection: %d %+v %v; want 429 too_many_connections, Retry-After, Connection: close", a.status, a.err, a.header)
	}
	c3.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := r3.ReadByte(); err != io.EOF {
		t.Fatalf("refused connection still open after its answer: %v", err)
	}
	if c, r := dial("127.0.0.2"); request(c, r).status != http.StatusOK {
		t.Fatal("another address is refused by the first one's cap")
	}
	// Keep-alive: the admitted connections serve further requests.
	if a := request(c1, r1); a.status != http.StatusOK {
		t.Fatalf("second request on an admitted connection: %d", a.status)
	}
	c2.Close()
	wait.Until(t, "the closed connection's slot back", 10*time.Second, func() bool {
		return s.conns.count.Held(netip.MustParseAddr("127.0.0.1")) == 1
	})
	if c, r := dial("127.0.0.1"); request(c, r).status != http.StatusOK {
		t.Fatal("a freed slot is not given to the next connection")
	}
	if n := testutil.ToFloat64(m.Limited.WithLabelValues(api.CodeTooManyConnections)); n != 1 {
		t.Fatalf("aitbc_rpc_limited_requests_total{reason=too_many_connections} = %v, want 1", n)
	}
}

// countingReader is an endless request body that counts what the client
// transport took from it.
type countingReader struct{ n atomic.Int64 }

func (r *countingReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = ' '
	}
	r.n.Add(int64(len(p)))
	return len(p), nil
}

// TestBodyTooLargeBeforeRead: a request whose Content-Length exceeds the
// body limit is answered 413 body_too_large before the server reads the
// body. A client that sent Expect: 100-continue (as curl does for large
// uploads) gets the 413 instead of a 100 and never sends a byte of its body.
func TestBodyTooLargeBeforeRead(t *testing.T) {
	cfg := DefaultConfig()
	cfg.MaxBodyBytes = 64 << 10
	addr := serveReal(t, NewServer(&memBackend{chainID: rpctest.ChainID}, cfg, nil, testLogger(t)))
	const size = 3 << 20 // the 3 MB upload

	t.Run("go client with Expect", func(t *testing.T) {
		body := &countingReader{}
		req, err := http.NewRequest("POST", "http://"+addr+"/rpc/send_tx", io.LimitReader(body, size))
		if err != nil {
			t.Fatal(err)
		}
		req.ContentLength = size
		req.Header.Set("Expect", "100-continue")
		req.Header.Set("Content-Type", "application/json")
		// A long ExpectContinueTimeout: the transport sends the body only if
		// the server says 100 Continue.
		c := &http.Client{Transport: &http.Transport{ExpectContinueTimeout: time.Minute}, Timeout: 30 * time.Second}
		resp, err := c.Do(req)
		if err != nil {
			t.Fatalf("the client saw an error instead of the 413: %v", err)
		}
		defer resp.Body.Close()
		a := readAnswer(t, resp)
		if a.status != http.StatusRequestEntityTooLarge || a.err.Code != api.CodeBodyTooLarge {
			t.Fatalf("%d %+v, want 413 body_too_large", a.status, a.err)
		}
		if n := body.n.Load(); n != 0 {
			t.Fatalf("the client sent %d body bytes: the server asked for the body before refusing it", n)
		}
	})

	t.Run("raw socket with Expect", func(t *testing.T) {
		c, err := net.DialTimeout("tcp", addr, 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(10 * time.Second))
		fmt.Fprintf(c, "POST /rpc/send_tx HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\nExpect: 100-continue\r\n\r\n", size)
		br := bufio.NewReader(c)
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatal(err)
		}
		a := readAnswer(t, resp)
		if a.status != http.StatusRequestEntityTooLarge || a.err.Code != api.CodeBodyTooLarge || !strings.Contains(a.err.Message, fmt.Sprint(size)) || !a.close {
			t.Fatalf("first answer %d %+v, want 413 body_too_large naming %d (a 100 Continue here means the body was asked for)", a.status, a.err, size)
		}
		if _, err := br.ReadByte(); err != io.EOF {
			t.Fatalf("connection not closed after refusing the body: %v", err)
		}
	})

	t.Run("go client without Expect", func(t *testing.T) {
		req, err := http.NewRequest("POST", "http://"+addr+"/rpc/send_tx", io.LimitReader(&countingReader{}, size))
		if err != nil {
			t.Fatal(err)
		}
		req.ContentLength = size
		resp, err := (&http.Client{Timeout: 30 * time.Second}).Do(req)
		if err != nil {
			// Without Expect the client may still be writing when the server
			// closes; net/http answers first and lingers, so this is rare,
			// but it is the client's choice not to ask.
			t.Skipf("client without Expect saw %v", err)
		}
		defer resp.Body.Close()
		if a := readAnswer(t, resp); a.status != http.StatusRequestEntityTooLarge || a.err.Code != api.CodeBodyTooLarge {
			t.Fatalf("%d %+v, want 413 body_too_large", a.status, a.err)
		}
	})

	t.Run("at the limit is read", func(t *testing.T) {
		// Content-Length == MaxBodyBytes passes the early check; the body
		// (spaces: no JSON value) is then read and refused as bad JSON.
		req, err := http.NewRequest("POST", "http://"+addr+"/rpc/send_tx", io.LimitReader(&countingReader{}, cfg.MaxBodyBytes))
		if err != nil {
			t.Fatal(err)
		}
		req.ContentLength = cfg.MaxBodyBytes
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if a := readAnswer(t, resp); a.status != http.StatusBadRequest || a.err.Code != api.CodeBadJSON {
			t.Fatalf("%d %+v, want 400 bad_json", a.status, a.err)
		}
	})
}
