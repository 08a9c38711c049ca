package rpc

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"aitbc/engine/types"
)

func TestClient(t *testing.T) {
	f := newFixture(t)
	srv := startServer(t, f.b, nil)
	c := &Client{BaseURL: srv.URL + "/", HTTP: srv.Client()}
	ctx := context.Background()

	h, err := c.Head(ctx)
	if err != nil || h.Height != 1 || h.Hash != f.block1.Hash() {
		t.Fatalf("Head = %+v, %v", h, err)
	}
	bal, nonce, err := c.Account(ctx, addrOf(f.alice))
	if err != nil || bal != 1_000_000 || nonce != 2 {
		t.Fatalf("Account = %d %d %v", bal, nonce, err)
	}
	st, err := c.Status(ctx)
	if err != nil || st.ChainID != testChainID || st.Head.Height != 1 {
		t.Fatalf("Status = %+v, %v", st, err)
	}
	blk, err := c.Block(ctx, 1)
	if err != nil || blk.Hash != f.block1.Hash() || len(blk.Txs) != 2 {
		t.Fatalf("Block = %+v, %v", blk, err)
	}

	tx := signedTx(f.alice, f.bob, 3, 42)
	fee, err := c.EstimateFee(ctx, tx)
	if err != nil || fee != uint64(10+tx.Size()) {
		t.Fatalf("EstimateFee = %d, %v", fee, err)
	}
	hash, err := c.SendTx(ctx, tx)
	if err != nil || hash != tx.Hash() {
		t.Fatalf("SendTx = %s, %v", hash, err)
	}
	r, err := c.Tx(ctx, hash)
	if err != nil || r.Status != TxPending || r.Hash != hash {
		t.Fatalf("Tx = %+v, %v", r, err)
	}
	r, err = c.Tx(ctx, f.committed.Hash())
	if err != nil || r.Status != TxCommitted || r.Height != 1 || r.Index != 1 {
		t.Fatalf("Tx(committed) = %+v, %v", r, err)
	}

	// API errors come back typed.
	_, err = c.Tx(ctx, types.Sum256([]byte("nope")))
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.Status != 404 || apiErr.Code != CodeNotFound {
		t.Fatalf("Tx(unknown) err = %v", err)
	}
	bad := signedTx(f.alice, f.bob, 3, 42)
	bad.Amount++ // breaks the signature
	if _, err := c.SendTx(ctx, bad); !errors.As(err, &apiErr) || apiErr.Status != 400 || apiErr.Code != CodeBadSignature {
		t.Fatalf("SendTx(bad sig) err = %v", err)
	}
}

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
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.Status != 502 || apiErr.Code != "http_502" || apiErr.Message != "upstream exploded" {
		t.Fatalf("Head err = %#v", err)
	}
	if _, err := c.Status(context.Background()); !errors.Is(err, ErrBadResponse) {
		t.Fatalf("Status err = %v, want ErrBadResponse", err)
	}
}

func TestClientTransportError(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close() // nothing listens there now
	_, err := (&Client{BaseURL: url}).Head(context.Background())
	var apiErr *APIError
	if err == nil || errors.As(err, &apiErr) {
		t.Fatalf("err = %v, want a transport error", err)
	}
}
