package rpc

import (
	"context"
	"errors"
	"testing"

	"aitbc/engine/types"
	"aitbc/rpc/api"
	"aitbc/rpc/client"
	"aitbc/rpc/internal/rpctest"
)

// TestClient runs the client against this server over the in-memory
// backend.
func TestClient(t *testing.T) {
	f := newFixture(t)
	srv := startServer(t, f.b, nil)
	c := &client.Client{BaseURL: srv.URL + "/", HTTP: srv.Client()}
	ctx := context.Background()

	h, err := c.Head(ctx)
	if err != nil || h.Height != 1 || h.Hash != f.block1.Hash() {
		t.Fatalf("Head = %+v, %v", h, err)
	}
	bal, nonce, err := c.Account(ctx, rpctest.Addr(f.alice))
	if err != nil || bal != 1_000_000 || nonce != 2 {
		t.Fatalf("Account = %d %d %v", bal, nonce, err)
	}
	st, err := c.Status(ctx)
	if err != nil || st.ChainID != rpctest.ChainID || st.Head.Height != 1 {
		t.Fatalf("Status = %+v, %v", st, err)
	}
	blk, err := c.Block(ctx, 1)
	if err != nil || blk.Hash != f.block1.Hash() || len(blk.Txs) != 2 {
		t.Fatalf("Block = %+v, %v", blk, err)
	}

	tx := rpctest.SignedTx(f.alice, f.bob, 3, 42)
	fee, err := c.EstimateFee(ctx, tx)
	if err != nil || fee != uint64(10+tx.Size()) {
		t.Fatalf("EstimateFee = %d, %v", fee, err)
	}
	hash, err := c.SendTx(ctx, tx)
	if err != nil || hash != tx.Hash() {
		t.Fatalf("SendTx = %s, %v", hash, err)
	}
	r, err := c.Tx(ctx, hash)
	if err != nil || r.Status != api.TxPending || r.Hash != hash {
		t.Fatalf("Tx = %+v, %v", r, err)
	}
	r, err = c.Tx(ctx, f.committed.Hash())
	if err != nil || r.Status != api.TxCommitted || r.Height != 1 || r.Index != 1 {
		t.Fatalf("Tx(committed) = %+v, %v", r, err)
	}

	// API errors come back typed.
	_, err = c.Tx(ctx, types.Sum256([]byte("nope")))
	var apiErr *api.Error
	if !errors.As(err, &apiErr) || apiErr.Status != 404 || apiErr.Code != api.CodeNotFound {
		t.Fatalf("Tx(unknown) err = %v", err)
	}
	bad := rpctest.SignedTx(f.alice, f.bob, 3, 42)
	bad.Amount++ // breaks the signature
	if _, err := c.SendTx(ctx, bad); !errors.As(err, &apiErr) || apiErr.Status != 400 || apiErr.Code != api.CodeBadSignature {
		t.Fatalf("SendTx(bad sig) err = %v", err)
	}
}
