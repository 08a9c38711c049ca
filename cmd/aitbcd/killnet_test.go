package main

import (
	"context"
	"crypto/ed25519"
	"fmt"
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

// TestKillValidatorUnderLoad runs four validators as four processes,
// SIGKILLs the one taking the transfers while they flow, and checks that
// the other three go on finalising blocks, that the killed one catches up
// after a restart, and that every tx it reported final before the kill is
// at the same height on it and on the others, with equal balances.
func TestKillValidatorUnderLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs four processes: skipped with -short")
	}
	bin := buildBinary(t)
	dir := t.TempDir()
	if _, err := ensureDevnet(dir, 4, "poa", 20); err != nil {
		t.Fatal(err)
	}
	type ports struct{ rpc, ws, metrics, p2p int }
	ps := make([]ports, 4)
	for i := range ps {
		ps[i] = ports{freePort(t), freePort(t), freePort(t), freePort(t)}
	}
	start := func(i int) *proc {
		var peers []string
		for j, o := range ps {
			if j != i {
				peers = append(peers, "127.0.0.1:"+strconv.Itoa(o.p2p))
			}
		}
		return startProc(t, bin, filepath.Join(dir, fmt.Sprintf("node%d", i)), ps[i].rpc, ps[i].ws, ps[i].metrics,
			"--p2p-host", "127.0.0.1", "--p2p-port", strconv.Itoa(ps[i].p2p), "--peers", strings.Join(peers, ","))
	}
	procs := make([]*proc, 4)
	clients := make([]*client.Client, 4)
	for i := range procs {
		procs[i] = start(i)
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
	wait.Until(t, "the four validators to finalise blocks", 60*time.Second, func() bool { return head(0) >= 3 && head(3) >= 3 })

	faucet, err := loadAccountKey(filepath.Join(dir, "faucet.key"))
	if err != nil {
		t.Fatal(err)
	}
	bob := types.AddressFromPubKey(ed25519.NewKeyFromSeed(make([]byte, 32)).Public().(ed25519.PublicKey))
	c := clients[0]
	final := map[types.Hash]uint64{}
	var sent []types.Hash
	nonce := uint64(0)
	for killAt := time.Now().Add(3 * time.Second); time.Now().Before(killAt); {
		for range 20 {
			nonce++
			tx := &types.Tx{ChainID: devnetChainID, Type: types.TxTransfer, Nonce: nonce, Recipient: bob, Amount: 1, Fee: 1000}
			tx.Sign(faucet)
			h, err := c.SendTx(ctx, tx)
			if err != nil {
				t.Fatalf("send nonce %d: %v", nonce, err)
			}
			sent = append(sent, h)
		}
		for _, h := range sent {
			if _, ok := final[h]; !ok {
				if r, err := c.Tx(ctx, h); err == nil && r.Status == "committed" {
					final[h] = r.Height
				}
			}
		}
		time.Sleep(30 * time.Millisecond)
	}
	if err := procs[0].cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	procs[0].cmd.Wait()
	if len(final) == 0 {
		t.Fatal("no tx became final before the kill")
	}

	// Three of four validators are more than two thirds: blocks go on.
	at := head(1)
	wait.Until(t, "blocks without node0", 60*time.Second, func() bool { return head(1) >= at+5 })

	procs[0] = start(0)
	wait.Until(t, "node0 to catch up", 60*time.Second, func() bool { return head(0)+1 >= head(1) && head(0) > at+5 })
	for h, height := range final {
		for _, i := range []int{0, 2} {
			r, err := clients[i].Tx(ctx, h)
			if err != nil || r.Status != "committed" || r.Height != height {
				t.Fatalf("tx %s was final at %d before the kill; node%d now: %+v %v", h, height, i, r, err)
			}
		}
	}
	// The transfers node0 had admitted but not relayed died with it; every
	// node agrees on what was committed.
	var want uint64
	for i := range clients {
		bal, _, err := clients[i].Account(ctx, bob)
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			want = bal
		} else if bal != want {
			wait.Until(t, fmt.Sprintf("node%d's balance to match", i), 20*time.Second, func() bool {
				b, _, err := clients[i].Account(ctx, bob)
				return err == nil && b == want
			})
		}
	}
	if want < uint64(len(final)) {
		t.Fatalf("bob has %d, but %d transfers were final", want, len(final))
	}
	t.Logf("sent %d, final before kill %d, bob's balance after restart %d", len(sent), len(final), want)
	for i, p := range procs {
		if err := p.cmd.Process.Signal(syscall.SIGINT); err != nil {
			t.Fatal(err)
		}
		if err := p.cmd.Wait(); err != nil {
			t.Fatalf("node%d SIGINT shutdown: %v", i, err)
		}
	}
}
