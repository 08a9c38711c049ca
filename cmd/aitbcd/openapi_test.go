package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"aitbc/engine/types"
	"aitbc/rpc"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers/legacy"
)

// TestRunningNodeMeetsOpenAPI: the answers of a real node (engine, block
// store, SQL index) to every read route, after a transfer, and to a few
// bad requests validate against rpc/openapi.yaml. rpc's own contract test
// covers every route and error class over an in-memory backend; this one
// catches what only the real backend produces.
func TestRunningNodeMeetsOpenAPI(t *testing.T) {
	doc, err := openapi3.NewLoader().LoadFromData(rpc.OpenAPIYAML())
	if err != nil {
		t.Fatal(err)
	}
	doc.Servers = nil
	router, err := legacy.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	home := initHome(t)
	node := startTestNode(t, home, nil, nil)
	bob := types.Address{0xb0, 0xb}
	var out, errb bytes.Buffer
	if code := run([]string{"tx", "send", "--rpc", node.url, "--key", filepath.Join(home, "account.key"), "--to", bob.String(), "--amount", "5", "--wait"}, &out, &errb); code != 0 {
		t.Fatalf("tx send: exit %d: %s", code, errb.String())
	}
	var sent struct {
		TxHash string `json:"tx_hash"`
		Height uint64 `json:"height"`
	}
	if err := json.Unmarshal(out.Bytes(), &sent); err != nil {
		t.Fatal(err)
	}
	var st struct{ Validator string }
	getJSON(t, node.url+"/rpc/status", &st)

	cases := []struct {
		method, path, body string
		status             int
	}{
		{"GET", "/openapi.json", "", 200},
		{"GET", "/health", "", 200},
		{"GET", "/rpc/status", "", 200},
		{"GET", "/rpc/get_head", "", 200},
		{"GET", "/rpc/head", "", 200},
		{"GET", "/rpc/get_block/1", "", 200},
		{"GET", fmt.Sprintf("/rpc/get_block/%d", sent.Height), "", 200},
		{"GET", fmt.Sprintf("/rpc/blocks/%d", sent.Height), "", 200},
		{"GET", fmt.Sprintf("/rpc/get_commit/%d", sent.Height), "", 200},
		{"GET", "/rpc/get_tx/" + sent.TxHash, "", 200},
		{"GET", "/rpc/tx/" + sent.TxHash, "", 200},
		{"GET", "/rpc/get_balance/" + bob.String(), "", 200},
		{"GET", "/rpc/getBalance/" + bob.String(), "", 200},
		{"GET", "/rpc/get_account/" + st.Validator, "", 200},
		{"GET", "/rpc/mempool", "", 200},
		{"GET", "/rpc/get_evidence", "", 200},
		{"GET", "/rpc/get_txs/" + bob.String(), "", 200},
		{"GET", "/rpc/get_blocks?from=1&to=3", "", 200},
		{"GET", "/rpc/get_receipts?job_id=none", "", 200},
		{"GET", "/rpc/get_validators", "", 200},
		{"GET", "/rpc/get_validators?height=1", "", 200},
		{"GET", "/rpc/get_stake/" + st.Validator, "", 404}, // poa: no stake records
		{"GET", "/rpc/get_block/999999", "", 404},
		{"GET", "/rpc/get_receipt/0x" + strings.Repeat("00", 32), "", 404},
		{"GET", "/rpc/get_balance/nope", "", 400},
		{"POST", "/rpc/send_tx", `{"chain_id":1}`, 400},
		{"POST", "/rpc/estimate_fee", "{", 400},
	}
	for _, tc := range cases {
		req, _ := http.NewRequest(tc.method, node.url+tc.path, strings.NewReader(tc.body))
		if tc.body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tc.status {
			t.Errorf("%s %s: %d %s, want %d", tc.method, tc.path, resp.StatusCode, raw, tc.status)
			continue
		}
		vreq, _ := http.NewRequest(tc.method, node.url+tc.path, strings.NewReader(tc.body))
		route, params, err := router.FindRoute(vreq)
		if err != nil {
			t.Errorf("%s %s: %v", tc.method, tc.path, err)
			continue
		}
		in := &openapi3filter.RequestValidationInput{Request: vreq, PathParams: params, Route: route}
		check := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: resp.StatusCode, Header: resp.Header,
			Options: &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true}}
		check.SetBodyBytes(raw)
		if err := openapi3filter.ValidateResponse(context.Background(), check); err != nil {
			t.Errorf("%s %s -> %d %.300s: breaks rpc/openapi.yaml: %v", tc.method, tc.path, resp.StatusCode, raw, err)
		}
	}
}
