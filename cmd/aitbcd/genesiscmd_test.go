package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"aitbc/engine/types"
	"aitbc/internal/config"
	"aitbc/internal/wait"
)

// TestGenesisNetwork is the operator's path to a multi-validator network:
// aitbcd init on every node, aitbcd genesis from their authority.json
// files, the genesis copied to every node, peers set, start. The three
// nodes agree on one chain and a transfer from the faucet (the first
// authority's account) is final on every node.
func TestGenesisNetwork(t *testing.T) {
	dir := t.TempDir()
	const n = 3
	homes := make([]string, n)
	args := []string{"--chain-id", "net3", "--out", filepath.Join(dir, "genesis.json")}
	for i := range homes {
		homes[i] = filepath.Join(dir, fmt.Sprintf("v%d", i))
		var out, errb bytes.Buffer
		if code := run([]string{"init", "--home", homes[i], "--chain-id", "net3"}, &out, &errb); code != 0 {
			t.Fatalf("init: exit %d: %s", code, errb.String())
		}
		args = append(args, "--authority", filepath.Join(homes[i], authorityFile))
	}
	var out, errb bytes.Buffer
	if code := run(append([]string{"genesis"}, args...), &out, &errb); code != 0 {
		t.Fatalf("genesis: exit %d: %s", code, errb.String())
	}
	if !strings.Contains(out.String(), "3 validator(s)") {
		t.Fatalf("genesis output: %s", out.String())
	}
	gen, err := os.ReadFile(filepath.Join(dir, "genesis.json"))
	if err != nil {
		t.Fatal(err)
	}
	p2p := make([]int, n)
	for i := range p2p {
		p2p[i] = freePort(t)
		if err := os.WriteFile(filepath.Join(homes[i], "genesis.json"), gen, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	nodes := make([]*testNode, n)
	for i := range nodes {
		nodes[i] = startTestNode(t, homes[i], nil, func(c *config.Config) {
			c.P2PPort, c.Peers, c.LogLevel, c.BlockTime = p2p[i], nil, "warn", 200*time.Millisecond
			for j := range n {
				if j != i {
					c.Peers = append(c.Peers, fmt.Sprintf("127.0.0.1:%d", p2p[j]))
				}
			}
		})
	}
	bob := types.Address{0xb0, 0xb}
	out.Reset()
	errb.Reset()
	if code := run([]string{"tx", "send", "--rpc", nodes[0].url, "--key", filepath.Join(homes[0], "account.key"),
		"--to", bob.String(), "--amount", "9", "--wait"}, &out, &errb); code != 0 {
		t.Fatalf("tx send: exit %d: %s", code, errb.String())
	}
	for i, nd := range nodes {
		wait.Until(t, fmt.Sprintf("the transfer on v%d", i), 30*time.Second, func() bool {
			var b struct {
				Balance string `json:"balance"`
			}
			getJSON(t, nd.url+"/rpc/get_balance/"+bob.String(), &b)
			return b.Balance == "9"
		})
	}
	var st struct {
		Validators int `json:"validators"`
		Peers      int `json:"peers"`
	}
	getJSON(t, nodes[2].url+"/rpc/status", &st)
	if st.Validators != n || st.Peers != n-1 {
		t.Fatalf("status: %d validators, %d peers; want %d and %d", st.Validators, st.Peers, n, n-1)
	}
}

func TestGenesisErrors(t *testing.T) {
	dir := t.TempDir()
	for _, h := range []string{"a", "b"} {
		var out, errb bytes.Buffer
		if code := run([]string{"init", "--home", filepath.Join(dir, h)}, &out, &errb); code != 0 {
			t.Fatalf("init: %s", errb.String())
		}
	}
	a, b := filepath.Join(dir, "a", authorityFile), filepath.Join(dir, "b", authorityFile)
	// b's public key with a's proof of possession: refused.
	var forged types.Authority
	if err := readJSONFile(b, &forged); err != nil {
		t.Fatal(err)
	}
	var real types.Authority
	if err := readJSONFile(a, &real); err != nil {
		t.Fatal(err)
	}
	forged.BLSPoP = real.BLSPoP
	fb, _ := json.Marshal(forged)
	forgedPath := filepath.Join(dir, "forged.json")
	if err := os.WriteFile(forgedPath, fb, 0o644); err != nil {
		t.Fatal(err)
	}
	existing := filepath.Join(dir, "exists.json")
	os.WriteFile(existing, []byte("{}"), 0o644)
	out := filepath.Join(dir, "g.json")
	for _, tc := range []struct {
		name  string
		args  []string
		usage bool
		want  string
	}{
		{"no chain id", []string{"--authority", a, "--out", out}, true, "--chain-id"},
		{"no authority", []string{"--chain-id", "x", "--out", out}, true, "--authority"},
		{"same validator twice", []string{"--chain-id", "x", "--authority", a, "--authority", a, "--out", out}, false, "already in"},
		{"forged proof of possession", []string{"--chain-id", "x", "--authority", a, "--authority", forgedPath, "--out", out}, false, "possession"},
		{"missing file", []string{"--chain-id", "x", "--authority", filepath.Join(dir, "none.json"), "--out", out}, false, "no such file"},
		{"bad faucet", []string{"--chain-id", "x", "--authority", a, "--faucet", "nope", "--out", out}, true, "--faucet"},
		{"bad coordinator", []string{"--chain-id", "x", "--authority", a, "--coordinator", "zz", "--out", out}, true, "--coordinator"},
		{"block time", []string{"--chain-id", "x", "--authority", a, "--block-time", "1ms", "--out", out}, true, "--block-time"},
		{"overwrite", []string{"--chain-id", "x", "--authority", a, "--out", existing}, false, "refusing to overwrite"},
	} {
		var o, e bytes.Buffer
		code := run(append([]string{"genesis"}, tc.args...), &o, &e)
		wantCode := 1
		if tc.usage {
			wantCode = 2
		}
		if code != wantCode || !strings.Contains(e.String(), tc.want) {
			t.Errorf("%s: exit %d (want %d), stderr %q (want %q)", tc.name, code, wantCode, e.String(), tc.want)
		}
	}
	if _, err := os.Stat(out); err == nil {
		t.Fatal("a failed genesis run left a file behind")
	}
}
