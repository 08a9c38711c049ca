package main

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"aitbc/engine/bls"
	"aitbc/engine/types"
)

// TestStakeTxRegisters: with a validator key, the STAKE carries that key
// and a proof of possession that verifies for it, and passes the stateless
// checks once signed.
func TestStakeTxRegisters(t *testing.T) {
	sk, _, err := newValidatorKey()
	if err != nil {
		t.Fatal(err)
	}
	tx := stakeTx("c", 7, 1000, sk)
	if tx.Type != types.TxStake || tx.Amount != 1000 || tx.Nonce != 7 || tx.ChainID != "c" || !tx.Recipient.IsZero() {
		t.Fatalf("stake tx %+v", tx)
	}
	p, err := types.DecodeStakePayload(tx.Payload)
	if err != nil {
		t.Fatal(err)
	}
	if p.BLSPubKey != sk.PublicKey() {
		t.Fatalf("payload key %x, want %x", p.BLSPubKey, sk.PublicKey())
	}
	if !bls.VerifyPossession(bls.PublicKey(p.BLSPubKey), bls.Signature(p.PoP)) {
		t.Fatal("proof of possession does not verify")
	}
	signAndCheck(t, tx)
}

// TestStakeTxWithoutKey: a later STAKE carries no payload.
func TestStakeTxWithoutKey(t *testing.T) {
	tx := stakeTx("c", 0, 5, nil)
	if tx.Type != types.TxStake || tx.Amount != 5 || tx.Payload != nil {
		t.Fatalf("stake tx %+v", tx)
	}
	tx.Nonce = 1
	signAndCheck(t, tx)
}

func TestUnstakeUnjailTx(t *testing.T) {
	un := unstakeTx("c", 3, 40)
	if un.Type != types.TxUnstake || un.Amount != 40 || un.Nonce != 3 || un.Payload != nil {
		t.Fatalf("unstake tx %+v", un)
	}
	signAndCheck(t, un)
	uj := unjailTx("c", 4)
	if uj.Type != types.TxUnjail || uj.Amount != 0 || uj.Nonce != 4 || uj.Payload != nil {
		t.Fatalf("unjail tx %+v", uj)
	}
	signAndCheck(t, uj)
}

// signAndCheck signs tx with a fresh account key and runs the stateless
// checks the node runs at admission.
func signAndCheck(t *testing.T, tx *types.Tx) {
	t.Helper()
	priv, _, err := newAccountKey()
	if err != nil {
		t.Fatal(err)
	}
	tx.Fee = 1
	tx.Sign(priv)
	if err := tx.ValidateBasic(tx.ChainID); err != nil {
		t.Fatalf("%s: %v", tx.Type, err)
	}
}

// TestStakeCommandUsage: bad invocations of the three commands are usage
// errors (exit status 2) that name the offending flag, found before any
// RPC is attempted.
func TestStakeCommandUsage(t *testing.T) {
	acct := writeTestAccountKey(t)
	rpcFlag := []string{"--rpc", "http://127.0.0.1:1"}
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"stake", "--key", acct}, "--amount"},
		{[]string{"stake", "--amount", "5"}, "--key"},
		{[]string{"stake", "--key", acct, "--amount", "0"}, `--amount "0"`},
		{[]string{"stake", "--key", acct, "--amount", "ten"}, `--amount "ten"`},
		{[]string{"stake", "--key", acct, "--amount", "-3"}, `--amount "-3"`},
		{[]string{"stake", "--key", acct, "--amount", "5", "--nonce", "x"}, "-nonce"},
		{[]string{"unstake", "--key", acct}, "--amount"},
		{[]string{"unstake", "--key", acct, "--amount", "0"}, `--amount "0"`},
		{[]string{"unstake", "--key", acct, "--amount", "1", "--validator-key", "v"}, "-validator-key"},
		{[]string{"unjail"}, "--key"},
		{[]string{"unjail", "--key", acct, "--amount", "1"}, "-amount"},
		{[]string{"stake", "--key", acct, "--amount", "5", "extra"}, `"extra"`},
		{[]string{"restake"}, "tx stake"},
	}
	for _, c := range cases {
		args := append([]string{"tx"}, c.args...)
		if len(c.args) > 1 {
			args = append(append([]string{"tx", c.args[0]}, rpcFlag...), c.args[1:]...)
		}
		var out, errb bytes.Buffer
		code := run(args, &out, &errb)
		if code != 2 || !strings.Contains(errb.String(), c.want) {
			t.Errorf("%q: exit %d, stderr %q; want exit 2 naming %s", args, code, errb.String(), c.want)
		}
		if out.Len() != 0 {
			t.Errorf("%q: printed %q", args, out.String())
		}
	}
}

// TestStakeValidatorKeyErrors: a missing or garbage --validator-key file
// is an error naming the file, before any RPC is attempted.
func TestStakeValidatorKeyErrors(t *testing.T) {
	dir := t.TempDir()
	acct := writeTestAccountKey(t)
	garbage := filepath.Join(dir, "garbage.key")
	if err := os.WriteFile(garbage, []byte("not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{filepath.Join(dir, "missing.key"), garbage, acct} {
		var out, errb bytes.Buffer
		err := runStake([]string{"--rpc", "http://127.0.0.1:1", "--key", acct, "--validator-key", path, "--amount", "5"}, &out, &errb)
		if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "--validator-key") {
			t.Errorf("validator key %s: err %v, want one naming the flag and the file", path, err)
		}
		var ue usageError
		if errors.As(err, &ue) {
			t.Errorf("validator key %s: %v is a usage error, want a failure", path, err)
		}
	}
}

func writeTestAccountKey(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "account.key")
	_, f, err := newAccountKey()
	if err != nil {
		t.Fatal(err)
	}
	if err := writeKeyFile(path, f); err != nil {
		t.Fatal(err)
	}
	return path
}
