package main

import (
	"bytes"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"aitbc/engine/types"
	"aitbc/internal/config"
	"aitbc/internal/wait"
)

// startDevnet creates a devnet of n validators in a temp dir and runs every
// node in-process on free loopback ports, gossip in a full mesh.
func startDevnet(t *testing.T, n int) (dir string, nodes []*testNode, start func(i int) *testNode) {
	t.Helper()
	dir = t.TempDir()
	if _, err := ensureDevnet(dir, n, "poa", 20); err != nil {
		t.Fatal(err)
	}
	p2p := make([]int, n)
	for i := range p2p {
		p2p[i] = freePort(t)
	}
	ports := make([][3]int, n) // rpc, ws, metrics: kept across restarts
	start = func(i int) *testNode {
		return startTestNode(t, filepath.Join(dir, fmt.Sprintf("node%d", i)), nil, func(c *config.Config) {
			if ports[i][0] == 0 {
				ports[i] = [3]int{c.RPCPort, c.WSPort, c.MetricsPort}
			}
			c.RPCPort, c.WSPort, c.MetricsPort = ports[i][0], ports[i][1], ports[i][2]
			c.P2PPort, c.Peers = p2p[i], nil
			for j := range n {
				if j != i {
					c.Peers = append(c.Peers, fmt.Sprintf("127.0.0.1:%d", p2p[j]))
				}
			}
			c.BlockTime, c.LogLevel = 200*time.Millisecond, "warn"
		})
	}
	for i := range n {
		nodes = append(nodes, start(i))
	}
	return dir, nodes, start
}

func headOf(t *testing.T, url string) (uint64, string) {
	t.Helper()
	var h struct {
		Height uint64 `json:"height"`
		Hash   string `json:"hash"`
	}
	getJSON(t, url+"/rpc/get_head", &h)
	return h.Height, h.Hash
}

// TestDevnetFourValidators: four validators on loopback agree on every
// block; a tx sent to node 0 is final and visible on node 3; with node 3
// down the other three keep finalising blocks, and node 3 catches up by
// block sync when it comes back.
func TestDevnetFourValidators(t *testing.T) {
	if testing.Short() {
		t.Skip("four nodes")
	}
	dir, nodes, start := startDevnet(t, 4)
	wait.Until(t, "height 5 on every node", 60*time.Second, func() bool {
		for _, n := range nodes {
			if h, _ := headOf(t, n.url); h < 5 {
				return false
			}
		}
		return true
	})

	bob := types.Address{0xb0, 0xb}
	var out, errb bytes.Buffer
	if code := run([]string{"tx", "send", "--rpc", nodes[0].url, "--key", filepath.Join(dir, "faucet.key"),
		"--to", bob.String(), "--amount", "7", "--wait"}, &out, &errb); code != 0 {
		t.Fatalf("tx send: exit %d: %s", code, errb.String())
	}
	balance := func(n *testNode) string {
		var b struct {
			Balance string `json:"balance"`
		}
		getJSON(t, n.url+"/rpc/get_balance/"+bob.String(), &b)
		return b.Balance
	}
	wait.Until(t, "the transfer on node 3", 20*time.Second, func() bool { return balance(nodes[3]) == "7" })

	// Every node has the same block at a height all of them have.
	h, _ := headOf(t, nodes[0].url)
	for _, n := range nodes {
		wait.Until(t, "height on every node", 20*time.Second, func() bool { x, _ := headOf(t, n.url); return x >= h })
	}
	var want string
	for i, n := range nodes {
		var blk struct {
			Hash string `json:"hash"`
		}
		getJSON(t, fmt.Sprintf("%s/rpc/get_block/%d", n.url, h), &blk)
		if i == 0 {
			want = blk.Hash
		} else if blk.Hash != want || want == "" {
			t.Fatalf("block %d: node%d has %q, node0 %q", h, i, blk.Hash, want)
		}
	}

	// Three of four is more than two thirds: the chain goes on without node 3.
	nodes[3].stop()
	down, _ := headOf(t, nodes[0].url)
	wait.Until(t, "5 blocks without node 3", 60*time.Second, func() bool { x, _ := headOf(t, nodes[0].url); return x >= down+5 })
	nodes[3] = start(3)
	wait.Until(t, "node 3 to catch up", 60*time.Second, func() bool {
		a, _ := headOf(t, nodes[0].url)
		b, _ := headOf(t, nodes[3].url)
		return b+1 >= a && b > down+5
	})
	if balance(nodes[3]) != "7" {
		t.Fatal("node 3 lost the transfer over its restart")
	}
}

// TestDevnetPortsFromEnvironment: a port variable in the environment is
// node0's port and node i adds 100×i, and the peers follow the moved
// gossip ports, so RPC_PORT=… aitbcd devnet does not start four nodes on
// one port.
func TestDevnetPortsFromEnvironment(t *testing.T) {
	dir := t.TempDir()
	if _, err := ensureDevnet(dir, 3, "poa", 20); err != nil {
		t.Fatal(err)
	}
	t.Setenv("RPC_PORT", "19580")
	t.Setenv("P2P_PORT", "19570")
	cfgs := make([]config.Config, 3)
	ids := make([]string, 3)
	for i := range cfgs {
		home := filepath.Join(dir, fmt.Sprintf("node%d", i))
		c, err := config.Load(filepath.Join(home, "config.toml"), nil)
		if err != nil {
			t.Fatal(err)
		}
		cfgs[i] = c
		if ids[i], err = nodeIDOf(filepath.Join(home, "node.key")); err != nil {
			t.Fatal(err)
		}
	}
	// The written configs pin every peer to its node id.
	if got, want := fmt.Sprint(cfgs[1].Peers), fmt.Sprintf("[%s@127.0.0.1:9070 %s@127.0.0.1:9270]", ids[0], ids[2]); got != want {
		t.Errorf("node1 peers in config.toml %s, want %s", got, want)
	}
	if err := devnetPorts(cfgs, ids); err != nil {
		t.Fatal(err)
	}
	for i, c := range cfgs {
		if c.RPCPort != 19580+100*i || c.P2PPort != 19570+100*i || c.WSPort != 9081+100*i {
			t.Errorf("node%d: rpc %d p2p %d ws %d", i, c.RPCPort, c.P2PPort, c.WSPort)
		}
	}
	if got, want := fmt.Sprint(cfgs[1].Peers), fmt.Sprintf("[%s@127.0.0.1:19570 %s@127.0.0.1:19770]", ids[0], ids[2]); got != want {
		t.Errorf("node1 peers %s", got)
	}
}
