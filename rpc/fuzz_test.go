package rpc

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"aitbc/rpc/api"
	"aitbc/rpc/internal/rpctest"
)

// FuzzSendTxBody: no body makes send_tx answer 5xx or panic; every error is
// the JSON envelope.
func FuzzSendTxBody(f *testing.F) {
	fx := newFixture(f)
	f.Add([]byte(rpctest.TxBody(f, fx.pending)))
	f.Add([]byte(`{"chain_id":`))
	f.Add([]byte(`{}`))
	f.Add([]byte(`null`))
	f.Add([]byte(rpctest.TxBody(f, fx.pending) + `{}`))
	h := NewServer(fx.b, DefaultConfig(), nil, nil).Handler()
	f.Fuzz(func(t *testing.T, body []byte) {
		req := httptest.NewRequest(http.MethodPost, "/rpc/send_tx", strings.NewReader(string(body)))
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("status %d for %q: %s", rec.Code, body, rec.Body)
		}
		if rec.Code == http.StatusOK {
			var r api.SendTxResponse
			if err := json.Unmarshal(rec.Body.Bytes(), &r); err != nil || r.TxHash.IsZero() {
				t.Fatalf("200 without a tx hash: %s", rec.Body)
			}
			return
		}
		var eb api.ErrorBody
		if err := json.Unmarshal(rec.Body.Bytes(), &eb); err != nil || eb.Error == nil || eb.Error.Code == "" {
			t.Fatalf("status %d without an error envelope: %s", rec.Code, rec.Body)
		}
	})
}

// FuzzSendTxsBody: no body makes send_txs answer 5xx or panic; a 200 has
// exactly one result per tx of the body, each a hash or an error code, and
// every other answer is the JSON error envelope.
func FuzzSendTxsBody(f *testing.F) {
	fx := newFixture(f)
	tx := rpctest.TxBody(f, fx.pending)
	f.Add([]byte(`{"txs":[` + tx + `,` + rpctest.TxBody(f, fx.committed) + `]}`))
	f.Add([]byte(`{"txs":[` + tx + `,{"nonce":"x"}]}`))
	f.Add([]byte(`{"txs":[]}`))
	f.Add([]byte(`{"txs":[{}],"txs":[]}`))
	f.Add([]byte(`{"txs":[` + tx + `]} x`))
	f.Add([]byte(`{"txs":null}`))
	h := NewServer(fx.b, DefaultConfig(), nil, nil).Handler()
	f.Fuzz(func(t *testing.T, body []byte) {
		req := httptest.NewRequest(http.MethodPost, "/rpc/send_txs", strings.NewReader(string(body)))
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("status %d for %q: %s", rec.Code, body, rec.Body)
		}
		if rec.Code == http.StatusOK {
			var in api.SendTxsRequest
			if err := json.Unmarshal(body, &in); err != nil {
				t.Fatalf("200 for a body encoding/json rejects (%v): %q", err, body)
			}
			var out api.SendTxsResponse
			if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil || len(out.Results) != len(in.Txs) || len(in.Txs) == 0 {
				t.Fatalf("200 with %d results for %d txs (%v): %s", len(out.Results), len(in.Txs), err, rec.Body)
			}
			return
		}
		var eb api.ErrorBody
		if err := json.Unmarshal(rec.Body.Bytes(), &eb); err != nil || eb.Error == nil || eb.Error.Code == "" {
			t.Fatalf("status %d without an error envelope: %s", rec.Code, rec.Body)
		}
	})
}
