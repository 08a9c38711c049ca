package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"aitbc/engine/types"
	"aitbc/internal/config"
)

const devnetChainID = "aitbc-devnet"

func runDevnet(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("devnet", stderr)
	n := fs.Int("validators", 4, "number of validators (each a node in this process, gossiping on loopback)")
	dir := fs.String("dir", "devnet", "directory of the network (created if missing, reused otherwise)")
	mis := fs.String("misbehave", "", "byzantine build only: NODE=MODE[,NODE=MODE...], e.g. node3=future-time,node1=clock-skew:-3s")
	mode := fs.String("consensus-mode", "poa", "poa | pos | hybrid (a new devnet; an existing one keeps its genesis)")
	epoch := fs.Uint64("epoch-length", 20, "blocks per validator-set epoch on a pos or hybrid devnet")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *epoch == 0 {
		return usagef("--epoch-length 0: want at least 1")
	}
	modes, err := parseMisbehaveList(*mis)
	if err != nil {
		return err
	}
	for i := range modes {
		if i >= *n {
			return usagef("--misbehave: node%d but the devnet has node0..node%d", i, *n-1)
		}
	}
	if *n < 1 || *n > types.MaxValidators {
		return usagef("--validators %d: want 1..%d", *n, types.MaxValidators)
	}
	created, err := ensureDevnet(*dir, *n, *mode, *epoch)
	if err != nil {
		return err
	}
	if !created && flagSet(fs, "consensus-mode") {
		g, err := loadGenesis(filepath.Join(*dir, "genesis.json"))
		if err != nil {
			return err
		}
		if g.ConsensusMode != *mode {
			return usagef("--consensus-mode %s, but %s holds a %s devnet: remove it, or drop the flag", *mode, *dir, g.ConsensusMode)
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return runDevnetNodes(ctx, *dir, *n, created, modes, stdout, stderr)
}

// ensureDevnet creates dir with keys, genesis and configs unless it exists.
func ensureDevnet(dir string, n int, mode string, epochLength uint64) (bool, error) {
	if err := setMode(&types.Genesis{}, mode, 0, false); err != nil {
		return false, err // before anything is written
	}
	if _, err := os.Stat(filepath.Join(dir, "genesis.json")); err == nil {
		for i := 0; i < n; i++ {
			if _, err := os.Stat(filepath.Join(dir, fmt.Sprintf("node%d", i), "config.toml")); err != nil {
				return false, fmt.Errorf("%s exists but has no node%d: remove it or use its validator count", dir, i)
			}
		}
		return false, nil
	} else if !errors.Is(err, os.ErrNotExist) {
		return false, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return false, err
	}
	_, faucet, err := newAccountKey()
	if err != nil {
		return false, err
	}
	if err := writeKeyFile(filepath.Join(dir, "faucet.key"), faucet); err != nil {
		return false, err
	}
	_, coord, err := newAccountKey()
	if err != nil {
		return false, err
	}
	if err := writeKeyFile(filepath.Join(dir, "coordinator.key"), coord); err != nil {
		return false, err
	}
	var auths []types.Authority
	ids := make([]string, n)
	for i := 0; i < n; i++ {
		nd := filepath.Join(dir, fmt.Sprintf("node%d", i))
		if err := os.MkdirAll(nd, 0o700); err != nil {
			return false, err
		}
		acct, val, err := writeValidatorKeys(nd)
		if err != nil {
			return false, err
		}
		auths = append(auths, authority(acct, val))
		if ids[i], err = nodeIDOf(filepath.Join(nd, "node.key")); err != nil {
			return false, err
		}
	}
	for i := 0; i < n; i++ {
		nd := filepath.Join(dir, fmt.Sprintf("node%d", i))
		// Node 0 serves the query routes; the other validators do not index.
		conf := nodeConfigTOML(devnetChainID, "127.0.0.1", 100*i, "../genesis.json", devnetPeers(ids, i), i == 0)
		conf = strings.Replace(conf, `log_format = "json"`, `log_format = "text"`, 1)
		// Loopback only, and `aitbcd bench load` sends thousands of requests
		// a second from one address: no per-address rate limit.
		conf += "rpc_rate_limit = 0\n"
		if err := os.WriteFile(filepath.Join(nd, "config.toml"), []byte(conf), 0o600); err != nil {
			return false, err
		}
	}
	g := makeGenesis(devnetChainID, auths, faucet.Address, time.Second)
	g.Params.Coordinators = []types.HexBytes{coord.PublicKey} // attests AI compute receipts
	if err := setMode(g, mode, epochLength, true); err != nil {
		return false, err
	}
	if err := g.Validate(); err != nil {
		return false, err
	}
	return true, writeGenesis(filepath.Join(dir, "genesis.json"), g)
}

// devnetPeers lists every devnet node but i, pinned to its node id
// (ids[j] of node j; "" leaves that entry unpinned): the validators form
// a full mesh on loopback.
func devnetPeers(ids []string, i int) []string {
	var peers []string
	for j := range ids {
		if j != i {
			peers = append(peers, pinned(ids[j], fmt.Sprintf("127.0.0.1:%d", config.DefaultConfig().P2PPort+100*j)))
		}
	}
	return peers
}

// pinned is the PEERS entry for a node id at addr.
func pinned(id, addr string) string {
	if id == "" {
		return addr
	}
	return id + "@" + addr
}

// devnetPorts keeps the devnet's nodes apart when port variables are set
// in the environment (they override every node's config file alike): such
// a value is node0's port and node i adds 100×i, as the defaults do. The
// peers are then every other node's gossip address, wherever it moved,
// pinned to ids[j] (the node ids; "" for none).
func devnetPorts(cfgs []config.Config, ids []string) error {
	if len(cfgs) < 2 {
		return nil
	}
	for i := range cfgs {
		c := &cfgs[i]
		for _, p := range []struct {
			env string
			v   *int
		}{{"RPC_PORT", &c.RPCPort}, {"WS_PORT", &c.WSPort}, {"METRICS_PORT", &c.MetricsPort}, {"P2P_PORT", &c.P2PPort}} {
			if _, set := os.LookupEnv(p.env); set && *p.v != 0 {
				*p.v += 100 * i
			}
		}
		if err := c.Validate(); err != nil {
			return fmt.Errorf("node%d: %w", i, err)
		}
	}
	for i := range cfgs {
		cfgs[i].Peers = nil
		for j, o := range cfgs {
			if j != i {
				cfgs[i].Peers = append(cfgs[i].Peers, pinned(ids[j], net.JoinHostPort(o.P2PHost, strconv.Itoa(o.P2PPort))))
			}
		}
	}
	return nil
}

// runDevnetNodes runs the n nodes of dir, node i in modes[i] (a misbehave
// mode; none for an honest node).
func runDevnetNodes(ctx context.Context, dir string, n int, created bool, modes map[int]string, stdout, stderr io.Writer) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	cfgs := make([]config.Config, n)
	ids := make([]string, n)
	for i := range cfgs {
		home := filepath.Join(dir, fmt.Sprintf("node%d", i))
		cfg, err := config.Load(filepath.Join(home, "config.toml"), nil)
		if err != nil {
			return fmt.Errorf("node%d: %w", i, err)
		}
		cfgs[i] = cfg
		// A node key made before pinning existed may be missing: it is
		// created at start, and that node's entries stay unpinned.
		if id, err := nodeIDOf(resolve(home, cfg.NodeKey)); err == nil {
			ids[i] = id
		}
	}
	if err := devnetPorts(cfgs, ids); err != nil {
		return err
	}
	// One summary once every node serves, in node order.
	var mu sync.Mutex
	urls, waiting := make([]string, n), n
	ready := func(i int, url string) {
		mu.Lock()
		defer mu.Unlock()
		urls[i] = url
		if waiting--; waiting > 0 {
			return
		}
		verb := "reusing"
		if created {
			verb = "created"
		}
		fmt.Fprintf(stdout, "devnet: %d validator(s) ready (%s %s)\n", n, verb, dir)
		for i := range n {
			if modes[i] != "" {
				fmt.Fprintf(stdout, "  node%d MISBEHAVES: %s\n", i, modes[i])
			}
		}
		for i, c := range cfgs {
			fmt.Fprintf(stdout, "  node%d  RPC %s  WebSocket ws://%s:%d/ws  metrics http://%s:%d/metrics  P2P %s:%d\n",
				i, urls[i], c.RPCHost, c.WSPort, c.RPCHost, c.MetricsPort, c.P2PHost, c.P2PPort)
		}
		fmt.Fprintf(stdout, "  faucet key:      %s\n  coordinator key: %s\nPress Ctrl-C to stop.\n",
			filepath.Join(dir, "faucet.key"), filepath.Join(dir, "coordinator.key"))
	}
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			home := filepath.Join(dir, fmt.Sprintf("node%d", i))
			errs[i] = runNodeMode(ctx, cfgs[i], home, fmt.Sprintf("node%d", i), modes[i], stderr, func(url string) { ready(i, url) })
			if errs[i] != nil {
				cancel() // one node failing stops the devnet
			}
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			return fmt.Errorf("node%d: %w", i, err)
		}
	}
	return nil
}

// flagSet reports whether the flag name was given on the command line.
func flagSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}
