package main

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"aitbc/engine/types"
	"aitbc/rpc/api"
	"aitbc/rpc/client"
)

// buildBinary compiles aitbcd once for the subprocess tests.
func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "aitbcd")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("go build: %v", err)
	}
	return bin
}

type proc struct {
	cmd *exec.Cmd
	url string
}

func startProc(t *testing.T, bin, home string, rpcPort, wsPort, mPort int, extra ...string) *proc {
	t.Helper()
	logf, err := os.OpenFile(filepath.Join(home, "node.log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "start", "--config", filepath.Join(home, "config.toml"), "--rpc-host", "127.0.0.1",
		"--rpc-port", strconv.Itoa(rpcPort), "--ws-port", strconv.Itoa(wsPort), "--metrics-port", strconv.Itoa(mPort),
		"--block-time", "100ms", "--log-level", "warn", "--rpc-rate-limit", "0") // load from one address
	if len(extra) == 0 {
		extra = []string{"--p2p-port", "0"}
	}
	cmd.Args = append(cmd.Args, extra...)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &proc{cmd: cmd, url: fmt.Sprintf("http://127.0.0.1:%d", rpcPort)}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait(); logf.Close() })
	c := &client.Client{BaseURL: p.url, HTTP: &http.Client{Timeout: time.Second}}
	deadline := time.Now().Add(30 * time.Second)
	for {
		if _, err := c.Head(context.Background()); err == nil {
			return p
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(filepath.Join(home, "node.log"))
			t.Fatalf("node did not answer within 30s; log:\n%s", log)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestKillUnderLoadKeepsFinalTxs sends transfers, SIGKILLs the node while
// they flow, restarts it, and checks that every tx reported final is still
// there with the same height, and that balances match the committed txs.
func TestKillUnderLoadKeepsFinalTxs(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and kills it: skipped with -short")
	}
	bin := buildBinary(t)
	home := initHome(t)
	rp, wp, mp := freePort(t), freePort(t), freePort(t)
	p := startProc(t, bin, home, rp, wp, mp)
	priv, err := loadAccountKey(filepath.Join(home, "account.key"))
	if err != nil {
		t.Fatal(err)
	}
	c := &client.Client{BaseURL: p.url, HTTP: &http.Client{Timeout: 2 * time.Second}}
	ctx := context.Background()
	st, err := c.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	bob := types.AddressFromPubKey(ed25519.NewKeyFromSeed(make([]byte, 32)).Public().(ed25519.PublicKey))

	final := map[types.Hash]uint64{} // tx hash -> height reported final
	var sent []types.Hash
	killAt := time.Now().Add(2 * time.Second)
	nonce := uint64(0)
	for time.Now().Before(killAt) {
		// A burst of 20 txs, then record which of the earlier ones are final.
		for i := 0; i < 20; i++ {
			nonce++
			tx := &types.Tx{ChainID: st.ChainID, Type: types.TxTransfer, Nonce: nonce, Recipient: bob, Amount: 1, Fee: 1000}
			tx.Sign(priv)
			h, err := c.SendTx(ctx, tx)
			if err != nil {
				t.Fatalf("send nonce %d: %v", nonce, err)
			}
			sent = append(sent, h)
		}
		for _, h := range sent {
			if _, ok := final[h]; ok {
				continue
			}
			if r, err := c.Tx(ctx, h); err == nil && r.Status == "committed" {
				final[h] = r.Height
			}
		}
		time.Sleep(30 * time.Millisecond)
	}
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	p.cmd.Wait()
	if len(final) == 0 {
		t.Fatal("no tx became final before the kill")
	}

	p2 := startProc(t, bin, home, rp, wp, mp)
	c2 := &client.Client{BaseURL: p2.url, HTTP: &http.Client{Timeout: 2 * time.Second}}
	for h, height := range final {
		r, err := c2.Tx(ctx, h)
		if err != nil || r.Status != "committed" || r.Height != height {
			t.Fatalf("tx %s was final at %d before the kill; after restart: %+v %v", h, height, r, err)
		}
	}
	// Balance equals the number of committed transfers (1 unit each).
	committed := uint64(0)
	for _, h := range sent {
		r, err := c2.Tx(ctx, h)
		var apiErr *api.Error
		switch {
		case err == nil && r.Status == "committed":
			committed++
		case err == nil || errors.As(err, &apiErr) && apiErr.Status == http.StatusNotFound:
		default:
			t.Fatal(err)
		}
	}
	bal, nonceAfter, err := c2.Account(ctx, bob)
	if err != nil {
		t.Fatal(err)
	}
	if bal != committed || nonceAfter != 0 {
		t.Fatalf("bob balance %d, committed transfers %d", bal, committed)
	}
	t.Logf("sent %d, final before kill %d, committed after restart %d", len(sent), len(final), committed)
	if err := p2.cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	if err := p2.cmd.Wait(); err != nil {
		t.Fatalf("SIGINT shutdown: %v", err)
	}
}
