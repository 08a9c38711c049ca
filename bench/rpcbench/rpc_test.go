package rpcbench

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"errors"
	"fmt"
	"log/slog"
	mrand "math/rand"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"aitbc/bench"
	"aitbc/engine/bls"
	"aitbc/engine/consensus"
	"aitbc/engine/enginetest"
	"aitbc/engine/node"
	"aitbc/engine/types"
	"aitbc/gpu"
	"aitbc/internal/logtest"
	"aitbc/internal/wait"
	"aitbc/rpc"
	"aitbc/rpc/api"
	"aitbc/rpc/client"
	"aitbc/storage/index"
)

// testNode is a real single-validator node in-process: the engine over a
// memory block store and WAL, optionally the SQLite index, and the REST
// API on a loopback listener.
type testNode struct {
	url    string
	faucet ed25519.PrivateKey
	chain  string
	c      *client.Client
}

func startRPCNode(t *testing.T, withIndex bool) *testNode {
	t.Helper()
	sk, err := bls.GenerateKey(mrand.New(mrand.NewSource(7)))
	if err != nil {
		t.Fatal(err)
	}
	valAcct := ed25519.NewKeyFromSeed(make([]byte, 32))
	seed := sha256.Sum256([]byte("bench rpc faucet"))
	faucet := ed25519.NewKeyFromSeed(seed[:])
	vpub := valAcct.Public().(ed25519.PublicKey)
	pk, pop := sk.PublicKey(), bls.ProvePossession(sk)
	g := &types.Genesis{
		ChainID: "bench-rpc", GenesisTime: 1_700_000_000_000, ConsensusMode: "poa", Params: types.DefaultParams(),
		Accounts: []types.GenesisAccount{{Address: types.AddressFromPubKey(faucet.Public().(ed25519.PublicKey)), Balance: 1 << 50}},
		Authorities: []types.Authority{{Address: types.AddressFromPubKey(vpub), PubKey: types.HexBytes(vpub),
			BLSPubKey: pk[:], BLSPoP: pop[:], Weight: 10}},
	}
	if err := g.Validate(); err != nil {
		t.Fatal(err)
	}
	log := logtest.New(t, slog.LevelWarn)
	v := gpu.NewCPU(1)
	b, err := gpu.NewBatcher(v, v, gpu.DefaultBatcherConfig(), gpu.NopMetrics())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	deps := node.Deps{Genesis: g, Store: enginetest.NewMemStore(), Verifier: b, Signer: consensus.NewKeySigner(sk), WAL: enginetest.NewMemWAL(), Log: log}
	var ix *index.Index
	if withIndex {
		ix, err = index.Open(context.Background(), "sqlite://"+filepath.Join(t.TempDir(), "index.db"), log, index.WithGenesis(g))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { ix.Close() })
		deps.Index = ix
	}
	cfg := node.DefaultConfig()
	cfg.TickInterval, cfg.BlockTime = time.Millisecond, 20*time.Millisecond
	n, err := node.New(cfg, deps)
	if err != nil {
		t.Fatal(err)
	}
	api := rpc.NewServer(n, rpc.DefaultConfig(), nil, log)
	if ix != nil {
		api.SetIndex(ix)
	}
	n.Start()
	t.Cleanup(func() { n.Stop() })
	srv := httptest.NewServer(api.Handler()) // 127.0.0.1, an ephemeral port
	t.Cleanup(srv.Close)
	node := &testNode{url: srv.URL, faucet: faucet, chain: g.ChainID, c: &client.Client{BaseURL: srv.URL}}
	wait.Until(t, "height 1", 10*time.Second, func() bool {
		h, err := node.c.Head(context.Background())
		return err == nil && h.Height >= 1
	})
	return node
}

// sendTransfers commits n faucet transfers to distinct recipients and
// waits until the index holds their blocks.
func (n *testNode) sendTransfers(t *testing.T, count int) []types.Hash {
	t.Helper()
	ctx := context.Background()
	var hashes []types.Hash
	for i := range count {
		tx := &types.Tx{ChainID: n.chain, Type: types.TxTransfer, Nonce: uint64(i + 1), Recipient: types.Address{0xbe, byte(i)}, Amount: 1000}
		copy(tx.Sender[:], n.faucet.Public().(ed25519.PublicKey))
		fee, err := n.c.EstimateFee(ctx, tx)
		if err != nil {
			t.Fatal(err)
		}
		tx.Fee = fee
		tx.Sign(n.faucet)
		h, err := n.c.SendTx(ctx, tx)
		if err != nil {
			t.Fatalf("send tx %d: %v", i, err)
		}
		hashes = append(hashes, h)
	}
	var last uint64
	wait.Until(t, "transfers committed", 20*time.Second, func() bool {
		for _, h := range hashes {
			r, err := n.c.Tx(ctx, h)
			if err != nil || r.Status != api.TxCommitted {
				return false
			}
			last = max(last, r.Height)
		}
		return true
	})
	wait.Until(t, "transfers indexed", 20*time.Second, func() bool {
		st, err := n.c.Status(ctx)
		return err == nil && st.IndexedHeight >= last
	})
	return hashes
}

// rpcTable parses the table WriteTable prints: endpoint → its fields.
func rpcTable(out string) map[string][]string {
	rows := map[string][]string{}
	header := false
	for _, l := range strings.Split(out, "\n") {
		f := strings.Fields(l)
		switch {
		case len(f) == 8 && f[0] == "endpoint" && f[2] == "req/s" && f[7] == "errors":
			header = true
		case header && len(f) == 8:
			rows[f[0]] = f
		}
	}
	return rows
}

// TestRPCBenchAgainstNode runs the bench for half a second against a real
// node with txs and the SQL index: every default kind is queried, every
// answer passes its check, and the table, the report and the progress
// lines agree.
func TestRPCBenchAgainstNode(t *testing.T) {
	node := startRPCNode(t, true)
	sent := node.sendTransfers(t, 5)

	var out bytes.Buffer
	rep, err := Run(context.Background(), Config{URL: node.url, Concurrency: 4, Duration: 500 * time.Millisecond, ScanBlocks: 100_000,
		Progress: 100 * time.Millisecond}, &out)
	t.Log("\n" + out.String())
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(rep.Mix, DefaultMix) || len(rep.Skipped) != 0 {
		t.Fatalf("mix %v skipped %v, want the whole default mix", rep.Mix, rep.Skipped)
	}
	if rep.TargetTxs != len(sent) || rep.TargetAddresses < len(sent)+2 || rep.TargetBlocks < 2 {
		t.Errorf("targets: %d txs %d addresses %d heights; want the %d sent txs, their sender, recipients and the validator",
			rep.TargetTxs, rep.TargetAddresses, rep.TargetBlocks, len(sent))
	}
	table := rpcTable(out.String())
	var sum int64
	for i, r := range rep.Rows {
		if r.Endpoint != DefaultMix[i] || r.Requests == 0 || r.Errors != 0 {
			t.Errorf("row %d: %+v, want %s with requests and no errors (samples %v)", i, r, DefaultMix[i], rep.ErrorSamples)
		}
		if r.P50 <= 0 || r.P90 < r.P50 || r.P99 < r.P90 || r.Max < r.P99 {
			t.Errorf("%s: latencies p50 %v p90 %v p99 %v max %v: want positive and ordered", r.Endpoint, r.P50, r.P90, r.P99, r.Max)
		}
		if f := table[r.Endpoint]; f == nil || f[1] != fmt.Sprint(r.Requests) || f[7] != "0" {
			t.Errorf("table row %q = %v, report %+v", r.Endpoint, f, r)
		}
		sum += r.Requests
	}
	if rep.Total.Requests != sum || rep.Total.Errors != 0 || table["total"] == nil || table["total"][1] != fmt.Sprint(sum) {
		t.Errorf("total %+v (table %v), want %d requests, 0 errors", rep.Total, table["total"], sum)
	}
	if rep.Interrupted || rep.Elapsed < 0.5 || rep.Total.PerSec <= 0 {
		t.Errorf("interrupted %v elapsed %v req/s %v", rep.Interrupted, rep.Elapsed, rep.Total.PerSec)
	}
	if n := strings.Count(out.String(), "\nt="); n < 3 {
		t.Errorf("%d progress lines over 0.5 s at 100 ms, want about 5", n)
	}
}

// TestRPCBenchFreshChain is a chain with no txs and no SQL index, as a
// fresh devnet without DATABASE_URL: the default mix drops the kinds with
// nothing to query and still reads balances (of the validator); naming
// such a kind is an error.
func TestRPCBenchFreshChain(t *testing.T) {
	node := startRPCNode(t, false)
	var out bytes.Buffer
	rep, err := Run(context.Background(), Config{URL: node.url, Concurrency: 2, Duration: 200 * time.Millisecond}, &out)
	t.Log("\n" + out.String())
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"head", "status", "balance", "account", "block"}; !slices.Equal(rep.Mix, want) {
		t.Errorf("mix %v, want %v", rep.Mix, want)
	}
	if len(rep.Skipped) != 3 || !strings.Contains(out.String(), "tx left out of the mix: no txs") ||
		!strings.Contains(out.String(), "txs left out of the mix: the node runs without the SQL index") {
		t.Errorf("skipped %v; output lacks the notes", rep.Skipped)
	}
	if rep.Total.Requests == 0 || rep.Total.Errors != 0 {
		t.Errorf("total %+v (samples %v)", rep.Total, rep.ErrorSamples)
	}
	for _, mix := range [][]string{{"tx"}, {"head", "blocks"}} {
		_, err := Run(context.Background(), Config{URL: node.url, Duration: time.Second, Mix: mix}, new(bytes.Buffer))
		if !errors.Is(err, ErrNoTargets) {
			t.Errorf("mix %v: err = %v, want ErrNoTargets", mix, err)
		}
	}
}

// TestRPCBenchInterrupted: cancelling the context mid-run (Ctrl-C) ends it
// at once with a partial report and an error saying so; the requests it
// cut off are not counted as errors.
func TestRPCBenchInterrupted(t *testing.T) {
	node := startRPCNode(t, false)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	time.AfterFunc(300*time.Millisecond, cancel)
	var out bytes.Buffer
	rep, err := Run(ctx, Config{URL: node.url, Concurrency: 4, Duration: time.Hour, Mix: []string{"head", "block"}}, &out)
	t.Log("\n" + out.String())
	if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "partial") {
		t.Fatalf("err = %v, want a partial-report error wrapping context.Canceled", err)
	}
	if !rep.Interrupted || rep.Total.Requests == 0 || rep.Total.Errors != 0 || rep.Elapsed > 60 {
		t.Errorf("report %+v: want interrupted, requests, no errors", rep)
	}
	if rpcTable(out.String())["total"] == nil {
		t.Errorf("no table printed:\n%s", out.String())
	}
}

// wrongNode answers discovery correctly (status, blocks) but gives wrong
// answers on the routes the bench then queries.
func wrongNode(t *testing.T) *httptest.Server {
	proposer := types.Address{0xaa}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /rpc/status", func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprint(w, `{"chain_id":"wrong","head":{"height":3,"hash":"0x`+strings.Repeat("11", 32)+`"},"validator":""}`)
	})
	mux.HandleFunc("GET /rpc/get_block/{h}", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `{"height":%s,"hash":"0x%s","proposer":%q,"tx_hashes":[],"txs":[]}`, r.PathValue("h"), strings.Repeat("22", 32), proposer)
	})
	mux.HandleFunc("GET /rpc/get_head", func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprint(w, `{"height":"three"}`) // not the route's JSON
	})
	mux.HandleFunc("GET /rpc/get_balance/{a}", func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprintf(w, `{"address":%q,"balance":"5"}`, types.Address{0xbb}) // someone else's
	})
	mux.HandleFunc("GET /health", func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "down", http.StatusInternalServerError)
	})
	mux.HandleFunc("GET /rpc/get_account/{a}", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `not json at all`)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

// TestRPCBenchWrongAnswers: a server that answers 200 with the wrong JSON
// or the wrong object, or fails, is reported as errors per kind, with
// samples, not a crash; the route that answers right has none.
func TestRPCBenchWrongAnswers(t *testing.T) {
	srv := wrongNode(t)
	var out bytes.Buffer
	rep, err := Run(context.Background(), Config{URL: srv.URL, Concurrency: 3, Duration: 200 * time.Millisecond,
		Mix: []string{"status", "head", "balance", "health", "account", "block"}}, &out)
	t.Log("\n" + out.String())
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rep.Rows {
		wantErrs := r.Requests
		if r.Endpoint == "status" || r.Endpoint == "block" {
			wantErrs = 0
		}
		if r.Requests == 0 || r.Errors != wantErrs {
			t.Errorf("%s: %d requests, %d errors; want %d errors", r.Endpoint, r.Requests, r.Errors, wantErrs)
		}
	}
	joined := strings.Join(rep.ErrorSamples, "\n")
	for _, want := range []string{"head: bench: wrong answer: not the route's JSON", "balance: bench: wrong answer: address",
		"health: HTTP 500: down", "account: bench: wrong answer: not the route's JSON"} {
		if !strings.Contains(joined, want) {
			t.Errorf("error samples lack %q:\n%s", want, joined)
		}
	}
	if rep.Total.Errors == 0 || !strings.Contains(out.String(), "error sample: ") {
		t.Errorf("errors not reported:\n%s", out.String())
	}
}

func TestRPCChecks(t *testing.T) {
	addr := types.Address{1, 2, 3}.String()
	hash := types.Hash{9}.String()
	tests := []struct {
		kind, body, want string
		ok               bool
	}{
		{"head", `{"height":4,"hash":"` + hash + `"}`, "", true},
		{"head", `{"height":4}`, "", false},
		{"head", `{"height":-1,"hash":"x"}`, "", false},
		{"status", `{"chain_id":"c","head":{"height":1}}`, "c", true},
		{"status", `{"chain_id":"d","head":{"height":1}}`, "c", false},
		{"status", `{"chain_id":"c"}`, "c", false},
		{"health", `{"status":"ok","height":3}`, "", true},
		{"health", `{"status":"syncing","height":3}`, "", false},
		{"balance", `{"address":"` + addr + `","balance":"0"}`, addr, true},
		{"balance", `{"address":"` + addr + `"}`, addr, false},
		{"balance", `{"address":"ait1other","balance":"0"}`, addr, false},
		{"account", `{"address":"` + addr + `","balance":"7","nonce":2}`, addr, true},
		{"account", `{"address":"` + addr + `","balance":"7"}`, addr, false},
		{"block", `{"height":12,"hash":"` + hash + `","txs":[]}`, "12", true},
		{"block", `{"height":11,"hash":"` + hash + `"}`, "12", false},
		{"tx", `{"hash":"` + hash + `","status":"committed"}`, hash, true},
		{"tx", `{"hash":"` + hash + `","status":"pending"}`, hash, false},
		{"tx", `{"hash":"0x00","status":"committed"}`, hash, false},
		{"txs", `{"address":"` + addr + `","txs":[],"next_cursor":""}`, addr, true},
		{"txs", `{"address":"` + addr + `","txs":null}`, addr, false},
		{"blocks", `{"from":3,"to":12,"blocks":[{"height":3}]}`, "3-12", true},
		{"blocks", `{"from":3,"to":11,"blocks":[]}`, "3-12", false},
		{"blocks", `{"from":3,"to":12}`, "3-12", false},
	}
	for _, tt := range tests {
		err := rpcChecks[tt.kind]([]byte(tt.body), tt.want)
		if (err == nil) != tt.ok || (err != nil && !errors.Is(err, ErrWrongAnswer)) {
			t.Errorf("%s %s: err = %v, want ok=%v", tt.kind, tt.body, err, tt.ok)
		}
	}
	for _, k := range Kinds {
		if rpcChecks[k] == nil {
			t.Errorf("kind %s has no check", k)
		}
		for _, body := range []string{"", "null", "[]", "{", `"x"`} {
			if err := rpcChecks[k]([]byte(body), "x"); !errors.Is(err, ErrWrongAnswer) {
				t.Errorf("%s %q: err = %v, want ErrWrongAnswer", k, body, err)
			}
		}
	}
}

func TestConfigValidate(t *testing.T) {
	ok := Config{URL: "http://127.0.0.1:9080"}
	tests := []struct {
		name string
		mod  func(*Config)
		want string // in the error; "" for valid
	}{
		{"defaults", func(*Config) {}, ""},
		{"https", func(c *Config) { c.URL = "https://node.example:443/" }, ""},
		{"every kind", func(c *Config) { c.Mix = Kinds }, ""},
		{"no url", func(c *Config) { c.URL = "" }, "no RPC URL"},
		{"ws url", func(c *Config) { c.URL = "ws://127.0.0.1:9081" }, "RPC URL"},
		{"no host", func(c *Config) { c.URL = "http://" }, "RPC URL"},
		{"negative concurrency", func(c *Config) { c.Concurrency = -1 }, "concurrency -1"},
		{"huge concurrency", func(c *Config) { c.Concurrency = 20_000 }, "concurrency 20000"},
		{"negative duration", func(c *Config) { c.Duration = -time.Second }, "duration"},
		{"negative scan", func(c *Config) { c.ScanBlocks = -1 }, "scan blocks"},
		{"unknown kind", func(c *Config) { c.Mix = []string{"head", "mempool"} }, `unknown endpoint kind "mempool"`},
		{"kind twice", func(c *Config) { c.Mix = []string{"head", "tx", "head"} }, `"head" twice`},
	}
	for _, tt := range tests {
		c := ok
		tt.mod(&c)
		err := c.Validate()
		if tt.want == "" {
			if err != nil {
				t.Errorf("%s: %v", tt.name, err)
			}
			continue
		}
		if !errors.Is(err, ErrBadConfig) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: err = %v, want ErrBadConfig containing %q", tt.name, err, tt.want)
		}
	}
}

func TestLatencyHist(t *testing.T) {
	// Buckets are contiguous and ordered: every value lands in a bucket
	// whose upper bound is at or above it and within 1/histSub of it.
	prev := -1
	for _, v := range []uint64{0, 1, 255, 256, 257, 511, 512, 1000, 4095, 4096, 1e6, 123456789, 1e12, 1<<40 - 1} {
		i := histBucket(v)
		if i < prev || i >= histBuckets {
			t.Fatalf("bucket(%d) = %d after %d (of %d)", v, i, prev, histBuckets)
		}
		prev = i
		up := histUpper(i)
		if up < v || float64(up-v) > float64(v)/histSub {
			t.Errorf("value %d: bucket %d upper %d, more than 1/%d above", v, i, up, histSub)
		}
		if i > 0 && histUpper(i-1) >= v {
			t.Errorf("value %d also fits bucket %d (upper %d)", v, i-1, histUpper(i-1))
		}
	}
	if histBucket(1<<50) != histBuckets-1 {
		t.Errorf("values past the range are not clamped into the last bucket")
	}

	// Percentiles agree with the exact ones of the same samples.
	var h latencyHist
	r := mrand.New(mrand.NewSource(1))
	var exact []time.Duration
	for range 10_000 {
		d := time.Duration(r.ExpFloat64() * float64(300*time.Microsecond))
		exact = append(exact, d)
		h.record(d)
	}
	s := h.snapshot()
	for _, p := range []int{50, 90, 99, 100} {
		got, want := s.percentile(p), bench.Percentile(exact, p)
		if got < want || float64(got-want) > float64(want)/histSub {
			t.Errorf("p%d = %v, exact %v", p, got, want)
		}
	}
	if s.max != bench.Percentile(exact, 100) {
		t.Errorf("max %v, want %v", s.max, bench.Percentile(exact, 100))
	}
	var empty histSnapshot
	if empty.percentile(50) != 0 {
		t.Errorf("empty histogram p50 = %v", empty.percentile(50))
	}
	total := &histSnapshot{}
	total.merge(s)
	total.merge(s)
	if total.percentile(50) != s.percentile(50) || total.max != s.max {
		t.Errorf("merging a histogram with itself changed p50 %v→%v or max", s.percentile(50), total.percentile(50))
	}
}
