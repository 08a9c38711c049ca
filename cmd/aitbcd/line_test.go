package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"aitbc/engine/types"
	"aitbc/internal/wait"
	"aitbc/rpc/client"
)

// TestLineOfValidators runs four validators as four processes whose only
// links form a line 0-1-2-3: each pins its neighbours in PEERS and allows
// only them inbound (P2P_ALLOW), so no other link can form. Nodes 1 and 2
// relay proposals and votes, so every height still commits; a tx sent to
// node 0 becomes final on node 3; no node penalizes another.
func TestLineOfValidators(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs four processes: skipped with -short")
	}
	bin := buildBinary(t)
	dir := t.TempDir()
	if _, err := ensureDevnet(dir, 4, "poa", 20); err != nil {
		t.Fatal(err)
	}
	const n = 4
	type ports struct{ rpc, ws, metrics, p2p int }
	ps := make([]ports, n)
	ids := make([]string, n)
	for i := range ps {
		ps[i] = ports{freePort(t), freePort(t), freePort(t), freePort(t)}
		id, err := nodeIDOf(filepath.Join(dir, fmt.Sprintf("node%d", i), "node.key"))
		if err != nil {
			t.Fatal(err)
		}
		ids[i] = id
	}
	procs := make([]*proc, n)
	clients := make([]*client.Client, n)
	for i := range procs {
		var peers, allow []string
		for _, j := range []int{i - 1, i + 1} {
			if j >= 0 && j < n {
				peers = append(peers, fmt.Sprintf("%s@127.0.0.1:%d", ids[j], ps[j].p2p))
				allow = append(allow, ids[j])
			}
		}
		procs[i] = startProc(t, bin, filepath.Join(dir, fmt.Sprintf("node%d", i)), ps[i].rpc, ps[i].ws, ps[i].metrics,
			"--p2p-host", "127.0.0.1", "--p2p-port", strconv.Itoa(ps[i].p2p),
			"--peers", strings.Join(peers, ","), "--p2p-allow", strings.Join(allow, ","))
		clients[i] = &client.Client{BaseURL: procs[i].url, HTTP: &http.Client{Timeout: 2 * time.Second}}
	}
	ctx := context.Background()
	head := func(i int) uint64 {
		h, err := clients[i].Head(ctx)
		if err != nil {
			return 0
		}
		return h.Height
	}
	wait.Until(t, "the line of validators to finalise blocks", 60*time.Second, func() bool {
		for i := range clients {
			if head(i) < 3 {
				return false
			}
		}
		return true
	})

	faucet, err := loadAccountKey(filepath.Join(dir, "faucet.key"))
	if err != nil {
		t.Fatal(err)
	}
	bob := types.Address{0xb0, 0x11}
	tx := &types.Tx{ChainID: devnetChainID, Type: types.TxTransfer, Nonce: 1, Recipient: bob, Amount: 9, Fee: 1000}
	tx.Sign(faucet)
	hash, err := clients[0].SendTx(ctx, tx)
	if err != nil {
		t.Fatal(err)
	}
	wait.Until(t, "the tx sent to node 0 final on node 3", 60*time.Second, func() bool {
		r, err := clients[3].Tx(ctx, hash)
		return err == nil && r.Status == "committed"
	})
	if bal, _, err := clients[3].Account(ctx, bob); err != nil || bal != 9 {
		t.Fatalf("bob's balance on node 3: %d, %v; want 9", bal, err)
	}

	for i := range procs {
		text := scrape(t, ps[i].metrics)
		wantPeers := 2.0
		if i == 0 || i == n-1 {
			wantPeers = 1
		}
		if got := value(text, `aitbc_gossip_peers_by_kind{kind="validator"}`); got != wantPeers {
			t.Errorf("node%d: %v validator peers, want %v (its neighbours only, each proving its validator key)", i, got, wantPeers)
		}
		if got := value(text, "aitbc_gossip_penalties_total"); got != 0 {
			t.Errorf("node%d counted %v penalties", i, got)
		}
		relayed := value(text, `aitbc_gossip_relayed_total{type="vote"}`)
		if (i == 1 || i == 2) && relayed <= 0 {
			t.Errorf("middle node%d relayed %v votes", i, relayed)
		}
	}
	for i, p := range procs {
		if err := p.cmd.Process.Signal(syscall.SIGINT); err != nil {
			t.Fatal(err)
		}
		if err := p.cmd.Wait(); err != nil {
			t.Fatalf("node%d SIGINT shutdown: %v", i, err)
		}
	}
}

// scrape reads a node's /metrics.
func scrape(t *testing.T, port int) string {
	t.Helper()
	resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/metrics", port))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
