package main

import (
	"context"
	"crypto/ed25519"
	"path/filepath"
	"testing"
	"time"

	"aitbc/engine/types"
	"aitbc/internal/wait"
	"aitbc/rpc/api"
	"aitbc/rpc/client"
)

// TestSendTxsNode: a batch through a running node's send_txs: the good
// txs are admitted and committed, a bad one gets send_tx's error for it,
// and one sender's consecutive nonces in one batch are admitted in order.
func TestSendTxsNode(t *testing.T) {
	home := initHome(t)
	node := startTestNode(t, home, nil, nil)
	faucet, err := loadAccountKey(filepath.Join(home, "account.key"))
	if err != nil {
		t.Fatal(err)
	}
	c := &client.Client{BaseURL: node.url}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, nonce, err := c.Account(ctx, types.AddressFromPubKey(faucet.Public().(ed25519.PublicKey)))
	if err != nil {
		t.Fatal(err)
	}
	bob := types.Address{0xb0, 0xb5}
	var txs []*types.Tx
	for i := range 3 {
		tx := &types.Tx{ChainID: node.cfg.ChainID, Type: types.TxTransfer, Nonce: nonce + 1 + uint64(i), Recipient: bob, Amount: 7}
		if tx.Fee, err = c.EstimateFee(ctx, tx); err != nil {
			t.Fatal(err)
		}
		tx.Sign(faucet)
		txs = append(txs, tx)
	}
	txs[2].Amount++ // the signature no longer covers it
	res, err := c.SendTxs(ctx, txs)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 2 {
		if res[i].Error != nil || res[i].Hash != txs[i].Hash() {
			t.Fatalf("result %d: %+v %v, want admitted as %s", i, res[i], res[i].Error, txs[i].Hash())
		}
	}
	if res[2].Error == nil || res[2].Error.Code != api.CodeBadSignature {
		t.Fatalf("result 2: %+v, want bad_signature", res[2])
	}
	wait.Until(t, "both good txs committed", 30*time.Second, func() bool {
		r, err := c.Tx(ctx, txs[1].Hash())
		return err == nil && r.Status == api.TxCommitted
	})
	if bal, _, err := c.Account(ctx, bob); err != nil || bal != 14 {
		t.Errorf("bob's balance %d, %v; want 14", bal, err)
	}
}
