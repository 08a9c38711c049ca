package rpc

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"aitbc/engine"
	"aitbc/engine/types"
	"aitbc/rpc/api"
	"aitbc/rpc/internal/rpctest"
)

// blockingHead holds GET /rpc/get_head until release is closed.
type blockingHead struct {
	*memBackend
	entered chan struct{}
	release chan struct{}
}

func (b *blockingHead) Head() (engine.Head, error) {
	select {
	case b.entered <- struct{}{}:
	default:
	}
	<-b.release
	return b.memBackend.Head()
}

// TestMaxInFlight: past MaxInFlight a request is refused at once with 503
// busy, and served again once a slot frees.
func TestMaxInFlight(t *testing.T) {
	b := &blockingHead{memBackend: &memBackend{chainID: rpctest.ChainID}, entered: make(chan struct{}, 1), release: make(chan struct{})}
	cfg := DefaultConfig()
	cfg.MaxInFlight = 1
	srv := httptest.NewServer(NewServer(b, cfg, nil, testLogger(t)).Handler())
	defer srv.Close()
	var once sync.Once
	release := func() { once.Do(func() { close(b.release) }) }
	defer release() // before srv.Close, so a failed test does not hang there

	done := make(chan int, 1)
	go func() {
		resp, err := http.Get(srv.URL + "/rpc/get_head")
		if err != nil {
			done <- 0
			return
		}
		resp.Body.Close()
		done <- resp.StatusCode
	}()
	<-b.entered // the one slot is taken

	resp, err := http.Get(srv.URL + "/rpc/status")
	if err != nil {
		t.Fatal(err)
	}
	var body struct{ Error api.Error }
	json.NewDecoder(resp.Body).Decode(&body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable || body.Error.Code != api.CodeBusy || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("second request: %d %+v, want 503 busy with Retry-After", resp.StatusCode, body.Error)
	}
	release()
	if st := <-done; st != http.StatusOK {
		t.Fatalf("first request: %d", st)
	}
	resp, err = http.Get(srv.URL + "/rpc/get_head")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("after the slot freed: %d", resp.StatusCode)
	}
}

// blockingBatch holds send_txs in SubmitTxs until release is closed.
type blockingBatch struct {
	*memBackend
	entered chan struct{}
	release chan struct{}
}

func (b *blockingBatch) SubmitTxs(ctx context.Context, txs []*types.Tx) ([]types.Hash, []error) {
	select {
	case b.entered <- struct{}{}:
	default:
	}
	<-b.release
	return b.memBackend.SubmitTxs(ctx, txs)
}

// TestMaxBatchInFlight: past MaxBatchInFlight a batch is refused at once
// with 503 busy (its body unread) while single requests are still served.
func TestMaxBatchInFlight(t *testing.T) {
	f := newFixture(t)
	b := &blockingBatch{memBackend: f.b, entered: make(chan struct{}, 1), release: make(chan struct{})}
	cfg := DefaultConfig()
	cfg.MaxBatchInFlight = 1
	srv := httptest.NewServer(NewServer(b, cfg, nil, testLogger(t)).Handler())
	defer srv.Close()
	var once sync.Once
	release := func() { once.Do(func() { close(b.release) }) }
	defer release()

	body := batchBody(rpctest.TxBody(t, f.pending))
	done := make(chan int, 1)
	go func() {
		resp, err := http.Post(srv.URL+"/rpc/send_txs", "application/json", strings.NewReader(body))
		if err != nil {
			done <- 0
			return
		}
		resp.Body.Close()
		done <- resp.StatusCode
	}()
	<-b.entered // the one batch slot is taken

	r := call(t, srv, "POST", "/rpc/send_txs", body)
	if r.status != http.StatusServiceUnavailable || errorCode(t, r) != api.CodeBusy || r.header.Get("Retry-After") == "" {
		t.Fatalf("second batch: %d %s, want 503 busy with Retry-After", r.status, r.body)
	}
	if r := call(t, srv, "GET", "/rpc/get_head", ""); r.status != http.StatusOK {
		t.Fatalf("a single request while the batch slot is taken: %d", r.status)
	}
	release()
	if st := <-done; st != http.StatusOK {
		t.Fatalf("first batch: %d", st)
	}
}
