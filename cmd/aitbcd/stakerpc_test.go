package main

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"aitbc/internal/config"
	"aitbc/rpc/api"
	"aitbc/rpc/client"
)

// TestStakeRoutesOnHybridNode: a real node on a hybrid chain, without the
// SQL index, answers get_validators from its sets by epoch and get_stake
// from its stake records: the genesis authority at first, then a staker
// (whose validator never runs) once a STAKE is committed and the staker is
// elected.
func TestStakeRoutesOnHybridNode(t *testing.T) {
	home := initHome(t)
	genPath := filepath.Join(home, "genesis.json")
	g, err := loadGenesis(genPath)
	if err != nil {
		t.Fatal(err)
	}
	const epochLen = 4
	if err := setMode(g, "hybrid", epochLen, true); err != nil {
		t.Fatal(err)
	}
	if err := writeGenesis(genPath, g); err != nil {
		t.Fatal(err)
	}
	node := startTestNode(t, home, nil, func(cfg *config.Config) {
		cfg.BlockTime, cfg.DatabaseURL = 50*time.Millisecond, "" // no index: the routes need none
	})
	ctx := context.Background()
	c := &client.Client{BaseURL: node.url, HTTP: &http.Client{Timeout: 5 * time.Second}}
	auth := g.Authorities[0]

	vs, err := c.Validators(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	if vs.Epoch != 0 || vs.StartHeight != 1 || len(vs.Validators) != 1 || vs.TotalPower != authorityWeight {
		t.Fatalf("get_validators?height=1: %+v", vs)
	}
	if v := vs.Validators[0]; v.Address != auth.Address || v.Kind != "authority" || v.Status != api.StatusActive || v.Stake != 0 ||
		!bytes.Equal(v.BLSPubKey, auth.BLSPubKey) || v.Power != authorityWeight {
		t.Fatalf("genesis member %+v", v)
	}
	st, err := c.Stake(ctx, auth.Address)
	if err != nil {
		t.Fatal(err)
	}
	if st.Kind != "authority" || st.Status != api.StatusActive || st.Power != authorityWeight || st.Bonded != 0 || st.Tombstoned {
		t.Fatalf("authority's stake %+v", st)
	}

	// A staker: funded by the faucet, then a STAKE with its validator key.
	stakerKey, valKey := filepath.Join(home, "staker.key"), filepath.Join(home, "staker-validator.key")
	_, acct, err := newAccountKey()
	if err != nil {
		t.Fatal(err)
	}
	_, val, err := newValidatorKey()
	if err != nil {
		t.Fatal(err)
	}
	if err := writeKeyFile(stakerKey, acct); err != nil {
		t.Fatal(err)
	}
	if err := writeKeyFile(valKey, val); err != nil {
		t.Fatal(err)
	}
	var ae *api.Error
	if _, err := c.Stake(ctx, acct.Address); !errors.As(err, &ae) || ae.Status != 404 || ae.Code != api.CodeNoStake {
		t.Fatalf("get_stake before the STAKE: %v", err)
	}
	// Power 2 of 12 (stake_per_power is devnetStakeUnit/authorityWeight):
	// the chain keeps its quorum without the staker's votes.
	const bond = 2 * devnetStakeUnit / authorityWeight
	for _, args := range [][]string{
		{"tx", "send", "--rpc", node.url, "--key", filepath.Join(home, "account.key"), "--to", acct.Address.String(), "--amount", "1000000", "--wait"},
		{"tx", "stake", "--rpc", node.url, "--key", stakerKey, "--validator-key", valKey, "--amount", strconv.Itoa(bond), "--wait"},
	} {
		var out, errb bytes.Buffer
		if code := run(args, &out, &errb); code != 0 {
			t.Fatalf("%v: exit %d: %s", args[:2], code, errb.String())
		}
	}
	st, err = c.Stake(ctx, acct.Address)
	if err != nil {
		t.Fatal(err)
	}
	if st.Kind != "staker" || st.Bonded != bond || st.Power != 0 || !bytes.Equal(st.PubKey, acct.PublicKey) ||
		!bytes.Equal(st.BLSPubKey, val.PublicKey) || len(st.Unbonding) != 0 ||
		!slices.Contains([]string{api.StatusCandidate, api.StatusActive, api.StatusJailed}, st.Status) {
		t.Fatalf("staker's stake %+v", st)
	}

	// Elected within a couple of epochs; then get_validators lists it.
	deadline := time.Now().Add(30 * time.Second)
	for {
		vs, err := c.Validators(ctx, 0)
		if err != nil {
			t.Fatal(err)
		}
		if vs.StartHeight != vs.Epoch*epochLen+1 {
			t.Fatalf("epoch %d starts at %d", vs.Epoch, vs.StartHeight)
		}
		i := slices.IndexFunc(vs.Validators, func(v api.ValidatorJSON) bool { return v.Address == acct.Address })
		if i >= 0 {
			v := vs.Validators[i]
			if v.Kind != "staker" || v.Stake != bond || v.Weight == 0 || !bytes.Equal(v.BLSPubKey, val.PublicKey) ||
				!slices.Contains([]string{api.StatusActive, api.StatusJailed}, v.Status) || vs.Epoch < 2 {
				t.Fatalf("staker in epoch %d: %+v", vs.Epoch, v)
			}
			t.Logf("staker in the set of epoch %d: %+v", vs.Epoch, v)
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("staker not elected: %+v", vs)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
