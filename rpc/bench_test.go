package rpc

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"aitbc/engine/types"
)

func BenchmarkTxFromJSON(b *testing.B) {
	f := newFixture(b)
	j := TxToJSON(f.committed)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := TxFromJSON(j); err != nil {
			b.Fatal(err)
		}
	}
}

// acceptAll admits every tx without checks, so the benchmark measures the
// HTTP layer: routing, body decoding, TxFromJSON, the response.
type acceptAll struct{ *memBackend }

func (acceptAll) SubmitTx(_ context.Context, tx *types.Tx) (types.Hash, error) {
	return tx.Hash(), nil
}

func BenchmarkSendTxHandler(b *testing.B) {
	f := newFixture(b)
	h := NewServer(acceptAll{f.b}, DefaultConfig(), nil, nil).Handler()
	body, _ := json.Marshal(TxToJSON(f.pending))
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		req := httptest.NewRequest(http.MethodPost, "/rpc/send_tx", strings.NewReader(string(body)))
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
	}
}

func BenchmarkGetBlockHandler(b *testing.B) {
	f := newFixture(b)
	h := NewServer(f.b, DefaultConfig(), nil, nil).Handler()
	b.ReportAllocs()
	for b.Loop() {
		req := httptest.NewRequest(http.MethodGet, "/rpc/get_block/1", nil)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("status %d", rec.Code)
		}
	}
}
