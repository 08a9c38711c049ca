package suite

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"aitbc/rpc/client"
)

// devnet is one `aitbcd devnet` child process: every node of the network
// in one process, so its CPU time is the network's.
type devnet struct {
	cmd   *exec.Cmd
	dir   string
	rpc   []string // REST base URL of node i
	ws    string   // node 0's WebSocket URL
	done  chan struct{}
	err   error // the process's exit, once done is closed
	log   *os.File
	start time.Time
}

// Port offsets of the devnet's node 0 from a base (the defaults are the
// base 9000); node i adds 100×i, as `aitbcd devnet` does.
const (
	offRPC, offWS, offMetrics, offP2P = 80, 81, 90, 70
)

// freeBase picks a port base whose ports are all free for n nodes, so the
// suite does not collide with a devnet someone else runs on the
// defaults.
func freeBase(n int) (int, error) {
	for range 50 {
		base := 20000 + 1000*rand.IntN(40)
		ok := true
		for i := 0; i < n && ok; i++ {
			for _, off := range []int{offRPC, offWS, offMetrics, offP2P} {
				l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(base+off+100*i)))
				if err != nil {
					ok = false
					break
				}
				l.Close()
			}
		}
		if ok {
			return base, nil
		}
	}
	return 0, errors.New("suite: no free port range for the devnet")
}

// startDevnet runs `bin devnet --validators n --dir dir` with env added to
// the environment and waits until every node answers and node 0 has
// committed a few blocks.
func startDevnet(ctx context.Context, bin, dir string, n int, env []string) (*devnet, error) {
	base, err := freeBase(n)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	logf, err := os.Create(filepath.Join(dir, "devnet.log"))
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, "devnet", "--validators", strconv.Itoa(n), "--dir", filepath.Join(dir, "net"))
	cmd.Env = append(os.Environ(),
		"RPC_PORT="+strconv.Itoa(base+offRPC), "WS_PORT="+strconv.Itoa(base+offWS),
		"METRICS_PORT="+strconv.Itoa(base+offMetrics), "P2P_PORT="+strconv.Itoa(base+offP2P),
		"LOG_LEVEL=warn")
	cmd.Env = append(cmd.Env, env...)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		logf.Close()
		return nil, fmt.Errorf("suite: start devnet: %w", err)
	}
	d := &devnet{cmd: cmd, dir: dir, done: make(chan struct{}), log: logf, start: time.Now()}
	go func() { d.err = cmd.Wait(); close(d.done) }()
	for i := range n {
		d.rpc = append(d.rpc, fmt.Sprintf("http://127.0.0.1:%d", base+offRPC+100*i))
	}
	d.ws = fmt.Sprintf("ws://127.0.0.1:%d/ws", base+offWS)
	if err := d.waitReady(ctx, devnetReadyLimit); err != nil {
		d.stop()
		return nil, err
	}
	return d, nil
}

// devnetReadyLimit is how long a devnet may take to start.
const devnetReadyLimit = 90 * time.Second

func (d *devnet) faucetKey() string { return filepath.Join(d.dir, "net", "faucet.key") }

// waitReady polls every node's status until all answer and node 0 is at
// height 2 or more.
func (d *devnet) waitReady(ctx context.Context, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for {
		ready := true
		for i, u := range d.rpc {
			c := &client.Client{BaseURL: u}
			cctx, cancel := context.WithTimeout(ctx, time.Second)
			st, err := c.Status(cctx)
			cancel()
			if err != nil || (i == 0 && st.Head.Height < 2) {
				ready = false
				break
			}
		}
		if ready {
			return nil
		}
		select {
		case <-d.done:
			return fmt.Errorf("suite: devnet exited before it was ready (%v); see %s", d.err, d.log.Name())
		case <-ctx.Done():
			return context.Cause(ctx)
		case <-time.After(200 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("suite: devnet not ready after %v; see %s", limit, d.log.Name())
		}
	}
}

// cpu is the devnet process's user+system CPU time so far.
func (d *devnet) cpu() time.Duration { return procCPU(d.cmd.Process.Pid) }

// stop ends the devnet: SIGTERM, then SIGKILL after 15 s.
func (d *devnet) stop() {
	d.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-d.done:
	case <-time.After(15 * time.Second):
		d.cmd.Process.Kill()
		<-d.done
	}
	d.log.Close()
}

// clockTicks is USER_HZ, the unit of /proc/<pid>/stat times: 100 on
// every Linux architecture Go supports.
const clockTicks = 100

// procCPU reads utime+stime of pid from /proc (0 when unreadable).
func procCPU(pid int) time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	return parseStatCPU(string(b))
}

// parseStatCPU is utime+stime of a /proc/<pid>/stat line. The command
// name (field 2) may hold spaces and parentheses, so fields are counted
// from the last ')'.
func parseStatCPU(stat string) time.Duration {
	i := strings.LastIndexByte(stat, ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(stat[i+1:]) // f[0] is field 3 (state)
	if len(f) < 13 {
		return 0
	}
	ut, err1 := strconv.ParseUint(f[11], 10, 64)
	st, err2 := strconv.ParseUint(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0
	}
	return time.Duration(ut+st) * time.Second / clockTicks
}
