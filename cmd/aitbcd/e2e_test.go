package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"aitbc/engine/types"
	"aitbc/internal/config"
	"aitbc/netio/gossip"
	"aitbc/rpc/client"

	"github.com/prometheus/client_golang/prometheus/testutil/promlint"
)

// freePort returns a port that was free a moment ago. It is taken below
// Linux's ephemeral range (32768 and up), so an outgoing connection of
// this or another test cannot grab it between now and the node's listen
// (a port from :0 sometimes was: "address already in use"); ports go up
// from a per-process start so two tests of this binary never share one.
func freePort(t testing.TB) int {
	t.Helper()
	portMu.Lock()
	defer portMu.Unlock()
	if nextPort == 0 {
		nextPort = 20000 + (os.Getpid()%400)*30
	}
	for tries := 0; tries < 2000; tries++ {
		p := nextPort
		nextPort++
		if nextPort >= 32768 {
			nextPort = 20000
		}
		ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", p))
		if err != nil {
			continue
		}
		ln.Close()
		return p
	}
	t.Fatal("no free port below 32768")
	return 0
}

var (
	portMu   sync.Mutex
	nextPort int
)

type logSink struct{ t testing.TB }

func (w logSink) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

func initHome(t *testing.T) string {
	t.Helper()
	home := filepath.Join(t.TempDir(), "node")
	var out, errb bytes.Buffer
	if code := run([]string{"init", "--home", home, "--chain-id", "e2e", "--index"}, &out, &errb); code != 0 {
		t.Fatalf("init: exit %d: %s", code, errb.String())
	}
	return home
}

func getJSON(t testing.TB, url string, v any) int {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	return resp.StatusCode
}

// wsDial opens a WebSocket to url (ws://host:port/path) with a minimal
// RFC 6455 client: enough to read the server's unmasked text frames.
func wsDial(t testing.TB, hostport, path string) (net.Conn, *bufio.Reader) {
	t.Helper()
	c, err := net.Dial("tcp", hostport)
	if err != nil {
		t.Fatal(err)
	}
	key := make([]byte, 16)
	rand.Read(key)
	fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n",
		path, hostport, base64.StdEncoding.EncodeToString(key))
	r := bufio.NewReader(c)
	resp, err := http.ReadResponse(r, nil)
	if err != nil || resp.StatusCode != http.StatusSwitchingProtocols {
		t.Fatalf("ws handshake: %v %v", err, resp)
	}
	return c, r
}

func wsRead(r *bufio.Reader) ([]byte, error) {
	for {
		var h [2]byte
		if _, err := io.ReadFull(r, h[:]); err != nil {
			return nil, err
		}
		op, n := h[0]&0x0f, uint64(h[1]&0x7f)
		switch n {
		case 126:
			var b [2]byte
			io.ReadFull(r, b[:])
			n = uint64(binary.BigEndian.Uint16(b[:]))
		case 127:
			var b [8]byte
			io.ReadFull(r, b[:])
			n = binary.BigEndian.Uint64(b[:])
		}
		payload := make([]byte, n)
		if _, err := io.ReadFull(r, payload); err != nil {
			return nil, err
		}
		if op == 1 { // text; pings and others are skipped
			return payload, nil
		}
		if op == 8 {
			return nil, io.EOF
		}
	}
}

// testNode is a node run in-process by runNode on free loopback ports.
type testNode struct {
	url  string
	cfg  config.Config
	stop func() // cancels the node and waits; fails the test on a shutdown error; idempotent
}

// startTestNode loads home's config, moves it to free loopback ports (no
// gossip listener unless mutate sets P2PPort) with 100 ms blocks and text
// logs, lets mutate adjust it, and runs the node
// until stop or the end of the test. It returns once the node serves RPC.
func startTestNode(t *testing.T, home string, logw io.Writer, mutate func(*config.Config)) *testNode {
	t.Helper()
	cfg, err := config.Load(filepath.Join(home, "config.toml"), nil)
	if err != nil {
		t.Fatal(err)
	}
	cfg.RPCHost, cfg.RPCPort, cfg.WSPort, cfg.MetricsPort = "127.0.0.1", freePort(t), freePort(t), freePort(t)
	cfg.P2PHost, cfg.P2PPort = "127.0.0.1", 0
	cfg.BlockTime, cfg.LogFormat = 100*time.Millisecond, "text"
	cfg.RPCRateLimit = 0 // the tests drive load from one address; TestNodeAbuseLimits turns it on
	if mutate != nil {
		mutate(&cfg)
	}
	if logw == nil {
		logw = logSink{t}
	}
	ctx, cancel := context.WithCancel(context.Background())
	urlc, done := make(chan string, 1), make(chan error, 1)
	go func() { done <- runNode(ctx, cfg, home, "", logw, func(u string) { urlc <- u }) }()
	n := &testNode{cfg: cfg}
	var once sync.Once
	n.stop = func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("shutdown: %v", err)
			}
		})
	}
	select {
	case n.url = <-urlc:
	case err := <-done:
		cancel()
		t.Fatalf("node exited: %v", err)
	case <-time.After(30 * time.Second):
		cancel()
		t.Fatal("node did not start")
	}
	t.Cleanup(n.stop)
	return n
}

// TestEndToEnd is the README's walk-through: init, start, tx send --wait,
// then the balance, block, tx and WebSocket views agree.
func TestEndToEnd(t *testing.T) {
	home := initHome(t)
	node := startTestNode(t, home, nil, nil)
	cfg, url := node.cfg, node.url

	wsHost := fmt.Sprintf("127.0.0.1:%d", cfg.WSPort)
	conn, wsr := wsDial(t, wsHost, "/ws/new_blocks")
	defer conn.Close()

	bob := types.Address{0xb0, 0xb}
	var out, errb bytes.Buffer
	code := run([]string{"tx", "send", "--rpc", url, "--key", filepath.Join(home, "account.key"), "--to", bob.String(), "--amount", "5", "--wait"}, &out, &errb)
	if code != 0 {
		t.Fatalf("tx send: exit %d: %s", code, errb.String())
	}
	var sent struct {
		TxHash string `json:"tx_hash"`
		Height uint64 `json:"height"`
		Final  bool   `json:"final"`
	}
	if err := json.Unmarshal(out.Bytes(), &sent); err != nil || !sent.Final || sent.Height == 0 {
		t.Fatalf("tx send printed %q (%v)", out.String(), err)
	}

	var bal struct{ Address, Balance string }
	if getJSON(t, url+"/rpc/get_balance/"+bob.String(), &bal); bal.Balance != "5" {
		t.Fatalf("balance %+v, want 5", bal)
	}
	var blk map[string]any
	if st := getJSON(t, fmt.Sprintf("%s/rpc/get_block/%d", url, sent.Height), &blk); st != 200 || !strings.Contains(fmt.Sprint(blk), sent.TxHash) {
		t.Fatalf("get_block/%d (%d) does not list %s: %v", sent.Height, st, sent.TxHash, blk)
	}
	var txr map[string]any
	if st := getJSON(t, url+"/rpc/get_tx/"+sent.TxHash, &txr); st != 200 || txr["status"] != "committed" {
		t.Fatalf("get_tx: %d %v", st, txr)
	}

	// The subscriber sees consecutive blocks up to and including the tx's.
	conn.SetReadDeadline(time.Now().Add(30 * time.Second))
	var prev uint64
	sawTx := false
	for !sawTx {
		msg, err := wsRead(wsr)
		if err != nil {
			t.Fatalf("ws read: %v", err)
		}
		var b struct {
			Topic    string   `json:"topic"`
			Height   uint64   `json:"height"`
			TxHashes []string `json:"tx_hashes"`
		}
		if err := json.Unmarshal(msg, &b); err != nil || b.Topic != "new_blocks" {
			t.Fatalf("ws message %s: %v", msg, err)
		}
		if prev != 0 && b.Height != prev+1 {
			t.Fatalf("ws skipped from %d to %d", prev, b.Height)
		}
		prev = b.Height
		for _, h := range b.TxHashes {
			sawTx = sawTx || h == sent.TxHash
		}
		if b.Height > sent.Height {
			t.Fatalf("ws passed height %d without the tx", sent.Height)
		}
	}

	// Bad input is a JSON error, and the chain keeps going.
	resp, err := http.Post(url+"/rpc/send_tx", "application/json", strings.NewReader(`{"chain_id":"e2e","bogus":1}`))
	if err != nil {
		t.Fatal(err)
	}
	var apiErr struct {
		Error struct{ Code, Message string } `json:"error"`
	}
	json.NewDecoder(resp.Body).Decode(&apiErr)
	resp.Body.Close()
	if resp.StatusCode != 400 || apiErr.Error.Code == "" {
		t.Fatalf("unknown field: %d %+v", resp.StatusCode, apiErr)
	}
	// The metrics a dashboard reads are there and pass the linter promtool uses.
	mresp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/metrics", cfg.MetricsPort))
	if err != nil {
		t.Fatal(err)
	}
	problems, err := promlint.New(mresp.Body).Lint()
	mresp.Body.Close()
	if err != nil || len(problems) > 0 {
		t.Fatalf("promlint: %v %+v", err, problems)
	}
	mresp, _ = http.Get(fmt.Sprintf("http://127.0.0.1:%d/metrics", cfg.MetricsPort))
	mbody, _ := io.ReadAll(mresp.Body)
	mresp.Body.Close()
	for _, name := range []string{"aitbc_head_height", "aitbc_block_interval_seconds_bucket", "aitbc_txs_committed_total",
		"aitbc_mempool_txs", "aitbc_sigverify_batch_size_bucket", "aitbc_sigverify_batch_duration_seconds_bucket",
		"aitbc_rpc_requests_total", "aitbc_rpc_request_duration_seconds_bucket", "aitbc_ws_connections",
		"aitbc_finality_latency_seconds_bucket", "aitbc_storage_commit_duration_seconds_bucket", "aitbc_index_lag_blocks",
		"aitbc_peers", "aitbc_sync_blocks_behind", "aitbc_gossip_handshake_failures_total"} {
		if !bytes.Contains(mbody, []byte("\n"+name)) {
			t.Errorf("/metrics lacks %s", name)
		}
	}

	c := &client.Client{BaseURL: url, HTTP: http.DefaultClient}
	st, err := c.Status(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	// No GPU on a test machine: status says so instead of failing.
	if st.SigverifyBackend != "cpu" || st.GPU.Present || st.GPU.Reason == "" {
		t.Fatalf("status sigverify %q gpu %+v", st.SigverifyBackend, st.GPU)
	}
	h0, err := c.Head(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		h1, err := c.Head(context.Background())
		if err == nil && h1.Height > h0.Height {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("head stopped advancing after bad input")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestUsageErrors(t *testing.T) {
	cases := [][]string{
		{"nope"},
		{"keys"},
		{"keys", "new"},
		{"tx", "send", "--rpc", "http://127.0.0.1:1"},
		{"tx", "send", "--key", "k", "--to", "garbage", "--amount", "1"},
		{"devnet", "--validators", "0"},
		{"start", "--rpc-port", "notaport"},
	}
	for _, args := range cases {
		var out, errb bytes.Buffer
		if code := run(args, &out, &errb); code != 2 {
			t.Errorf("%q: exit %d, want 2 (stderr %q)", args, code, errb.String())
		}
		if errb.Len() == 0 {
			t.Errorf("%q: no message on stderr", args)
		}
	}
}

func TestKeysNewShow(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "k.key")
	var out, errb bytes.Buffer
	if code := run([]string{"keys", "new", "--out", path}, &out, &errb); code != 0 {
		t.Fatalf("keys new: %d %s", code, errb.String())
	}
	addr := strings.TrimSpace(out.String())
	if _, err := types.ParseAddress(addr); err != nil {
		t.Fatalf("keys new printed %q: %v", addr, err)
	}
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o600 {
		t.Errorf("key file mode %v, want 0600", st.Mode().Perm())
	}
	out.Reset()
	if code := run([]string{"keys", "show", "--key", path}, &out, &errb); code != 0 || !strings.Contains(out.String(), addr) {
		t.Fatalf("keys show: %d %q", code, out.String())
	}
	if strings.Contains(out.String(), "private") {
		t.Fatal("keys show printed the secret")
	}
	if code := run([]string{"keys", "new", "--out", path}, &out, &errb); code != 1 {
		t.Fatalf("overwrite: exit %d, want 1", code)
	}
}

// TestInitPrintsNodeIDThatKeysShowRepeats: the node id operators pin in
// PEERS comes from `aitbcd init`, and `aitbcd keys show --key node.key`
// prints the same one later; gossip parses it as that node's peer ID.
func TestInitPrintsNodeIDThatKeysShowRepeats(t *testing.T) {
	home := filepath.Join(t.TempDir(), "v")
	var out, errb bytes.Buffer
	if code := run([]string{"init", "--home", home, "--chain-id", "pin"}, &out, &errb); code != 0 {
		t.Fatalf("init: exit %d: %s", code, errb.String())
	}
	m := regexp.MustCompile(`node id:\s+([0-9a-f]{64})`).FindStringSubmatch(out.String())
	if m == nil {
		t.Fatalf("init printed no node id:\n%s", out.String())
	}
	out.Reset()
	if code := run([]string{"keys", "show", "--key", filepath.Join(home, "node.key")}, &out, &errb); code != 0 {
		t.Fatalf("keys show: %d %s", code, errb.String())
	}
	var shown struct {
		NodeID string `json:"node_id"`
	}
	if err := json.Unmarshal(out.Bytes(), &shown); err != nil || shown.NodeID != m[1] {
		t.Fatalf("keys show node_id %q (%v), init printed %s", shown.NodeID, err, m[1])
	}
	if id, err := gossip.ParseNodeID(shown.NodeID); err != nil || string(id) != m[1] {
		t.Fatalf("ParseNodeID: %v %v", id, err)
	}
}
