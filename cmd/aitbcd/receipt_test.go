package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"aitbc/engine/types"
	"aitbc/internal/config"
	"aitbc/rpc/client"
)

// TestClaimReceiptCommand: a miner with no balance claims a job through
// `tx claim-receipt --wait` against a node whose genesis lists the
// coordinator; the mint minus the fee lands on its account, and a second
// claim of the job is refused.
func TestClaimReceiptCommand(t *testing.T) {
	home := initHome(t)
	coordPath, minerPath := filepath.Join(home, "coordinator.key"), filepath.Join(home, "miner.key")
	var coord, miner accountKeyFile
	for path, f := range map[string]*accountKeyFile{coordPath: &coord, minerPath: &miner} {
		_, kf, err := newAccountKey()
		if err != nil {
			t.Fatal(err)
		}
		if err := writeKeyFile(path, kf); err != nil {
			t.Fatal(err)
		}
		*f = kf
	}
	genPath := filepath.Join(home, "genesis.json")
	g, err := loadGenesis(genPath)
	if err != nil {
		t.Fatal(err)
	}
	g.Params.Coordinators = []types.HexBytes{coord.PublicKey}
	g.Params.MintPerUnit = 2
	if err := writeGenesis(genPath, g); err != nil {
		t.Fatal(err)
	}
	node := startTestNode(t, home, nil, func(cfg *config.Config) {
		cfg.BlockTime, cfg.LogFormat, cfg.DatabaseURL = 50*time.Millisecond, "text", ""
	})
	url := node.url

	claim := func(extra ...string) (claimOutput, error) {
		var out, errb bytes.Buffer
		args := append([]string{"--rpc", url, "--key", minerPath, "--coordinator-key", coordPath}, extra...)
		err := runClaimReceipt(args, &out, &errb)
		var res claimOutput
		if err == nil {
			if jerr := json.Unmarshal(out.Bytes(), &res); jerr != nil || strings.Count(out.String(), "\n") != 1 {
				t.Fatalf("output %q: %v", out.String(), jerr)
			}
		}
		return res, err
	}
	res, err := claim("--job-id", "inference-7", "--units", "1000", "--wait")
	if err != nil {
		t.Fatal(err)
	}
	if !res.Final || res.Height == 0 || res.Miner != miner.Address.String() || res.Units != "1000" ||
		res.JobID != types.HexBytes("inference-7").String() ||
		res.ReceiptID != types.ReceiptID(g.ChainID, []byte("inference-7"), miner.Address, 1000).String() {
		t.Fatalf("claim-receipt printed %+v", res)
	}
	c := &client.Client{BaseURL: url, HTTP: &http.Client{Timeout: 5 * time.Second}}
	bal, nonce, err := c.Account(context.Background(), miner.Address)
	if err != nil {
		t.Fatal(err)
	}
	tx, err := c.Tx(context.Background(), mustHash(t, res.TxHash))
	if err != nil || tx.Status != "committed" {
		t.Fatalf("get_tx: %+v, %v", tx, err)
	}
	if fee, err := types.ParseAmount(tx.Fee); err != nil || bal != 2000-fee || nonce != 1 {
		t.Fatalf("miner balance %d nonce %d; want mint 2000 - fee %d, nonce 1", bal, nonce, fee)
	}

	// The same job again, even for other units: refused with a clear error.
	if _, err := claim("--job-id", "inference-7", "--units", "5"); err == nil || !strings.Contains(err.Error(), "already claimed") {
		t.Fatalf("second claim: %v", err)
	}
	// Hex job ids are raw bytes; without --wait only the hashes are printed.
	res, err = claim("--job-id", "0x00ff", "--units", "1000")
	if err != nil || res.JobID != "0x00ff" || res.Final || res.Height != 0 {
		t.Fatalf("hex job id: %+v, %v", res, err)
	}
	for _, bad := range [][]string{
		{"--units", "5"},
		{"--job-id", "j", "--units", "0"},
		{"--job-id", "0xzz", "--units", "1"},
		{"--job-id", strings.Repeat("j", types.MaxJobIDLen+1), "--units", "1"},
	} {
		var ue usageError
		if _, err := claim(bad...); !errors.As(err, &ue) {
			t.Errorf("claim %v: %v, want a usage error", bad, err)
		}
	}
}

func mustHash(t *testing.T, s string) types.Hash {
	t.Helper()
	h, err := types.ParseHash(s)
	if err != nil {
		t.Fatal(err)
	}
	return h
}
