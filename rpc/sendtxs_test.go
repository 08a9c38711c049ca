package rpc

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"aitbc/engine/mempool"
	"aitbc/engine/types"
	"aitbc/rpc/api"
	"aitbc/rpc/client"
	"aitbc/rpc/internal/rpctest"
)

// batchBody is the send_txs body of the given tx JSON objects.
func batchBody(txs ...string) string { return `{"txs":[` + strings.Join(txs, ",") + `]}` }

// TestSendTxsPerTxResults: a well-formed batch is 200 with one result per
// tx, each the code send_tx answers for that tx alone, and the backend is
// asked once for the whole batch.
func TestSendTxsPerTxResults(t *testing.T) {
	f := newFixture(t)
	good := rpctest.SignedTx(f.alice, f.bob, 7, 1)
	bodies := []string{
		rpctest.TxBody(t, good),
		withField(t, f.pending, "amount", `"301"`),     // bad signature
		withField(t, f.pending, "sender", `"0x12"`),    // bad field
		withField(t, f.pending, "chain_id", `"other"`), // invalid tx
		rpctest.TxBody(t, rpctest.SignedTx(f.alice, f.bob, 8, 2)),
	}
	srv := startServer(t, f.b, nil)
	r := call(t, srv, "POST", "/rpc/send_txs", batchBody(bodies...))
	if r.status != http.StatusOK {
		t.Fatalf("status %d %s", r.status, r.body)
	}
	var out api.SendTxsResponse
	if err := json.Unmarshal(r.body, &out); err != nil || len(out.Results) != len(bodies) {
		t.Fatalf("body %s: %v, want %d results", r.body, err, len(bodies))
	}
	if f.b.batches != 1 || len(f.b.submitted) != 2 {
		t.Fatalf("backend: %d batch calls, %d admitted; want 1 call, 2 admitted", f.b.batches, len(f.b.submitted))
	}
	if out.Results[0].Error != nil || out.Results[0].Hash != good.Hash() {
		t.Errorf("result 0: %+v, want hash %s", out.Results[0], good.Hash())
	}
	for i, body := range bodies {
		alone := call(t, startServer(t, newFixture(t).b, nil), "POST", "/rpc/send_tx", body)
		var single struct {
			TxHash types.Hash `json:"tx_hash"`
			Error  *api.Error `json:"error"`
		}
		if err := json.Unmarshal(alone.body, &single); err != nil {
			t.Fatal(err)
		}
		got := out.Results[i]
		switch {
		case single.Error == nil && (got.Error != nil || got.Hash != single.TxHash):
			t.Errorf("tx %d: batch %+v, alone admitted as %s", i, got, single.TxHash)
		case single.Error != nil && (got.Error == nil || got.Error.Code != single.Error.Code || got.Error.Message != single.Error.Message):
			t.Errorf("tx %d: batch %+v, alone %d %+v", i, got, alone.status, single.Error)
		}
	}
	if out.Results[1].Error == nil || out.Results[1].Error.Code != api.CodeBadSignature ||
		out.Results[2].Error == nil || out.Results[2].Error.Code != api.CodeBadField {
		t.Errorf("results %s: want bad_signature at 1 and bad_field at 2", r.body)
	}
}

// TestSendTxsBackendErrors: a backend error for a tx (busy, mempool full)
// is that tx's result with send_tx's code, not the batch's answer.
func TestSendTxsBackendErrors(t *testing.T) {
	f := newFixture(t)
	f.b.submitErr = mempool.ErrFull
	srv := startServer(t, f.b, nil)
	r := call(t, srv, "POST", "/rpc/send_txs", batchBody(rpctest.TxBody(t, f.pending)))
	var out api.SendTxsResponse
	if err := json.Unmarshal(r.body, &out); err != nil || r.status != 200 || out.Results[0].Error == nil || out.Results[0].Error.Code != api.CodeMempoolFull {
		t.Fatalf("%d %s: want 200 with mempool_full for the tx", r.status, r.body)
	}
}

// TestSendTxsBatchErrors: a malformed batch is one typed error and the
// backend sees none of its txs.
func TestSendTxsBatchErrors(t *testing.T) {
	f := newFixture(t)
	tx := rpctest.TxBody(t, f.pending)
	cfg := DefaultConfig()
	cfg.MaxBatchBodyBytes = 4 << 10
	cases := []struct {
		name, body string
		status     int
		code       string
	}{
		{"empty body", "", 400, api.CodeBadJSON},
		{"not an object", `[` + tx + `]`, 400, api.CodeBadJSON},
		{"no txs", `{}`, 400, api.CodeEmptyBatch},
		{"empty txs", `{"txs":[]}`, 400, api.CodeEmptyBatch},
		{"null txs", `{"txs":null}`, 400, api.CodeBadJSON},
		{"unknown key", `{"txs":[` + tx + `],"fee":1}`, 400, api.CodeBadField},
		{"txs twice", `{"txs":[` + tx + `],"txs":[` + tx + `]}`, 400, api.CodeBadField},
		{"unknown tx field", batchBody(withField(t, f.pending, "gas", "1")), 400, api.CodeBadField},
		{"wrong JSON type", batchBody(tx, withField(t, f.pending, "nonce", `"3"`)), 400, api.CodeBadField},
		{"truncated", `{"txs":[` + tx, 400, api.CodeBadJSON},
		{"trailing data", batchBody(tx) + `{}`, 400, api.CodeBadJSON},
		{"over the byte limit", batchBody(strings.Repeat(tx+",", 20) + tx), 413, api.CodeBodyTooLarge},
	}
	srv := httptest.NewServer(NewServer(f.b, cfg, nil, testLogger(t)).Handler())
	t.Cleanup(srv.Close)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := call(t, srv, "POST", "/rpc/send_txs", tc.body)
			var e api.ErrorBody
			if err := json.Unmarshal(r.body, &e); err != nil || r.status != tc.status || e.Error == nil || e.Error.Code != tc.code {
				t.Fatalf("%d %s, want %d %s", r.status, r.body, tc.status, tc.code)
			}
		})
	}
	// Without a Content-Length the limit cuts the body off while it is read.
	req, err := http.NewRequest("POST", srv.URL+"/rpc/send_txs", io.MultiReader(strings.NewReader(batchBody(strings.Repeat(tx+",", 20)+tx))))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if req.ContentLength != 0 || resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("chunked body over the limit (length %d): %d, want 413", req.ContentLength, resp.StatusCode)
	}
	if f.b.batches != 0 {
		t.Errorf("the backend was asked %d times for malformed batches", f.b.batches)
	}
}

// TestSendTxsCountLimit: MaxBatchTxs txs are answered, one more is 413
// too_many_txs, and the batch's own body limit (not send_tx's) applies.
func TestSendTxsCountLimit(t *testing.T) {
	f := newFixture(t)
	tx := rpctest.TxBody(t, f.pending)
	srv := startServer(t, f.b, nil)
	full := batchBody(strings.Repeat(tx+",", api.MaxBatchTxs-1) + tx)
	if int64(len(full)) <= DefaultConfig().MaxBodyBytes {
		t.Fatalf("a full batch of %d bytes does not test the separate body limit", len(full))
	}
	r := call(t, srv, "POST", "/rpc/send_txs", full)
	var out api.SendTxsResponse
	if err := json.Unmarshal(r.body, &out); err != nil || r.status != 200 || len(out.Results) != api.MaxBatchTxs {
		t.Fatalf("%d txs: %d, %d results, %v", api.MaxBatchTxs, r.status, len(out.Results), err)
	}
	r = call(t, srv, "POST", "/rpc/send_txs", batchBody(strings.Repeat(tx+",", api.MaxBatchTxs)+tx))
	var e api.ErrorBody
	if err := json.Unmarshal(r.body, &e); err != nil || r.status != 413 || e.Error.Code != api.CodeTooManyTxs {
		t.Fatalf("%d txs: %d %.200s, want 413 too_many_txs", api.MaxBatchTxs+1, r.status, r.body)
	}
	if f.b.batches != 1 {
		t.Errorf("backend batch calls %d, want 1 (the full batch only)", f.b.batches)
	}
}

// TestClientSendTxs: the client's batch round trip (its own bounds and a
// server answering the wrong number of results: rpc/client's
// TestClientSendTxsBounds).
func TestClientSendTxs(t *testing.T) {
	f := newFixture(t)
	srv := startServer(t, f.b, nil)
	c := &client.Client{BaseURL: srv.URL, HTTP: srv.Client()}
	good := rpctest.SignedTx(f.alice, f.bob, 9, 1)
	bad := rpctest.SignedTx(f.alice, f.bob, 10, 1)
	bad.Sig[3] ^= 1
	res, err := c.SendTxs(context.Background(), []*types.Tx{good, bad})
	if err != nil || len(res) != 2 {
		t.Fatalf("SendTxs: %v, %v", res, err)
	}
	if res[0].Error != nil || res[0].Hash != good.Hash() || res[1].Error == nil || res[1].Error.Code != api.CodeBadSignature {
		t.Errorf("results %+v %+v, want hash then bad_signature", res[0], res[1].Error)
	}
}
