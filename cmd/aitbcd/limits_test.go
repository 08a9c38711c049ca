package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"aitbc/internal/config"
)

// TestNodeAbuseLimits: the limits from config reach a running node. The
// REST rate (RPC_RATE_LIMIT, RPC_RATE_BURST) answers 429 with Retry-After
// and the JSON error body, per source address; an oversized upload sent
// with Expect: 100-continue gets its 413 without sending the body; and
// /metrics listens on METRICS_HOST, not on RPC_HOST.
func TestNodeAbuseLimits(t *testing.T) {
	home := initHome(t)
	node := startTestNode(t, home, nil, func(c *config.Config) {
		c.RPCRateLimit, c.RPCRateBurst = 1, 3
		c.MetricsHost = "127.0.0.2"
	})
	from := func(src string) *http.Client {
		d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(src)}}
		return &http.Client{Transport: &http.Transport{DialContext: d.DialContext, ExpectContinueTimeout: time.Minute}, Timeout: 30 * time.Second}
	}
	type errBody struct {
		Error struct{ Code, Message string }
	}
	do := func(c *http.Client, req *http.Request) (int, http.Header, errBody) {
		t.Helper()
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		raw, _ := io.ReadAll(resp.Body)
		var e errBody
		if resp.StatusCode >= 400 {
			if err := json.Unmarshal(raw, &e); err != nil {
				t.Fatalf("%d with a non-JSON body %q", resp.StatusCode, raw)
			}
		}
		return resp.StatusCode, resp.Header, e
	}

	a := from("127.0.0.1")
	limited := false
	for i := range 10 { // 3 at once, then ~1/s: 10 back to back must hit the limit
		req, _ := http.NewRequest("GET", node.url+"/rpc/get_head", nil)
		st, h, e := do(a, req)
		if st == http.StatusOK {
			continue
		}
		if st != http.StatusTooManyRequests || e.Error.Code != "rate_limited" || h.Get("Retry-After") == "" || i < 3 {
			t.Fatalf("request %d: %d %+v Retry-After %q; want 200 within the burst of 3, then 429 rate_limited with Retry-After", i, st, e, h.Get("Retry-After"))
		}
		limited = true
		break
	}
	if !limited {
		t.Fatal("10 requests at once at RPC_RATE_LIMIT=1 RPC_RATE_BURST=3: none limited")
	}

	// Another source address: its own bucket, and an oversized upload.
	b := from("127.0.0.3")
	body := strings.NewReader(strings.Repeat(" ", 3<<20))
	req, _ := http.NewRequest("POST", node.url+"/rpc/send_tx", body)
	req.Header.Set("Expect", "100-continue")
	st, _, e := do(b, req)
	if st != http.StatusRequestEntityTooLarge || e.Error.Code != "body_too_large" {
		t.Fatalf("3 MB upload with Expect: %d %+v, want 413 body_too_large", st, e)
	}
	if body.Len() != 3<<20 {
		t.Fatalf("the client sent %d bytes of a body the node refused by its Content-Length", 3<<20-body.Len())
	}

	port := node.cfg.MetricsPort
	if _, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), 2*time.Second); err == nil {
		t.Fatalf("/metrics answers on RPC_HOST 127.0.0.1:%d; want it only on METRICS_HOST", port)
	}
	resp, err := http.Get(fmt.Sprintf("http://127.0.0.2:%d/metrics", port))
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{`aitbc_rpc_limited_requests_total{reason="rate_limited"} 1`, `aitbc_rpc_limited_requests_total{reason="body_too_large"} 1`} {
		if !strings.Contains(string(raw), want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}
