package main

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"time"

	"aitbc/engine/types"
	"aitbc/rpc/client"
)

func runTx(args []string, stdout, stderr io.Writer) error {
	sub := ""
	if len(args) > 0 {
		sub = args[0]
	}
	switch sub {
	case "send":
	case "claim-receipt":
		return runClaimReceipt(args[1:], stdout, stderr)
	case "stake":
		return runStake(args[1:], stdout, stderr)
	case "unstake":
		return runUnstake(args[1:], stdout, stderr)
	case "unjail":
		return runUnjail(args[1:], stdout, stderr)
	default:
		return usagef("want 'tx send', 'tx claim-receipt', 'tx stake', 'tx unstake' or 'tx unjail'")
	}
	fs := newFlags("tx send", stderr)
	tf := addTxFlags(fs, "the sender's account key file")
	to := fs.String("to", "", "recipient address (ait1… or 0x…)")
	amountS := fs.String("amount", "", "amount in base units")
	if err := parse(fs, args[1:]); err != nil {
		return err
	}
	if *tf.key == "" || *to == "" || *amountS == "" {
		return usagef("--key, --to and --amount are required")
	}
	recipient, err := types.ParseAddress(*to)
	if err != nil {
		return usagef("--to: %v", err)
	}
	amount, err := types.ParseAmount(*amountS)
	if err != nil || amount == 0 {
		return usagef("--amount %q: want a positive integer", *amountS)
	}
	priv, err := loadAccountKey(*tf.key)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), *tf.timeout)
	defer cancel()
	c, chainID, err := tf.connect(ctx)
	if err != nil {
		return err
	}
	tx := &types.Tx{ChainID: chainID, Type: types.TxTransfer, Nonce: *tf.nonce, Recipient: recipient, Amount: amount}
	hash, err := signAndSend(ctx, c, tx, priv, *tf.fee)
	if err != nil {
		return err
	}
	return tf.report(ctx, c, hash, stdout)
}

// report prints the JSON line of a submitted tx: its hash, and with --wait
// the height it became final at.
func (tf txFlags) report(ctx context.Context, c *client.Client, hash types.Hash, stdout io.Writer) error {
	out := json.NewEncoder(stdout)
	if !*tf.wait {
		return out.Encode(map[string]string{"tx_hash": hash.String()})
	}
	height, err := waitFinal(ctx, c, hash, *tf.timeout)
	if err != nil {
		return err
	}
	return out.Encode(struct {
		TxHash string `json:"tx_hash"`
		Height uint64 `json:"height"`
		Final  bool   `json:"final"`
	}{hash.String(), height, true})
}

// txFlags are the flags every tx subcommand shares.
type txFlags struct {
	rpc, key, fee *string
	nonce         *uint64
	wait          *bool
	timeout       *time.Duration
}

func addTxFlags(fs *flag.FlagSet, keyHelp string) txFlags {
	return txFlags{
		rpc:     fs.String("rpc", "http://127.0.0.1:9080", "RPC base URL of a node"),
		key:     fs.String("key", "", keyHelp),
		fee:     fs.String("fee", "", "fee in base units (default: the node's minimum)"),
		nonce:   fs.Uint64("nonce", 0, "nonce (default: the sender's next)"),
		wait:    fs.Bool("wait", false, "wait until the tx is final and print its height"),
		timeout: fs.Duration("timeout", 30*time.Second, "how long to wait in total"),
	}
}

// connect returns a client for --rpc and the node's chain id.
func (tf txFlags) connect(ctx context.Context) (*client.Client, string, error) {
	c := &client.Client{BaseURL: *tf.rpc, HTTP: &http.Client{Timeout: 10 * time.Second}}
	st, err := c.Status(ctx)
	if err != nil {
		return nil, "", fmt.Errorf("status: %w", err)
	}
	return c, st.ChainID, nil
}

// signAndSend fills in what the node knows (the sender's next nonce unless
// tx.Nonce is set, the minimum fee unless feeText is given), signs and submits.
func signAndSend(ctx context.Context, c *client.Client, tx *types.Tx, priv ed25519.PrivateKey, feeText string) (types.Hash, error) {
	tx.Sign(priv) // fills Sender, so the account can be looked up
	if tx.Nonce == 0 {
		_, n, err := c.Account(ctx, tx.From())
		if err != nil {
			return types.Hash{}, fmt.Errorf("account: %w", err)
		}
		tx.Nonce = n + 1
	}
	var err error
	if feeText != "" {
		if tx.Fee, err = types.ParseAmount(feeText); err != nil {
			return types.Hash{}, usagef("--fee %q: %v", feeText, err)
		}
	} else if tx.Fee, err = c.EstimateFee(ctx, tx); err != nil {
		return types.Hash{}, fmt.Errorf("estimate fee: %w", err)
	}
	tx.Sign(priv)
	return c.SendTx(ctx, tx)
}
