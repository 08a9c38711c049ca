package rpc

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"testing"

	"aitbc/engine"
	"aitbc/engine/mempool"
	"aitbc/engine/types"
	"aitbc/rpc/api"
	"aitbc/rpc/internal/rpctest"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"
)

// loadContract parses and validates rpc/openapi.yaml with kin-openapi.
func loadContract(t *testing.T) *openapi3.T {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromData(OpenAPIYAML())
	if err != nil {
		t.Fatalf("openapi.yaml does not load: %v", err)
	}
	if !doc.IsOpenAPI31OrLater() {
		t.Fatalf("openapi.yaml declares %s, want 3.1", doc.OpenAPI)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("openapi.yaml is not a valid OpenAPI document: %v", err)
	}
	return doc
}

// TestOpenAPIRoutesMatch: the contract documents exactly the routes the
// server registers, method and path, and every path parameter.
func TestOpenAPIRoutesMatch(t *testing.T) {
	doc := loadContract(t)
	documented := map[string]bool{}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			documented[method+" "+path] = true
			for _, seg := range strings.Split(path, "/") {
				if name, ok := strings.CutPrefix(seg, "{"); ok {
					name = strings.TrimSuffix(name, "}")
					if op.Parameters.GetByInAndName("path", name) == nil && item.Parameters.GetByInAndName("path", name) == nil {
						t.Errorf("%s %s: path parameter %s undocumented", method, path, name)
					}
				}
			}
			if op.Responses.Status(http.StatusOK) == nil {
				t.Errorf("%s %s: no 200 response documented", method, path)
			}
		}
	}
	registered := map[string]bool{}
	for _, rt := range (&Server{}).routes() {
		registered[rt.pattern] = true
	}
	var missing, stale []string
	for r := range registered {
		if !documented[r] {
			missing = append(missing, r)
		}
	}
	for d := range documented {
		if !registered[d] {
			stale = append(stale, d)
		}
	}
	sort.Strings(missing)
	sort.Strings(stale)
	if len(missing) > 0 {
		t.Errorf("registered but not in rpc/openapi.yaml: %v", missing)
	}
	if len(stale) > 0 {
		t.Errorf("in rpc/openapi.yaml but not registered: %v", stale)
	}
}

// TestOpenAPIServed: GET /openapi.json is the YAML contract as JSON.
func TestOpenAPIServed(t *testing.T) {
	srv := startServer(t, &memBackend{chainID: rpctest.ChainID}, nil)
	r := call(t, srv, "GET", "/openapi.json", "")
	if r.status != 200 || r.header.Get("Content-Type") != "application/json" {
		t.Fatalf("%d %s", r.status, r.header.Get("Content-Type"))
	}
	doc, err := openapi3.NewLoader().LoadFromData(r.body)
	if err != nil {
		t.Fatalf("served document does not load: %v", err)
	}
	want := loadContract(t)
	if doc.OpenAPI != want.OpenAPI || doc.Paths.Len() != want.Paths.Len() || len(doc.Components.Schemas) != len(want.Components.Schemas) {
		t.Fatalf("served %s with %d paths, %d schemas; the YAML has %s, %d, %d",
			doc.OpenAPI, doc.Paths.Len(), len(doc.Components.Schemas), want.OpenAPI, want.Paths.Len(), len(want.Components.Schemas))
	}
}

// contractCase is one request to a running server and the status it must get.
type contractCase struct {
	name   string
	srv    *httptest.Server
	method string
	path   string
	body   string
	status int
	code   string // the error code for status >= 400
}

// TestOpenAPIContract sends real requests to servers over the fixture
// chain — every route's success and every class of error the contract
// documents — and validates each response (and each successful request)
// against rpc/openapi.yaml with kin-openapi: status documented for the
// route, headers, and the body against its schema. It fails when a route
// has no success case here, and when an error status the contract
// documents is never produced.
func TestOpenAPIContract(t *testing.T) {
	doc := loadContract(t)
	doc.Servers = nil // match requests to any host
	router, err := legacy.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}

	f := newIndexFixture(t, true) // the index routes' data
	ok := f.srv
	noIndex := newIndexFixture(t, false).srv
	indexOff := newIndexFixture(t, false)
	indexOff.srvOf.DisableIndex()
	bare := func(mut func(*memBackend), cfg Config) *httptest.Server {
		b := newFixture(t).b
		if mut != nil {
			mut(b)
		}
		s := httptest.NewServer(NewServer(b, cfg, nil, testLogger(t)).Handler())
		t.Cleanup(s.Close)
		return s
	}
	def := DefaultConfig()
	limited := def
	limited.RateLimit, limited.RateBurst = 0.001, 1
	rate := bare(nil, limited)
	call(t, rate, "GET", "/health", "") // the one token
	panics := bare(func(b *memBackend) { b.panicMsg = "invariant broken" }, def)
	full := bare(func(b *memBackend) { b.submitErr = mempool.ErrFull }, def)
	slow := bare(func(b *memBackend) { b.submitErr = context.DeadlineExceeded }, def)
	dup := bare(func(b *memBackend) { b.submitErr = mempool.ErrDuplicate }, def)
	down := bare(func(b *memBackend) { b.headErr = engine.ErrStopped }, def)
	halted := bare(func(b *memBackend) {
		b.status.Halted = &engine.Halt{Height: 7, Hash: types.Sum256([]byte("decided")), Reason: "decided block fails validation"}
	}, def)
	hybrid := bare(func(b *memBackend) { makeHybrid(t, b) }, def)
	erin := seedAddr(seedErin)
	f.b.evidence = []*types.Evidence{rpcEvidence(t, 3, 2, false), rpcEvidence(t, 3, 1, true)}

	alice, bob := rpctest.Addr(f.alice), rpctest.Addr(f.bob)
	committed := f.committed.Hash().String()
	receipt := f.receiptID().String()
	unsigned := withField(t, f.pending, "signature", `""`)
	big := `{"chain_id":"` + strings.Repeat("x", int(def.MaxBodyBytes)) + `"}`

	cases := []contractCase{
		// Every route succeeds.
		{"openapi", ok, "GET", "/openapi.json", "", 200, ""},
		{"health", ok, "GET", "/health", "", 200, ""},
		{"status", ok, "GET", "/rpc/status", "", 200, ""},
		{"status halted", halted, "GET", "/rpc/status", "", 200, ""},
		{"head", ok, "GET", "/rpc/get_head", "", 200, ""},
		{"head compat", ok, "GET", "/rpc/head", "", 200, ""},
		{"send_tx", ok, "POST", "/rpc/send_tx", rpctest.TxBody(t, rpctest.SignedTx(f.alice, f.bob, 4, 1)), 200, ""},
		{"send_txs", ok, "POST", "/rpc/send_txs", `{"txs":[` + rpctest.TxBody(t, rpctest.SignedTx(f.alice, f.bob, 6, 1)) + "," +
			withField(t, f.pending, "amount", `"301"`) + "," + withField(t, f.pending, "sender", `"0x12"`) + `]}`, 200, ""},
		{"sendTx compat", ok, "POST", "/rpc/sendTx", rpctest.TxBody(t, rpctest.SignedTx(f.alice, f.bob, 5, 1)), 200, ""},
		{"estimate_fee", ok, "POST", "/rpc/estimate_fee", unsigned, 200, ""},
		{"estimateFee compat", ok, "POST", "/rpc/estimateFee", rpctest.TxBody(t, f.pending), 200, ""},
		{"submitReceipt", ok, "POST", "/rpc/submitReceipt", rpctest.TxBody(t, f.claim2), 200, ""},
		{"balance", ok, "GET", "/rpc/get_balance/" + alice.String(), "", 200, ""},
		{"balance 0x", ok, "GET", "/rpc/getBalance/0x" + strings.Repeat("ab", 20), "", 200, ""},
		{"account", ok, "GET", "/rpc/get_account/" + bob.String(), "", 200, ""},
		{"block 1", ok, "GET", "/rpc/get_block/1", "", 200, ""},
		{"block 2 compat", ok, "GET", "/rpc/blocks/2", "", 200, ""},
		{"commit", ok, "GET", "/rpc/get_commit/1", "", 200, ""},
		{"tx committed", ok, "GET", "/rpc/get_tx/" + committed, "", 200, ""},
		{"tx pending compat", ok, "GET", "/rpc/tx/" + f.pending.Hash().String(), "", 200, ""},
		{"mempool", ok, "GET", "/rpc/mempool?limit=1", "", 200, ""},
		{"evidence", ok, "GET", "/rpc/get_evidence?from=1&limit=10", "", 200, ""},
		{"txs", ok, "GET", "/rpc/get_txs/" + alice.String() + "?limit=2", "", 200, ""},
		{"blocks", ok, "GET", "/rpc/get_blocks?from=1&to=2", "", 200, ""},
		{"receipt", ok, "GET", "/rpc/get_receipt/" + receipt, "", 200, ""},
		{"receipt compat", ok, "GET", "/rpc/receipts/" + receipt, "", 200, ""},
		{"receipts by job", ok, "GET", "/rpc/get_receipts?job_id=job-42", "", 200, ""},
		{"receipts by miner", ok, "GET", "/rpc/get_receipts?miner=" + bob.String() + "&limit=1", "", 200, ""},
		{"validators", ok, "GET", "/rpc/get_validators", "", 200, ""},
		{"validators hybrid", hybrid, "GET", "/rpc/get_validators?height=26", "", 200, ""},
		{"stake", hybrid, "GET", "/rpc/get_stake/" + seedAddr(seedDave).String(), "", 200, ""},
		{"stake unbonding", hybrid, "GET", "/rpc/get_stake/" + seedAddr(seedHank).String(), "", 200, ""},
		{"stake jailed", hybrid, "GET", "/rpc/get_stake/0x" + hex.EncodeToString(erin[:]), "", 200, ""},

		// 400: each kind of bad input.
		{"bad json", ok, "POST", "/rpc/send_tx", "{", 400, api.CodeBadJSON},
		{"unknown field", ok, "POST", "/rpc/send_tx", `{"nope":1}`, 400, api.CodeBadField},
		{"bad address", ok, "GET", "/rpc/get_balance/ait1nope", "", 400, api.CodeBadAddress},
		{"bad height", ok, "GET", "/rpc/get_block/0", "", 400, api.CodeBadHeight},
		{"bad hash", ok, "GET", "/rpc/get_tx/0x12", "", 400, api.CodeBadHash},
		{"bad limit", ok, "GET", "/rpc/mempool?limit=x", "", 400, api.CodeBadLimit},
		{"bad query", ok, "GET", "/rpc/get_blocks?from=1&nope=2", "", 400, api.CodeBadQuery},
		{"bad range", ok, "GET", "/rpc/get_blocks", "", 400, api.CodeBadRange},
		{"bad cursor", ok, "GET", "/rpc/get_txs/" + alice.String() + "?cursor=zz", "", 400, api.CodeBadCursor},
		{"bad signature", ok, "POST", "/rpc/send_tx", withField(t, f.pending, "amount", `"301"`), 400, api.CodeBadSignature},
		{"not a receipt claim", ok, "POST", "/rpc/submitReceipt", rpctest.TxBody(t, f.pending), 400, api.CodeBadField},
		// 404, 405
		{"no block", ok, "GET", "/rpc/get_block/99", "", 404, api.CodeNotFound},
		{"no commit", ok, "GET", "/rpc/get_commit/99", "", 404, api.CodeNotFound},
		{"no tx", ok, "GET", "/rpc/get_tx/0x" + strings.Repeat("00", 32), "", 404, api.CodeNotFound},
		{"no receipt", ok, "GET", "/rpc/get_receipt/0x" + strings.Repeat("00", 32), "", 404, api.CodeNotFound},
		{"no stake on poa", ok, "GET", "/rpc/get_stake/" + alice.String(), "", 404, api.CodeNoStake},
		{"no stake", hybrid, "GET", "/rpc/get_stake/" + bob.String(), "", 404, api.CodeNoStake},
		{"stake bad address", hybrid, "GET", "/rpc/get_stake/ait1nope", "", 400, api.CodeBadAddress},
		{"validators not elected", hybrid, "GET", "/rpc/get_validators?height=31", "", 404, api.CodeNotFound},
		// 409, 413, 429
		{"duplicate", dup, "POST", "/rpc/send_tx", rpctest.TxBody(t, f.pending), 409, api.CodeDuplicateTx},
		{"too large", ok, "POST", "/rpc/send_tx", big, 413, api.CodeBodyTooLarge},
		{"batch bad json", ok, "POST", "/rpc/send_txs", `{"txs":[{]}`, 400, api.CodeBadJSON},
		{"batch too many", ok, "POST", "/rpc/send_txs", `{"txs":[` + strings.Repeat(rpctest.TxBody(t, f.pending)+",", api.MaxBatchTxs) + rpctest.TxBody(t, f.pending) + `]}`, 413, api.CodeTooManyTxs},
		{"rate limited", rate, "GET", "/rpc/get_head", "", 429, api.CodeRateLimited},
		// 5xx
		{"panic", panics, "POST", "/rpc/send_tx", rpctest.TxBody(t, f.pending), 500, api.CodeInternal},
		{"mempool full", full, "POST", "/rpc/send_tx", rpctest.TxBody(t, f.pending), 503, api.CodeMempoolFull},
		{"stopped", down, "GET", "/health", "", 503, api.CodeUnhealthy},
		{"no index", noIndex, "GET", "/rpc/get_blocks?from=1", "", 503, api.CodeIndexUnavailable},
		{"no index receipt", noIndex, "GET", "/rpc/receipts/" + receipt, "", 503, api.CodeIndexUnavailable},
		{"index off", indexOff.srv, "GET", "/rpc/get_txs/" + alice.String(), "", 501, api.CodeIndexDisabled},
		{"timeout", slow, "POST", "/rpc/send_tx", rpctest.TxBody(t, f.pending), 504, api.CodeTimeout},
	}

	succeeded := map[*openapi3.Operation]bool{}
	statusSeen := map[string]bool{}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			route, op := checkContract(t, router, tc)
			if route == nil {
				return
			}
			statusSeen[fmt.Sprint(tc.status)] = true
			if tc.status == 200 {
				succeeded[op] = true
			}
		})
	}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			if !succeeded[op] {
				t.Errorf("%s %s: no success case validated", method, path)
			}
			for status := range op.Responses.Map() {
				if !statusSeen[status] {
					t.Errorf("%s %s documents %s, which no case produced", method, path, status)
				}
			}
		}
	}
}

// checkContract runs one case and validates it; it returns the route.
func checkContract(t *testing.T, router routers.Router, tc contractCase) (*routers.Route, *openapi3.Operation) {
	t.Helper()
	var body io.Reader
	if tc.body != "" {
		body = strings.NewReader(tc.body)
	}
	req, err := http.NewRequest(tc.method, tc.srv.URL+tc.path, body)
	if err != nil {
		t.Fatal(err)
	}
	if tc.body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := tc.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != tc.status {
		t.Fatalf("%s %s: %d %s, want %d", tc.method, tc.path, resp.StatusCode, raw, tc.status)
	}
	if tc.code != "" {
		var e struct{ Error api.Error }
		if err := json.Unmarshal(raw, &e); err != nil || e.Error.Code != tc.code {
			t.Fatalf("%s %s: body %s, want code %s", tc.method, tc.path, raw, tc.code)
		}
	}

	// The validator reads the request again: rebuild it with its body.
	vreq, _ := http.NewRequest(tc.method, tc.srv.URL+tc.path, bytes.NewReader([]byte(tc.body)))
	if tc.body != "" {
		vreq.Header.Set("Content-Type", "application/json")
	}
	route, params, err := router.FindRoute(vreq)
	if err != nil {
		t.Fatalf("%s %s: not in the contract: %v", tc.method, tc.path, err)
	}
	in := &openapi3filter.RequestValidationInput{Request: vreq, PathParams: params, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc}}
	if tc.status == 200 {
		if err := openapi3filter.ValidateRequest(context.Background(), in); err != nil {
			t.Errorf("%s %s: a request the server accepted breaks the contract: %v", tc.method, tc.path, err)
		}
	}
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: resp.StatusCode, Header: resp.Header,
		Options: &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true}}
	out.SetBodyBytes(raw)
	if err := openapi3filter.ValidateResponse(context.Background(), out); err != nil {
		t.Errorf("%s %s -> %d %.300s: response breaks the contract: %v", tc.method, tc.path, resp.StatusCode, raw, err)
	}
	return route, route.Operation
}
