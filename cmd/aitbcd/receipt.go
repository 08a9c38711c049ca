package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"time"

	"aitbc/engine/types"
	"aitbc/rpc/api"
	"aitbc/rpc/client"
)

// runClaimReceipt is `aitbcd tx claim-receipt` (args after the subcommand
// name): it builds a RECEIPT_CLAIM for the miner's key, signs the
// coordinator's attestation with the coordinator's key file and the tx with
// the miner's, submits it and prints one JSON line.
func runClaimReceipt(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("tx claim-receipt", stderr)
	tf := addTxFlags(fs, "the miner's account key file (the tx sender, credited with the mint)")
	coordPath := fs.String("coordinator-key", "", "the coordinator's account key file (its public key must be in genesis params.coordinators)")
	jobS := fs.String("job-id", "", "job id: text, or 0x + hex for raw bytes (1..64 bytes)")
	unitsS := fs.String("units", "", "compute units performed (> 0)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *tf.key == "" || *coordPath == "" || *jobS == "" || *unitsS == "" {
		return usagef("--key, --coordinator-key, --job-id and --units are required")
	}
	jobID, err := api.ParseJobID(*jobS)
	if err != nil {
		return usagef("--job-id: %v", err)
	}
	units, err := types.ParseAmount(*unitsS)
	if err != nil || units == 0 {
		return usagef("--units %q: want a positive integer", *unitsS)
	}
	miner, err := loadAccountKey(*tf.key)
	if err != nil {
		return err
	}
	coord, err := loadAccountKey(*coordPath)
	if err != nil {
		return fmt.Errorf("--coordinator-key: %w", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), *tf.timeout)
	defer cancel()
	c, chainID, err := tf.connect(ctx)
	if err != nil {
		return err
	}

	tx := &types.Tx{ChainID: chainID, Type: types.TxReceiptClaim, Nonce: *tf.nonce}
	tx.Sign(miner) // fills Sender, so the miner's address is known
	from := tx.From()
	tx.Payload = types.NewReceiptClaim(chainID, jobID, units, from, coord).Encode()
	hash, err := signAndSend(ctx, c, tx, miner, *tf.fee)
	if err != nil {
		return err
	}
	out := claimOutput{
		TxHash:    hash.String(),
		ReceiptID: types.ReceiptID(chainID, jobID, from, units).String(),
		JobID:     types.HexBytes(jobID).String(),
		Miner:     from.String(),
		Units:     strconv.FormatUint(units, 10),
	}
	if *tf.wait {
		if out.Height, err = waitFinal(ctx, c, hash, *tf.timeout); err != nil {
			return err
		}
		out.Final = true
	}
	return json.NewEncoder(stdout).Encode(out)
}

// claimOutput is the JSON line claim-receipt prints; height and final only
// with --wait.
type claimOutput struct {
	TxHash    string `json:"tx_hash"`
	ReceiptID string `json:"receipt_id"`
	JobID     string `json:"job_id"` // 0x + hex of the job id bytes
	Miner     string `json:"miner"`
	Units     string `json:"units"`
	Height    uint64 `json:"height,omitempty"`
	Final     bool   `json:"final,omitempty"`
}

// waitFinal polls the node until tx hash is committed and returns its
// height; ctx carries the --timeout.
func waitFinal(ctx context.Context, c *client.Client, hash types.Hash, timeout time.Duration) (uint64, error) {
	h, err := c.WaitCommitted(ctx, hash, 100*time.Millisecond)
	if err != nil && ctx.Err() != nil {
		return 0, fmt.Errorf("tx %s not final after %v", hash, timeout)
	}
	return h, err
}
