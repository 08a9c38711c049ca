package rpc

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"aitbc/engine"
	"aitbc/engine/mempool"
	"aitbc/engine/state"
	"aitbc/engine/types"
	"aitbc/internal/logtest"
	"aitbc/rpc/api"
	"aitbc/rpc/internal/rpctest"
)

// testLogger routes server logs to t.Log.
func testLogger(t testing.TB) *slog.Logger {
	return logtest.New(t, slog.LevelDebug)
}

func startServer(t *testing.T, b Backend, m *Metrics) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(NewServer(b, DefaultConfig(), m, testLogger(t)).Handler())
	t.Cleanup(srv.Close)
	return srv
}

type result struct {
	status int
	header http.Header
	body   []byte
}

func call(t *testing.T, srv *httptest.Server, method, path, body string) result {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, srv.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return result{resp.StatusCode, resp.Header, raw}
}

// decodeStrict decodes r's body into v, failing on unknown fields so the
// tests pin the wire form.
func decodeStrict(t *testing.T, raw []byte, v any) {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		t.Fatalf("decode %s: %v", raw, err)
	}
}

func errorCode(t *testing.T, r result) string {
	t.Helper()
	var eb struct {
		Error struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	decodeStrict(t, r.body, &eb)
	if eb.Error.Code == "" || eb.Error.Message == "" {
		t.Fatalf("error body %s lacks code or message", r.body)
	}
	if ct := r.header.Get("Content-Type"); ct != "application/json" {
		t.Fatalf("error Content-Type %q", ct)
	}
	return eb.Error.Code
}

// withField returns the JSON of tx with one field replaced by raw JSON.
func withField(t testing.TB, tx *types.Tx, field, raw string) string {
	var m map[string]json.RawMessage
	if err := json.Unmarshal([]byte(rpctest.TxBody(t, tx)), &m); err != nil {
		t.Fatal(err)
	}
	if raw == "" {
		delete(m, field)
	} else {
		m[field] = json.RawMessage(raw)
	}
	b, _ := json.Marshal(m)
	return string(b)
}

func TestRoutes(t *testing.T) {
	f := newFixture(t)
	srv := startServer(t, f.b, nil)
	alice, bob := rpctest.Addr(f.alice), rpctest.Addr(f.bob)

	checkHead := func(t *testing.T, raw []byte) {
		var h api.HeadResponse
		decodeStrict(t, raw, &h)
		if h.Height != 1 || h.Hash != f.block1.Hash() || h.TxCount != 2 || h.Time != f.block1.Header.Time || h.StateRoot != f.block1.Header.StateRoot {
			t.Fatalf("head %+v", h)
		}
	}
	checkBlock := func(t *testing.T, raw []byte) {
		var b api.BlockResponse
		decodeStrict(t, raw, &b)
		if b.Height != 1 || b.Hash != f.block1.Hash() || b.TxCount != 2 || len(b.Txs) != 2 || b.Proposer != alice {
			t.Fatalf("block %+v", b)
		}
		if b.TxHashes[1] != f.committed.Hash() || b.Txs[1].Payload != "0x6d656d6f" {
			t.Fatalf("block txs %+v", b.Txs)
		}
		if b.Commit == nil || b.Commit.BlockHash != f.block1.Hash() || b.Commit.SignersLen != 4 ||
			!bytes.Equal(b.Commit.Signers, []byte{0b101}) || b.Commit.AggSig[0] != 0xaa || len(b.Commit.AggSig) != types.BLSSigLen {
			t.Fatalf("commit %+v", b.Commit)
		}
		if b.LastCommit != nil {
			t.Fatalf("height 1 has a last commit")
		}
		// The header's commitment to the next set is served under its spec name (docs/spec.md §3).
		h := &f.block1.Header
		if b.ValidatorsHash != h.ValidatorsHash || b.NextValidatorsHash != h.NextValidatorsHash {
			t.Fatalf("validators_hash %s next_validators_hash %s, want %s %s", b.ValidatorsHash, b.NextValidatorsHash, h.ValidatorsHash, h.NextValidatorsHash)
		}
		if !strings.Contains(string(raw), `"next_validators_hash":"`+h.NextValidatorsHash.String()+`"`) {
			t.Fatalf("no next_validators_hash in %s", raw)
		}
		// So is its evidence_hash (zero: no evidence), the last field the
		// header hash covers.
		if b.EvidenceHash != h.EvidenceHash || !strings.Contains(string(raw), `"evidence_hash":"`+types.ZeroHash.String()+`"`) {
			t.Fatalf("evidence_hash %s, want %s, in %s", b.EvidenceHash, h.EvidenceHash, raw)
		}
		if !strings.Contains(string(raw), `"signers":"0x05"`) {
			t.Fatalf("signers bitmap not 0x hex: %s", raw)
		}
	}
	checkBalance := func(addr types.Address, want string) func(*testing.T, []byte) {
		return func(t *testing.T, raw []byte) {
			var b struct{ Address, Balance string }
			decodeStrict(t, raw, &b)
			if b.Address != addr.String() || b.Balance != want {
				t.Fatalf("balance %+v, want %s %s", b, addr, want)
			}
		}
	}
	checkTx := func(tx *types.Tx, status string, height uint64, index uint32) func(*testing.T, []byte) {
		return func(t *testing.T, raw []byte) {
			var r api.TxResponse
			decodeStrict(t, raw, &r)
			if r.Hash != tx.Hash() || r.Status != status || r.Height != height || r.Index != index || r.TxJSON != api.TxToJSON(tx) {
				t.Fatalf("tx %+v", r)
			}
		}
	}
	sendOK := func(t *testing.T, raw []byte) {
		var r api.SendTxResponse
		decodeStrict(t, raw, &r)
		if r.TxHash.IsZero() {
			t.Fatalf("send_tx %s", raw)
		}
	}
	unsigned := rpctest.SignedTx(f.alice, f.bob, 3, 1)
	unsigned.Sig = [types.SigLen]byte{}
	feeOK := func(t *testing.T, raw []byte) {
		var r struct {
			MinFee string `json:"min_fee"`
			Size   int    `json:"size"`
		}
		decodeStrict(t, raw, &r)
		if r.Size != unsigned.Size() || r.MinFee != fmt.Sprint(10+unsigned.Size()) {
			t.Fatalf("fee %+v", r)
		}
	}

	tests := []struct {
		name         string
		method, path string
		body         string
		status       int
		code         string // error code, for non-200
		check        func(*testing.T, []byte)
	}{
		{"head", "GET", "/rpc/get_head", "", 200, "", checkHead},
		{"head compat", "GET", "/rpc/head", "", 200, "", checkHead},
		{"health", "GET", "/health", "", 200, "", func(t *testing.T, raw []byte) {
			var h api.HealthResponse
			decodeStrict(t, raw, &h)
			if h.Status != "ok" || h.Height != 1 {
				t.Fatalf("health %+v", h)
			}
		}},
		{"balance bech32", "GET", "/rpc/get_balance/" + alice.String(), "", 200, "", checkBalance(alice, "1000000")},
		{"balance 0x", "GET", "/rpc/get_balance/" + bob.Hex(), "", 200, "", checkBalance(bob, "18446744073709551615")},
		{"balance compat", "GET", "/rpc/getBalance/" + alice.String(), "", 200, "", checkBalance(alice, "1000000")},
		{"balance unknown account is zero", "GET", "/rpc/get_balance/" + rpctest.Addr(rpctest.Key(9)).String(), "", 200, "", checkBalance(rpctest.Addr(rpctest.Key(9)), "0")},
		{"balance bad address", "GET", "/rpc/get_balance/ait1notanaddress", "", 400, api.CodeBadAddress, nil},
		{"balance short hex", "GET", "/rpc/get_balance/0x1234", "", 400, api.CodeBadAddress, nil},
		{"account", "GET", "/rpc/get_account/" + alice.String(), "", 200, "", func(t *testing.T, raw []byte) {
			var a struct {
				Address, Balance string
				Nonce            uint64
			}
			decodeStrict(t, raw, &a)
			if a.Address != alice.String() || a.Balance != "1000000" || a.Nonce != 2 {
				t.Fatalf("account %+v", a)
			}
		}},
		{"account bad address", "GET", "/rpc/get_account/xyz", "", 400, api.CodeBadAddress, nil},
		{"block", "GET", "/rpc/get_block/1", "", 200, "", checkBlock},
		{"block compat", "GET", "/rpc/blocks/1", "", 200, "", checkBlock},
		{"block missing", "GET", "/rpc/get_block/99", "", 404, api.CodeNotFound, nil},
		{"block zero", "GET", "/rpc/get_block/0", "", 400, api.CodeBadHeight, nil},
		{"block leading zero", "GET", "/rpc/get_block/01", "", 400, api.CodeBadHeight, nil},
		{"block negative", "GET", "/rpc/get_block/-1", "", 400, api.CodeBadHeight, nil},
		{"block not a number", "GET", "/rpc/get_block/latest", "", 400, api.CodeBadHeight, nil},
		{"block overflow", "GET", "/rpc/get_block/18446744073709551616", "", 400, api.CodeBadHeight, nil},
		{"tx committed", "GET", "/rpc/get_tx/" + f.committed.Hash().String(), "", 200, "", checkTx(f.committed, api.TxCommitted, 1, 1)},
		{"tx pending", "GET", "/rpc/get_tx/" + f.pending.Hash().String(), "", 200, "", checkTx(f.pending, api.TxPending, 0, 0)},
		{"tx compat", "GET", "/rpc/tx/" + f.committed.Hash().String(), "", 200, "", checkTx(f.committed, api.TxCommitted, 1, 1)},
		{"tx unknown", "GET", "/rpc/get_tx/" + types.Sum256([]byte("x")).String(), "", 404, api.CodeNotFound, nil},
		{"tx bad hash", "GET", "/rpc/get_tx/0x1234", "", 400, api.CodeBadHash, nil},
		{"tx hash without 0x", "GET", "/rpc/get_tx/" + strings.Repeat("ab", 32), "", 400, api.CodeBadHash, nil},
		{"mempool", "GET", "/rpc/mempool", "", 200, "", func(t *testing.T, raw []byte) {
			var m api.MempoolResponse
			decodeStrict(t, raw, &m)
			if m.Count != 2 || m.Bytes != 2*f.pending.Size() || len(m.Txs) != 2 || m.Txs[0].Hash != f.pending.Hash() || m.Txs[0].Status != api.TxPending {
				t.Fatalf("mempool %+v", m)
			}
		}},
		{"mempool limit", "GET", "/rpc/mempool?limit=1", "", 200, "", func(t *testing.T, raw []byte) {
			var m api.MempoolResponse
			decodeStrict(t, raw, &m)
			if m.Count != 2 || len(m.Txs) != 1 {
				t.Fatalf("mempool %+v", m)
			}
		}},
		{"mempool limit negative", "GET", "/rpc/mempool?limit=-1", "", 400, api.CodeBadLimit, nil},
		{"mempool limit over max", "GET", "/rpc/mempool?limit=1001", "", 400, api.CodeBadLimit, nil},
		{"mempool limit not a number", "GET", "/rpc/mempool?limit=all", "", 400, api.CodeBadLimit, nil},
		{"status", "GET", "/rpc/status", "", 200, "", func(t *testing.T, raw []byte) {
			var s api.StatusResponse
			decodeStrict(t, raw, &s)
			if s.ChainID != rpctest.ChainID || s.Version != "v0.0.0-test" || s.Head.Height != 1 || s.Validator != alice.String() ||
				s.Validators != 4 || s.MempoolTxs != 2 || s.SigverifyBackend != "cpu" || s.IndexedHeight != 1 {
				t.Fatalf("status %+v", s)
			}
		}},
		{"send_tx", "POST", "/rpc/send_tx", rpctest.TxBody(t, rpctest.SignedTx(f.alice, f.bob, 3, 7)), 200, "", sendOK},
		{"send_tx compat", "POST", "/rpc/sendTx", rpctest.TxBody(t, rpctest.SignedTx(f.alice, f.bob, 4, 7)), 200, "", sendOK},
		{"estimate_fee unsigned", "POST", "/rpc/estimate_fee", withField(t, unsigned, "signature", ""), 200, "", feeOK},
		{"estimate_fee compat", "POST", "/rpc/estimateFee", rpctest.TxBody(t, unsigned), 200, "", feeOK},
		{"estimate_fee bad field", "POST", "/rpc/estimate_fee", withField(t, unsigned, "fee", `"1.5"`), 400, api.CodeBadField, nil},

		// Body errors.
		{"malformed JSON", "POST", "/rpc/send_tx", `{"chain_id":`, 400, api.CodeBadJSON, nil},
		{"syntax error", "POST", "/rpc/send_tx", `{"chain_id" 1}`, 400, api.CodeBadJSON, nil},
		{"empty body", "POST", "/rpc/send_tx", "", 400, api.CodeBadJSON, nil},
		{"not an object", "POST", "/rpc/send_tx", `[1,2]`, 400, api.CodeBadField, nil},
		{"wrong type nonce", "POST", "/rpc/send_tx", withField(t, f.pending, "nonce", `"3"`), 400, api.CodeBadField, nil},
		{"negative nonce", "POST", "/rpc/send_tx", withField(t, f.pending, "nonce", `-3`), 400, api.CodeBadField, nil},
		{"amount as number", "POST", "/rpc/send_tx", withField(t, f.pending, "amount", `300`), 400, api.CodeBadField, nil},
		{"unknown field", "POST", "/rpc/send_tx", withField(t, f.pending, "gas", `1`), 400, api.CodeBadField, nil},
		{"trailing data", "POST", "/rpc/send_tx", rpctest.TxBody(t, f.pending) + `{}`, 400, api.CodeBadJSON, nil},
		{"trailing garbage", "POST", "/rpc/send_tx", rpctest.TxBody(t, f.pending) + `x`, 400, api.CodeBadJSON, nil},
		{"trailing whitespace is fine", "POST", "/rpc/send_tx", rpctest.TxBody(t, rpctest.SignedTx(f.alice, f.bob, 5, 7)) + " \n", 200, "", sendOK},
		{"body too large", "POST", "/rpc/send_tx", `{"payload":"` + strings.Repeat("a", 70<<10) + `"}`, 413, api.CodeBodyTooLarge, nil},
		{"body too large after value", "POST", "/rpc/send_tx", rpctest.TxBody(t, f.pending) + strings.Repeat(" ", 70<<10), 413, api.CodeBodyTooLarge, nil},
		{"bad hex sender", "POST", "/rpc/send_tx", withField(t, f.pending, "sender", `"0x`+strings.Repeat("zz", 32)+`"`), 400, api.CodeBadField, nil},
		{"short sender", "POST", "/rpc/send_tx", withField(t, f.pending, "sender", `"0x1234"`), 400, api.CodeBadField, nil},
		{"sender without 0x", "POST", "/rpc/send_tx", withField(t, f.pending, "sender", `"`+strings.Repeat("ab", 32)+`"`), 400, api.CodeBadField, nil},
		{"short signature", "POST", "/rpc/send_tx", withField(t, f.pending, "signature", `"0xabcd"`), 400, api.CodeBadField, nil},
		{"missing signature", "POST", "/rpc/send_tx", withField(t, f.pending, "signature", ""), 400, api.CodeBadField, nil},
		{"bad recipient", "POST", "/rpc/send_tx", withField(t, f.pending, "recipient", `"ait1xyz"`), 400, api.CodeBadField, nil},
		{"bad amount", "POST", "/rpc/send_tx", withField(t, f.pending, "amount", `"-5"`), 400, api.CodeBadField, nil},
		{"amount overflow", "POST", "/rpc/send_tx", withField(t, f.pending, "amount", `"18446744073709551616"`), 400, api.CodeBadField, nil},
		{"unknown type", "POST", "/rpc/send_tx", withField(t, f.pending, "type", `"MINT"`), 400, api.CodeBadField, nil},
		{"bad chain id", "POST", "/rpc/send_tx", withField(t, f.pending, "chain_id", `"a b"`), 400, api.CodeBadField, nil},
		{"invalid tx from backend", "POST", "/rpc/send_tx", withField(t, f.pending, "chain_id", `"other-chain"`), 400, api.CodeInvalidTx, nil},
		{"bad signature from backend", "POST", "/rpc/send_tx", withField(t, f.pending, "amount", `"301"`), 400, api.CodeBadSignature, nil},

		// Routing errors.
		{"unknown route", "GET", "/rpc/nope", "", 404, api.CodeNotFound, nil},
		{"root", "GET", "/", "", 404, api.CodeNotFound, nil},
		{"unknown rpc route", "GET", "/rpc/get_receipt_by_magic/1", "", 404, api.CodeNotFound, nil},
		{"GET on POST route", "GET", "/rpc/send_tx", "", 405, api.CodeMethodNotAllowed, nil},
		{"POST on GET route", "POST", "/rpc/get_head", "{}", 405, api.CodeMethodNotAllowed, nil},
		{"DELETE on block", "DELETE", "/rpc/get_block/1", "", 405, api.CodeMethodNotAllowed, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := call(t, srv, tt.method, tt.path, tt.body)
			if r.status != tt.status {
				t.Fatalf("%s %s: status %d, want %d; body %s", tt.method, tt.path, r.status, tt.status, r.body)
			}
			if tt.status != 200 {
				if code := errorCode(t, r); code != tt.code {
					t.Fatalf("code %q, want %q (%s)", code, tt.code, r.body)
				}
				if tt.status == 405 && r.header.Get("Allow") == "" {
					t.Fatalf("405 without Allow header")
				}
				return
			}
			if ct := r.header.Get("Content-Type"); ct != "application/json" {
				t.Fatalf("Content-Type %q", ct)
			}
			if tt.check != nil {
				tt.check(t, r.body)
			}
		})
	}
}

// TestBackendErrorMapping checks every backend error class, wrapped as
// the engine wraps them.
func TestBackendErrorMapping(t *testing.T) {
	tests := []struct {
		err        error
		status     int
		code       string
		retryAfter bool
	}{
		{types.ErrInvalidTx, 400, api.CodeInvalidTx, false},
		{&types.DecodeError{What: "tx", Field: "payload", Err: types.ErrOversize}, 400, api.CodeInvalidTx, false},
		{engine.ErrBadSignature, 400, api.CodeBadSignature, false},
		{state.ErrBadNonce, 400, api.CodeBadNonce, false},
		{mempool.ErrNonceTooLow, 409, api.CodeBadNonce, false},
		{mempool.ErrNonceGap, 400, api.CodeBadNonce, false},
		{state.ErrInsufficientBalance, 400, api.CodeInsufficient, false},
		{mempool.ErrInsufficientFunds, 400, api.CodeInsufficient, false},
		{state.ErrFeeTooLow, 400, api.CodeFeeTooLow, false},
		{state.ErrOverflow, 400, api.CodeOverflow, false},
		{state.ErrUnsupportedTx, 400, api.CodeUnsupportedTx, false},
		{mempool.ErrDuplicate, 409, api.CodeDuplicateTx, false},
		{mempool.ErrReplacementUnderpriced, 409, api.CodeUnderpriced, false},
		{mempool.ErrFull, 503, api.CodeMempoolFull, true},
		{mempool.ErrSenderLimit, 503, api.CodeMempoolFull, true},
		{engine.ErrBusy, 503, api.CodeBusy, true},
		{engine.ErrStopped, 503, api.CodeStopped, true},
		{engine.ErrNotFound, 404, api.CodeNotFound, false},
		{errors.New("disk on fire: /secret/path"), 500, api.CodeInternal, false},
	}
	f := newFixture(t)
	srv := startServer(t, f.b, nil)
	body := rpctest.TxBody(t, f.pending)
	for _, tt := range tests {
		t.Run(tt.code+"/"+tt.err.Error(), func(t *testing.T) {
			f.b.mu.Lock()
			f.b.submitErr = fmt.Errorf("admit tx: %w", tt.err)
			f.b.mu.Unlock()
			r := call(t, srv, "POST", "/rpc/send_tx", body)
			if r.status != tt.status {
				t.Fatalf("status %d, want %d (%s)", r.status, tt.status, r.body)
			}
			if code := errorCode(t, r); code != tt.code {
				t.Fatalf("code %q, want %q", code, tt.code)
			}
			if got := r.header.Get("Retry-After") != ""; got != tt.retryAfter {
				t.Fatalf("Retry-After present = %v, want %v", got, tt.retryAfter)
			}
			if tt.status == 500 && bytes.Contains(r.body, []byte("secret")) {
				t.Fatalf("internal error text leaked: %s", r.body)
			}
		})
	}
}

func TestHealthUnavailable(t *testing.T) {
	f := newFixture(t)
	f.b.headErr = engine.ErrStopped
	srv := startServer(t, f.b, nil)
	r := call(t, srv, "GET", "/health", "")
	if r.status != 503 || errorCode(t, r) != api.CodeUnhealthy {
		t.Fatalf("health with a stopped node: %d %s", r.status, r.body)
	}
	if r := call(t, srv, "GET", "/rpc/get_head", ""); r.status != 503 || errorCode(t, r) != api.CodeStopped {
		t.Fatalf("head with a stopped node: %d %s", r.status, r.body)
	}
}

func TestPanicBecomes500(t *testing.T) {
	f := newFixture(t)
	f.b.panicMsg = "invariant broken"
	srv := startServer(t, f.b, nil)
	r := call(t, srv, "POST", "/rpc/send_tx", rpctest.TxBody(t, f.pending))
	if r.status != 500 || errorCode(t, r) != api.CodeInternal {
		t.Fatalf("panic: %d %s", r.status, r.body)
	}
	// The server keeps serving.
	if r := call(t, srv, "GET", "/rpc/get_head", ""); r.status != 200 {
		t.Fatalf("after panic: %d", r.status)
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
		{func(c *Config) { c.MaxBodyBytes = 10 }, "max_body_bytes"},
		{func(c *Config) { c.MaxBodyBytes = 1 << 30 }, "max_body_bytes"},
		{func(c *Config) { c.MaxMempoolList = 0 }, "max_mempool_list"},
		{func(c *Config) { c.MaxMempoolList = 1 << 20 }, "max_mempool_list"},
		{func(c *Config) { c.RateLimit = -1 }, "rate_limit"},
		{func(c *Config) { c.RateLimit = 2e6 }, "rate_limit"},
		{func(c *Config) { c.RateBurst = 0 }, "rate_burst"},
		{func(c *Config) { c.MaxConnsPerAddr = 0 }, "max_conns_per_addr"},
		{func(c *Config) { c.MaxBatchBodyBytes = 512 }, "max_batch_body_bytes"},
		{func(c *Config) { c.MaxBatchBodyBytes = 65 << 20 }, "max_batch_body_bytes"},
		{func(c *Config) { c.MaxBatchInFlight = 0 }, "max_batch_in_flight"},
		{func(c *Config) { c.MaxBatchInFlight = c.MaxInFlight + 1 }, "max_batch_in_flight"},
		{func(c *Config) { c.MaxConnsPerAddr = 1 << 20 }, "max_conns_per_addr"},
	}
	for _, tt := range tests {
		c := DefaultConfig()
		tt.mut(&c)
		err := c.Validate()
		if !errors.Is(err, ErrInvalidConfig) || !strings.Contains(err.Error(), tt.key) {
			t.Errorf("Validate() = %v, want ErrInvalidConfig naming %s", err, tt.key)
		}
	}
}

func TestSmallBodyLimit(t *testing.T) {
	f := newFixture(t)
	cfg := DefaultConfig()
	cfg.MaxBodyBytes = 1024
	srv := httptest.NewServer(NewServer(f.b, cfg, nil, testLogger(t)).Handler())
	defer srv.Close()
	tx := rpctest.SignedTx(f.alice, f.bob, 3, 1)
	tx.Payload = bytes.Repeat([]byte{1}, 600) // 1200 hex digits
	tx.Sign(f.alice)
	r := call(t, srv, "POST", "/rpc/send_tx", rpctest.TxBody(t, tx))
	if r.status != 413 || errorCode(t, r) != api.CodeBodyTooLarge {
		t.Fatalf("%d %s", r.status, r.body)
	}
}
