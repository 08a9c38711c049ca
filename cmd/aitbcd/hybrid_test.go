package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"aitbc/internal/config"
	"aitbc/internal/wait"
)

// TestHybridDevnetFifthNodeJoins is the README's walkthrough on a hybrid
// devnet of four in-process validators (epochs of 10 blocks of 200 ms): a
// fifth node made by `aitbcd init` with the devnet's genesis syncs as a
// full node, is funded, stakes with `aitbcd tx stake`, and is elected: it
// is active in get_validators and its bit is in the commit certificates.
// Stopped, it is jailed for downtime and leaves the set at a later
// election while the chain keeps committing.
func TestHybridDevnetFifthNodeJoins(t *testing.T) {
	if testing.Short() {
		t.Skip("five nodes")
	}
	dir := t.TempDir()
	if _, err := ensureDevnet(dir, 4, "hybrid", 10); err != nil {
		t.Fatal(err)
	}
	home5 := filepath.Join(dir, "node4")
	var out, errb bytes.Buffer
	if code := run([]string{"init", "--home", home5, "--chain-id", devnetChainID}, &out, &errb); code != 0 {
		t.Fatalf("init: exit %d: %s", code, errb.String())
	}
	gen, err := os.ReadFile(filepath.Join(dir, "genesis.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(home5, "genesis.json"), gen, 0o644); err != nil {
		t.Fatal(err)
	}
	var auth struct {
		Address string `json:"address"`
	}
	raw, err := os.ReadFile(filepath.Join(home5, authorityFile))
	if err != nil || json.Unmarshal(raw, &auth) != nil {
		t.Fatalf("authority.json: %v", err)
	}

	p2p := make([]int, 5)
	for i := range p2p {
		p2p[i] = freePort(t)
	}
	start := func(i int, home string) *testNode {
		return startTestNode(t, home, nil, func(c *config.Config) {
			c.P2PPort, c.Peers = p2p[i], nil
			for j := range p2p {
				if j != i {
					c.Peers = append(c.Peers, fmt.Sprintf("127.0.0.1:%d", p2p[j]))
				}
			}
			c.BlockTime, c.LogLevel = 200*time.Millisecond, "warn"
		})
	}
	var nodes []*testNode
	for i := range 4 {
		nodes = append(nodes, start(i, filepath.Join(dir, fmt.Sprintf("node%d", i))))
	}
	n5 := start(4, home5)
	defer n5.stop()
	height := func(n *testNode) uint64 { h, _ := headOf(t, n.url); return h }
	wait.Until(t, "the fifth node syncs", 60*time.Second, func() bool { return height(n5) >= 3 })

	cli := func(args ...string) {
		t.Helper()
		var out, errb bytes.Buffer
		if code := run(args, &out, &errb); code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, errb.String())
		}
	}
	cli("tx", "send", "--rpc", nodes[0].url, "--key", filepath.Join(dir, "faucet.key"), "--to", auth.Address, "--amount", "500000", "--wait")
	wait.Until(t, "the funds on the fifth node", 30*time.Second, func() bool {
		var b struct {
			Balance string `json:"balance"`
		}
		getJSON(t, n5.url+"/rpc/get_balance/"+auth.Address, &b)
		return b.Balance == "500000"
	})
	refused := func(want string, args ...string) {
		t.Helper()
		var out, errb bytes.Buffer
		if code := run(args, &out, &errb); code != 2 || !strings.Contains(errb.String(), want) {
			t.Fatalf("%v: exit %d, %q; want exit 2 with %q", args, code, errb.String(), want)
		}
	}
	stakeArgs := []string{"tx", "stake", "--rpc", n5.url, "--key", filepath.Join(home5, "account.key"), "--amount", fmt.Sprint(devnetStakeUnit), "--wait"}
	withKey := append(slices.Clone(stakeArgs), "--validator-key", filepath.Join(home5, "validator.key"))
	refused("its first STAKE needs --validator-key", stakeArgs...)
	// Staking rules are typed errors at admission (400 invalid_stake).
	rejected := func(want string, args ...string) {
		t.Helper()
		var out, errb bytes.Buffer
		if code := run(args, &out, &errb); code != 1 || !strings.Contains(errb.String(), "invalid_stake") || !strings.Contains(errb.String(), want) {
			t.Fatalf("%v: exit %d, %q; want exit 1 with invalid_stake and %q", args, code, errb.String(), want)
		}
	}
	acct := filepath.Join(home5, "account.key")
	rejected("never staked", "tx", "unstake", "--rpc", n5.url, "--key", acct, "--amount", "5")
	rejected("below min_self_stake", "tx", "stake", "--rpc", n5.url, "--key", acct, "--validator-key", filepath.Join(home5, "validator.key"), "--amount", "5")
	cli(withKey...)
	refused("later STAKEs must omit --validator-key", withKey...)
	rejected("above the bonded stake", "tx", "unstake", "--rpc", n5.url, "--key", acct, "--amount", fmt.Sprint(10*devnetStakeUnit))
	rejected("not jailed", "tx", "unjail", "--rpc", n5.url, "--key", acct)
	stakedAt := height(nodes[0])

	type member struct {
		Index   int    `json:"index"`
		Address string `json:"address"`
		Kind    string `json:"kind"`
		Status  string `json:"status"`
		Power   string `json:"power"`
	}
	validators := func(url string) (epoch uint64, ms []member) {
		var v struct {
			Epoch      uint64   `json:"epoch"`
			Validators []member `json:"validators"`
		}
		getJSON(t, url+"/rpc/get_validators", &v)
		return v.Epoch, v.Validators
	}
	indexOf := func(ms []member) int {
		for _, m := range ms {
			if m.Address == auth.Address {
				return m.Index
			}
		}
		return -1
	}
	var joined uint64
	wait.Until(t, "the staker in the set", 60*time.Second, func() bool {
		_, ms := validators(nodes[0].url)
		if indexOf(ms) < 0 {
			return false
		}
		joined = height(nodes[0])
		return true
	})
	_, ms := validators(nodes[0].url)
	if len(ms) != 5 {
		t.Fatalf("%d validators after the join: %+v", len(ms), ms)
	}
	for _, m := range ms {
		if m.Address == auth.Address && (m.Kind != "staker" || m.Status != "active" || m.Power != "10") {
			t.Fatalf("the staker's entry: %+v", m)
		}
	}
	t.Logf("staked at height %d, in the set of the next height at %d", stakedAt, joined)
	// Its bit is in the certificates of the heights it signs.
	idx := indexOf(ms)
	signed := false
	wait.Until(t, "a certificate with the staker's signature", 30*time.Second, func() bool {
		h := height(nodes[0])
		var c struct {
			SignersLen int    `json:"signers_len"`
			Signers    string `json:"signers"`
		}
		getJSON(t, fmt.Sprintf("%s/rpc/get_commit/%d", nodes[0].url, h), &c)
		var bits uint64
		fmt.Sscanf(c.Signers, "0x%x", &bits)
		signed = c.SignersLen == 5 && bits&(1<<idx) != 0
		return signed
	})

	// Down: jailed for downtime, out of the set, and the chain goes on.
	n5.stop()
	down := height(nodes[0])
	wait.Until(t, "the staker jailed and out of the set", 90*time.Second, func() bool {
		var s struct {
			Status string `json:"status"`
		}
		getJSON(t, nodes[0].url+"/rpc/get_stake/"+auth.Address, &s)
		_, ms := validators(nodes[0].url)
		return s.Status == "jailed" && indexOf(ms) < 0 && len(ms) == 4
	})
	t.Logf("stopped at height %d, jailed and out of the set by %d", down, height(nodes[0]))
	for _, n := range nodes {
		n.stop()
	}
}
