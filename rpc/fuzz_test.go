package rpc

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// FuzzTxFromJSON: any JSON either fails with a *FieldError or yields a tx
// whose canonical JSON reads back to the same tx.
func FuzzTxFromJSON(f *testing.F) {
	fx := newFixture(f)
	f.Add([]byte(txBody(f, fx.committed)))
	f.Add([]byte(`{"chain_id":"c","type":"STAKE","sender":"0x` + strings.Repeat("00", 32) + `","nonce":1,"amount":"1","fee":"0","signature":"0x` + strings.Repeat("ff", 64) + `"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var j TxJSON
		if json.Unmarshal(data, &j) != nil {
			return
		}
		tx, err := TxFromJSON(j)
		if err != nil {
			var fe *FieldError
			if !errors.As(err, &fe) || fe.Field == "" {
				t.Fatalf("error %v is not a *FieldError", err)
			}
			return
		}
		again, err := TxFromJSON(TxToJSON(tx))
		if err != nil {
			t.Fatalf("canonical JSON of an accepted tx rejected: %v", err)
		}
		if again.Hash() != tx.Hash() {
			t.Fatalf("round trip changed the tx")
		}
	})
}

// FuzzSendTxBody: no body makes send_tx answer 5xx or panic; every error is
// the JSON envelope.
func FuzzSendTxBody(f *testing.F) {
	fx := newFixture(f)
	f.Add([]byte(txBody(f, fx.pending)))
	f.Add([]byte(`{"chain_id":`))
	f.Add([]byte(`{}`))
	f.Add([]byte(`null`))
	f.Add([]byte(txBody(f, fx.pending) + `{}`))
	h := NewServer(fx.b, DefaultConfig(), nil, nil).Handler()
	f.Fuzz(func(t *testing.T, body []byte) {
		req := httptest.NewRequest(http.MethodPost, "/rpc/send_tx", strings.NewReader(string(body)))
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("status %d for %q: %s", rec.Code, body, rec.Body)
		}
		if rec.Code == http.StatusOK {
			var r SendTxResponse
			if err := json.Unmarshal(rec.Body.Bytes(), &r); err != nil || r.TxHash.IsZero() {
				t.Fatalf("200 without a tx hash: %s", rec.Body)
			}
			return
		}
		var eb errorBody
		if err := json.Unmarshal(rec.Body.Bytes(), &eb); err != nil || eb.Error == nil || eb.Error.Code == "" {
			t.Fatalf("status %d without an error envelope: %s", rec.Code, rec.Body)
		}
	})
}

// FuzzDecodeResponse: the client never panics on what a server sends, and
// every non-2xx answer is an *APIError carrying the status.
func FuzzDecodeResponse(f *testing.F) {
	f.Add(200, []byte(`{"height":1,"hash":"0x`+strings.Repeat("00", 32)+`","time":1,"state_root":"0x`+strings.Repeat("00", 32)+`","tx_count":0}`))
	f.Add(404, []byte(`{"error":{"code":"not_found","message":"x"}}`))
	f.Add(502, []byte(`<html>`))
	f.Add(200, []byte(`{"height":-1}`))
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		var out HeadResponse
		err := decodeResponse(status, body, &out)
		if status < 200 || status > 299 {
			var ae *APIError
			if !errors.As(err, &ae) || ae.Status != status || ae.Code == "" {
				t.Fatalf("status %d: err = %v", status, err)
			}
			return
		}
		if err != nil && !errors.Is(err, ErrBadResponse) {
			t.Fatalf("2xx decode error %v is not ErrBadResponse", err)
		}
	})
}

// FuzzSendTxsBody: no body makes send_txs answer 5xx or panic; a 200 has
// exactly one result per tx of the body, each a hash or an error code, and
// every other answer is the JSON error envelope.
func FuzzSendTxsBody(f *testing.F) {
	fx := newFixture(f)
	tx := txBody(f, fx.pending)
	f.Add([]byte(`{"txs":[` + tx + `,` + txBody(f, fx.committed) + `]}`))
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
			var in SendTxsRequest
			if err := json.Unmarshal(body, &in); err != nil {
				t.Fatalf("200 for a body encoding/json rejects (%v): %q", err, body)
			}
			var out SendTxsResponse
			if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil || len(out.Results) != len(in.Txs) || len(in.Txs) == 0 {
				t.Fatalf("200 with %d results for %d txs (%v): %s", len(out.Results), len(in.Txs), err, rec.Body)
			}
			return
		}
		var eb errorBody
		if err := json.Unmarshal(rec.Body.Bytes(), &eb); err != nil || eb.Error == nil || eb.Error.Code == "" {
			t.Fatalf("status %d without an error envelope: %s", rec.Code, rec.Body)
		}
	})
}
