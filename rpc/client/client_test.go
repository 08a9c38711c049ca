package client

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"aitbc/engine/types"
	"aitbc/rpc/api"
	"aitbc/rpc/internal/rpctest"
)

func TestClientNonJSONAnswers(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/rpc/get_head", func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "upstream exploded", http.StatusBadGateway)
	})
	mux.HandleFunc("/rpc/status", func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte("<html>not json</html>"))
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	c := &Client{BaseURL: srv.URL}
	_, err := c.Head(context.Background())
	var apiErr *api.Error
	if !errors.As(err, &apiErr) || apiErr.Status != 502 || apiErr.Code != "http_502" || apiErr.Message != "upstream exploded" {
		t.Fatalf("Head err = %#v", err)
	}
	if _, err := c.Status(context.Background()); !errors.Is(err, api.ErrBadResponse) {
		t.Fatalf("Status err = %v, want ErrBadResponse", err)
	}
}

func TestClientTransportError(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close() // nothing listens there now
	_, err := (&Client{BaseURL: url}).Head(context.Background())
	var apiErr *api.Error
	if err == nil || errors.As(err, &apiErr) {
		t.Fatalf("err = %v, want a transport error", err)
	}
}

// TestClientSendTxsBounds: the client's own bounds on a batch, and a
// server answering the wrong number of results.
func TestClientSendTxsBounds(t *testing.T) {
	f := rpctest.NewTxs()
	good := rpctest.SignedTx(f.Alice, f.Bob, 9, 1)
	bad := rpctest.SignedTx(f.Alice, f.Bob, 10, 1)
	bad.Sig[3] ^= 1
	c := &Client{}
	for _, n := range []int{0, api.MaxBatchTxs + 1} {
		if _, err := c.SendTxs(context.Background(), make([]*types.Tx, n)); !errors.Is(err, ErrBatchSize) {
			t.Errorf("%d txs: %v, want ErrBatchSize", n, err)
		}
	}
	short := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte(`{"results":[{"hash":"` + good.Hash().String() + `"}]}`))
	}))
	t.Cleanup(short.Close)
	c.BaseURL = short.URL
	if _, err := c.SendTxs(context.Background(), []*types.Tx{good, bad}); !errors.Is(err, api.ErrBadResponse) {
		t.Errorf("one result for two txs: %v, want ErrBadResponse", err)
	}
}

// WaitCommitted keeps polling through 404s and "pending", returns the
// height once committed, returns any other error at once, and stops with
// the context's cause.
func TestWaitCommitted(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch n := calls.Add(1); {
		case strings.Contains(r.URL.Path, "0x00"):
			http.Error(w, `{"error":{"code":"internal","message":"boom"}}`, http.StatusInternalServerError)
		case n <= 2:
			w.WriteHeader(http.StatusNotFound)
			_, _ = w.Write([]byte(`{"error":{"code":"not_found","message":"unknown tx"}}`))
		case n == 3:
			_, _ = w.Write([]byte(`{"status":"pending"}`))
		default:
			_, _ = w.Write([]byte(`{"status":"committed","height":7}`))
		}
	}))
	defer srv.Close()
	c := &Client{BaseURL: srv.URL}
	h, err := c.WaitCommitted(context.Background(), types.Hash{1}, time.Millisecond)
	if err != nil || h != 7 || calls.Load() != 4 {
		t.Fatalf("height %d, err %v after %d calls; want 7, nil, 4", h, err, calls.Load())
	}
	var ae *api.Error
	if _, err := c.WaitCommitted(context.Background(), types.Hash{}, time.Millisecond); !errors.As(err, &ae) || ae.Status != 500 {
		t.Fatalf("a 500 answer: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	calls.Store(-1000) // 404s from now on
	if _, err := c.WaitCommitted(ctx, types.Hash{2}, 5*time.Millisecond); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("past the deadline: %v", err)
	}
}
