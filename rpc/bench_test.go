package rpc

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"aitbc/engine/types"
	"aitbc/rpc/api"
	"aitbc/rpc/internal/rpctest"
)

// acceptAll admits every tx without checks, so the benchmark measures the
// HTTP layer: routing, body decoding, TxFromJSON, the response.
type acceptAll struct{ *memBackend }

func (acceptAll) SubmitTx(_ context.Context, tx *types.Tx) (types.Hash, error) {
	return tx.Hash(), nil
}

func BenchmarkSendTxHandler(b *testing.B) {
	f := newFixture(b)
	h := NewServer(acceptAll{f.b}, DefaultConfig(), nil, nil).Handler()
	body, _ := json.Marshal(api.TxToJSON(f.pending))
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

func (acceptAll) SubmitTxs(_ context.Context, txs []*types.Tx) ([]types.Hash, []error) {
	hashes := make([]types.Hash, len(txs))
	for i, tx := range txs {
		hashes[i] = tx.Hash()
	}
	return hashes, make([]error, len(txs))
}

// BenchmarkSendTxsHandler is BenchmarkSendTxHandler's work for a batch of
// n txs per request; ns/tx (op time / n) compares the two per tx.
func BenchmarkSendTxsHandler(b *testing.B) {
	f := newFixture(b)
	h := NewServer(acceptAll{f.b}, DefaultConfig(), nil, nil).Handler()
	for _, n := range []int{64, 1024, api.MaxBatchTxs} {
		b.Run(fmt.Sprintf("txs=%d", n), func(b *testing.B) {
			req := api.SendTxsRequest{Txs: make([]api.TxJSON, n)}
			for i := range req.Txs {
				req.Txs[i] = api.TxToJSON(rpctest.SignedTx(f.alice, f.bob, uint64(i+1), 1))
			}
			body, _ := json.Marshal(req)
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			for b.Loop() {
				req := httptest.NewRequest(http.MethodPost, "/rpc/send_txs", bytes.NewReader(body))
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				if rec.Code != http.StatusOK {
					b.Fatalf("status %d: %.200s", rec.Code, rec.Body)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/tx")
		})
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
