package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"aitbc/engine"
	"aitbc/engine/bls"
	"aitbc/engine/consensus"
	"aitbc/engine/metrics"
	"aitbc/engine/node"
	"aitbc/engine/types"
	"aitbc/gpu"
	"aitbc/gpu/health"
	"aitbc/internal/config"
	"aitbc/netio/gossip"
	"aitbc/netio/ws"
	"aitbc/observability"
	"aitbc/rpc"
	"aitbc/storage/blockstore"
	"aitbc/storage/wal"

	"github.com/prometheus/client_golang/prometheus"
)

func runStart(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("start", stderr)
	cfgPath := fs.String("config", "", "TOML config file (paths in it are relative to it)")
	mode := fs.String("misbehave", "", "byzantine build only: run this node in a misbehave MODE (see aitbcd devnet --misbehave)")
	var scratch config.Config
	scratch.RegisterFlags(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := checkMisbehaveMode(*mode); err != nil {
		return err
	}
	cfg, err := config.Load(*cfgPath, fs)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return runNodeMode(ctx, cfg, filepath.Dir(*cfgPath), "", *mode, stderr, nil)
}

// runNode wires and runs one node until ctx is done or the node halts.
// name, if set, tags every log line (a devnet runs several nodes in one
// process); ready, if set, is called with the RPC URL once the node serves.
func runNode(ctx context.Context, cfg config.Config, base, name string, logw io.Writer, ready func(rpcURL string)) error {
	return runNodeMode(ctx, cfg, base, name, "", logw, ready)
}

// runNodeMode is runNode with a misbehave mode ("" for an honest node;
// any other only in the byzantine build, misbehave_byzantine.go).
func runNodeMode(ctx context.Context, cfg config.Config, base, name, mode string, logw io.Writer, ready func(rpcURL string)) (err error) {
	log, err := observability.NewLogger(logw, cfg.LogLevel, cfg.LogFormat)
	if err != nil {
		return err
	}
	if name != "" {
		log = log.With("node", name)
	}
	gen, err := loadGenesis(resolve(base, cfg.GenesisFile))
	if err != nil {
		return err
	}
	if gen.ChainID != cfg.ChainID {
		return fmt.Errorf("%w: CHAIN_ID %q but the genesis is for %q", config.ErrInvalid, cfg.ChainID, gen.ChainID)
	}
	if cfg.ConsensusMode != "" && gen.ConsensusMode != cfg.ConsensusMode {
		return fmt.Errorf("%w: CONSENSUS_MODE %q but the genesis says %q", config.ErrInvalid, cfg.ConsensusMode, gen.ConsensusMode)
	}
	log = log.With("chain", gen.ChainID)
	ws.RouteLibraryLogs(log.With("component", "nbio"))
	reg := observability.NewRegistry()

	var signer *consensus.KeySigner
	var validatorKey *bls.SecretKey // also proves to peers that we are a validator
	if cfg.ValidatorKey != "" {
		sk, err := loadValidatorKey(resolve(base, cfg.ValidatorKey))
		if err != nil {
			return fmt.Errorf("VALIDATOR_KEY: %w", err)
		}
		signer, validatorKey = consensus.NewKeySigner(sk), sk
		if cfg.ValidatorAddress != "" {
			want, err := types.ParseAddress(cfg.ValidatorAddress)
			if err != nil {
				return fmt.Errorf("%w: VALIDATOR_ADDRESS: %v", config.ErrInvalid, err)
			}
			if !validatorHasAddress(gen, sk.PublicKey(), want) {
				return fmt.Errorf("%w: VALIDATOR_ADDRESS %s is not the genesis address of this validator key", config.ErrInvalid, want)
			}
		}
	}

	store, err := blockstore.Open(blockstore.Options{Dir: resolve(base, cfg.DataDir), SyncWrites: true, Logger: log})
	if err != nil {
		return fmt.Errorf("DATA_DIR: %w", err)
	}
	defer store.Close()
	if err := store.CheckChain(gen.ChainID, gen.Hash()); err != nil {
		return fmt.Errorf("DATA_DIR: %w", err)
	}

	var wlog *wal.Log
	if signer != nil {
		if wlog, err = wal.Open(filepath.Join(resolve(base, cfg.DataDir), "consensus.wal")); err != nil {
			return fmt.Errorf("DATA_DIR: consensus WAL: %w", err)
		}
		defer wlog.Close()
	}

	// --- SQL index (issue #4): optional unless INDEX_REQUIRED; openIndex in reindex.go. ---
	var idx engine.Index
	sqlIndex, err := openIndex(ctx, cfg, base, gen, log)
	if err != nil {
		return err
	}
	if sqlIndex != nil {
		idx = sqlIndex
		defer sqlIndex.Close()
	}
	// --- end SQL index ---

	sv, err := sigverifyBackend(ctx, cfg, reg, log)
	if err != nil {
		return err
	}
	defer sv.close()
	bcfg := gpu.DefaultBatcherConfig()
	bcfg.MaxBatch, bcfg.MaxWait = cfg.GPUBatchSize, cfg.GPUBatchWait
	bcfg.MinPrimaryBatch = sv.minGPUBatch(ctx, cfg, log)
	primary, fallback := sv.primary, sv.fallback
	batcher, err := gpu.NewBatcher(primary, fallback, bcfg, gpu.NewMetrics(reg))
	if err != nil {
		return fmt.Errorf("GPU_BATCH_SIZE/GPU_BATCH_WAIT: %w", err)
	}
	defer batcher.Close()

	wcfg := ws.DefaultConfig()
	wcfg.Addr = net.JoinHostPort(cfg.RPCHost, strconv.Itoa(cfg.WSPort))
	wcfg.MaxConns, wcfg.MaxConnsPerAddr = cfg.WSMaxConns, cfg.WSMaxConnsPerAddr
	wsrv, err := ws.New(wcfg, ws.NewMetrics(reg), log.With("component", "ws"))
	if err != nil {
		return fmt.Errorf("WS_PORT: %w", err)
	}

	// --- gossip: the node key proves who we are to peers ---
	nodeKey, created, err := loadOrCreateNodeKey(resolve(base, cfg.NodeKey))
	if err != nil {
		return fmt.Errorf("NODE_KEY: %w", err)
	}
	gcfg := gossip.DefaultConfig()
	gcfg.ListenAddr = ""
	if cfg.P2PPort != 0 {
		gcfg.ListenAddr = net.JoinHostPort(cfg.P2PHost, strconv.Itoa(cfg.P2PPort))
	}
	gcfg.Peers, gcfg.ChainID, gcfg.GenesisHash, gcfg.NodeKey = cfg.Peers, gen.ChainID, gen.Hash(), nodeKey
	for _, a := range gen.Authorities { // lengths checked by the genesis validation
		var k bls.PublicKey
		copy(k[:], a.BLSPubKey)
		gcfg.Validators = append(gcfg.Validators, k)
	}
	// The genesis keys are the first list only: the node gives the
	// transport the keys of the sets it knows as elections change them
	// (issue #11). The validator key is proven whatever the list, so a
	// staker's peers count it as a validator once it is elected; on a poa
	// chain the node refuses a key outside genesis (node.NewMachine).
	gcfg.ValidatorKey = validatorKey
	for _, s := range cfg.P2PAllow {
		id, err := gossip.ParseNodeID(s)
		if err != nil {
			return fmt.Errorf("P2P_ALLOW: %w", err)
		}
		gcfg.Allow = append(gcfg.Allow, id)
	}
	p2p, err := gossip.New(gcfg, gossip.NewMetrics(reg), log.With("component", "gossip"))
	if err != nil {
		return fmt.Errorf("P2P_PORT/PEERS/P2P_ALLOW: %w", err)
	}
	defer p2p.Close()
	if len(gen.Authorities) > 1 && len(cfg.Peers) == 0 {
		log.Warn("the genesis has several validators but PEERS is empty: this node only talks to peers that dial it",
			"validators", len(gen.Authorities), "p2p_port", cfg.P2PPort)
	}
	if created {
		log.Info("created node key", "file", resolve(base, cfg.NodeKey), "node_id", p2p.ID())
	}

	bridge, stopBridge, err := blockFeed(wsrv, store, gen.ChainID, reg)
	if err != nil {
		return err
	}
	defer stopBridge()
	ecfg := node.DefaultConfig()
	ecfg.BlockTime, ecfg.MinBlockInterval, ecfg.WriteBehind = cfg.BlockTime, cfg.MinBlockInterval, cfg.WriteBehind
	ecfg.Mempool.MaxTxs, ecfg.Mempool.MaxBytes = cfg.MempoolMaxTxs, cfg.MempoolMaxBytes
	ecfg.Version = version
	gsp, clock, err := wireMisbehave(mode, p2p, validatorKey, gen, log)
	if err != nil {
		return err
	}
	deps := node.Deps{Genesis: gen, Store: store, Index: idx, Publish: rpc.NewSigningWatch(bridge, signerIndex(gen, signer), reg),
		Verifier: batcher, Log: log, Metrics: metrics.New(reg), GPU: sv.health, Gossip: gsp, Clock: clock}
	if signer != nil {
		deps.Signer, deps.WAL = signer, wlog
	}
	nd, err := node.New(ecfg, deps)
	if err != nil {
		return err
	}
	observability.RegisterNodeGauges(reg, nodeGauges(cfg, nd))

	rcfg := rpc.DefaultConfig()
	rcfg.MaxBodyBytes, rcfg.MaxBatchBodyBytes = cfg.RPCMaxBodyBytes, cfg.RPCMaxBatchBytes
	rcfg.RateLimit, rcfg.RateBurst, rcfg.MaxConnsPerAddr = float64(cfg.RPCRateLimit), cfg.RPCRateBurst, cfg.RPCMaxConnsPerAddr
	api := rpc.NewServer(nd, rcfg, rpc.NewMetrics(reg), log.With("component", "rpc"))
	switch {
	case sqlIndex != nil: // issue #4: the query routes read the SQL index
		api.SetIndex(sqlIndex)
	case cfg.DatabaseURL == "": // off by configuration (a validator's default): 501, not 503
		api.DisableIndex()
	}
	rpcLn, err := net.Listen("tcp", net.JoinHostPort(cfg.RPCHost, strconv.Itoa(cfg.RPCPort)))
	if err != nil {
		return fmt.Errorf("RPC_PORT: %w", err)
	}
	metricsLn, err := net.Listen("tcp", net.JoinHostPort(cfg.MetricsHost, strconv.Itoa(cfg.MetricsPort)))
	if err != nil {
		rpcLn.Close()
		return fmt.Errorf("METRICS_PORT: %w", err)
	}
	if err := wsrv.Start(); err != nil {
		rpcLn.Close()
		metricsLn.Close()
		return fmt.Errorf("WS_PORT: %w", err)
	}
	if err := p2p.Start(nd); err != nil {
		rpcLn.Close()
		metricsLn.Close()
		return fmt.Errorf("P2P_PORT: %w", err)
	}
	rpcSrv := api.HTTPServer()
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", observability.MetricsHandler(reg))
	if cfg.Pprof {
		handlePprof(mux)
		log.Warn("PPROF is set: /debug/pprof/ is served on the metrics listener", "metrics", metricsLn.Addr().String())
	}
	metricsSrv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go serve(rpcSrv, rpcLn, log)
	go serve(metricsSrv, metricsLn, log)

	nd.Start()
	rpcURL := "http://" + rpcLn.Addr().String()
	log.Info("node started", "rpc", rpcURL, "ws", "ws://"+wsrv.Addr()+"/ws", "metrics", "http://"+metricsLn.Addr().String()+"/metrics",
		"p2p", p2p.Addr(), "node_id", p2p.ID(), "peers", len(cfg.Peers),
		"validator", nd.Status().Validator.String(), "sigverify", batcher.Backend())
	if ready != nil {
		ready(rpcURL)
	}

	select {
	case <-ctx.Done():
		log.Info("shutting down")
	case <-nd.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_ = rpcSrv.Shutdown(sctx) // stop taking txs first
	_ = p2p.Close()           // and messages from peers
	nodeErr := nd.Stop()      // then finish the block in flight and drain the indexer
	_ = wsrv.Stop(sctx)
	_ = metricsSrv.Shutdown(sctx)
	if nodeErr != nil {
		return fmt.Errorf("node halted: %w", nodeErr)
	}
	log.Info("stopped", "height", nd.Status().Head.Height)
	return nil
}

// sigverify is the chosen signature backend, its CPU fallback, and where
// the GPU's health comes from.
type sigverify struct {
	primary, fallback gpu.Verifier
	health            func() health.Device
	close             func()
}

// sigverifyBackend picks the signature backend (SIGVERIFY_BACKEND) and, for
// a GPU, starts the NVML health monitor that takes a failing device out of
// service; the CPU verifier is always the fallback.
func sigverifyBackend(ctx context.Context, cfg config.Config, reg *prometheus.Registry, log *slog.Logger) (*sigverify, error) {
	v, why, err := gpu.Choose(gpu.Config{Backend: cfg.SigverifyBackend, CUDA: gpu.DefaultCUDAConfig()})
	if err != nil {
		return nil, fmt.Errorf("SIGVERIFY_BACKEND=%s: %w", cfg.SigverifyBackend, err)
	}
	sv := &sigverify{primary: v, fallback: gpu.NewCPU(0), close: func() {
		if c, ok := v.(io.Closer); ok {
			c.Close()
		}
	}}
	log.Info("signature backend", "backend", v.Name(), "why", why)
	if v.Name() != "cuda" {
		probe := health.Probe(0) // once: this node does not use the GPU
		sv.health = func() health.Device { return probe }
		return sv, nil
	}
	hm := health.NewMonitor(health.Config{Logger: log.With("component", "nvml")}, health.NewMetrics(reg))
	first := hm.Poll()
	sv.health = hm.Last
	if !first.Present {
		return sv, nil // NVML unavailable: CUDA errors still trigger the fallback
	}
	go hm.Run(ctx)
	sv.primary = gpu.NewGuarded(v, hm.Healthy)
	return sv, nil
}

// minGPUBatch returns the batcher's MinPrimaryBatch: 0 (everything to the
// primary) for the CPU backend, GPU_MIN_BATCH when set, and otherwise the
// crossover measured here and now between the GPU and the CPU over the
// batch sizes up to GPU_BATCH_SIZE. A GPU that fails the measurement, or
// never catches up with the CPU, is not used: the CPU becomes the primary.
func (sv *sigverify) minGPUBatch(ctx context.Context, cfg config.Config, log *slog.Logger) int {
	if sv.primary.Name() != "cuda" {
		return 0
	}
	if cfg.GPUMinBatch > 0 {
		log.Info("GPU minimum batch configured", "gpu_min_batch", cfg.GPUMinBatch)
		return cfg.GPUMinBatch
	}
	var sizes []int
	for _, s := range gpu.DefaultCrossoverSizes {
		if s < cfg.GPUBatchSize {
			sizes = append(sizes, s)
		}
	}
	sizes = append(sizes, cfg.GPUBatchSize)
	t0 := time.Now()
	res, err := gpu.Crossover(ctx, sv.primary, sv.fallback, gpu.CrossoverConfig{Sizes: sizes})
	if err != nil {
		log.Warn("GPU crossover measurement failed: the CPU verifies every batch", "err", err)
		sv.primary = sv.fallback
		return 0
	}
	table := make([]string, len(res.Points))
	for i, p := range res.Points {
		table[i] = fmt.Sprintf("%d:%.0f/%.0f", p.Batch, p.Primary, p.Fallback)
	}
	if !res.Found {
		log.Warn("the GPU is slower than the CPU at GPU_BATCH_SIZE: the CPU verifies every batch (raise GPU_BATCH_SIZE or set SIGVERIFY_BACKEND=cpu)",
			"gpu_batch_size", cfg.GPUBatchSize, "batch:gpu/cpu_per_s", strings.Join(table, " "))
		sv.primary = sv.fallback
		return 0
	}
	log.Info("GPU crossover measured: smaller batches go to the CPU", "gpu_min_batch", res.Batch,
		"batch:gpu/cpu_per_s", strings.Join(table, " "), "took", time.Since(t0).Round(time.Millisecond))
	return res.Batch
}

func serve(s *http.Server, ln net.Listener, log *slog.Logger) {
	if err := s.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Error("http server", "addr", ln.Addr().String(), "err", err)
	}
}

func validatorHasAddress(g *types.Genesis, pk bls.PublicKey, addr types.Address) bool {
	for _, a := range g.Authorities {
		if a.Address == addr && string(a.BLSPubKey) == string(pk[:]) {
			return true
		}
	}
	return false
}

// relativeSQLite returns the path of a sqlite://relative/path URL.
func relativeSQLite(url string) (string, bool) {
	const p = "sqlite://"
	if len(url) > len(p) && url[:len(p)] == p && url[len(p)] != '/' && url[len(p):] != ":memory:" {
		return url[len(p):], true
	}
	return "", false
}
