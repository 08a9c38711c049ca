package config

import (
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	"aitbc/netio/gossip"
)

// Config is everything `aitbcd start` reads. The toml tag is the key in the
// config file; env is the environment variable; flag is the command-line flag.
type Config struct {
	ChainID            string        `toml:"chain_id" env:"CHAIN_ID" flag:"chain-id" help:"chain id; must match the genesis"`
	GenesisFile        string        `toml:"genesis_file" env:"GENESIS_FILE" flag:"genesis" help:"path of genesis.json"`
	DataDir            string        `toml:"data_dir" env:"DATA_DIR" flag:"data-dir" help:"Badger block store directory"`
	DatabaseURL        string        `toml:"database_url" env:"DATABASE_URL" flag:"database-url" help:"SQL index: sqlite:///path.db or postgres://user:pass@host:5432/db (empty: no index)"`
	IndexRequired      bool          `toml:"index_required" env:"INDEX_REQUIRED" flag:"index-required" help:"refuse to start when the SQL index cannot be opened (default: start without it)"`
	RPCHost            string        `toml:"rpc_host" env:"RPC_HOST" flag:"rpc-host" help:"REST listen host"`
	RPCPort            int           `toml:"rpc_port" env:"RPC_PORT" flag:"rpc-port" help:"REST listen port"`
	WSPort             int           `toml:"ws_port" env:"WS_PORT" flag:"ws-port" help:"WebSocket listen port (same host as RPC)"`
	MetricsHost        string        `toml:"metrics_host" env:"METRICS_HOST" flag:"metrics-host" help:"Prometheus /metrics listen host (0.0.0.0 exposes it to every network)"`
	MetricsPort        int           `toml:"metrics_port" env:"METRICS_PORT" flag:"metrics-port" help:"Prometheus /metrics port"`
	P2PHost            string        `toml:"p2p_host" env:"P2P_HOST" flag:"p2p-host" help:"gossip listen host"`
	P2PPort            int           `toml:"p2p_port" env:"P2P_PORT" flag:"p2p-port" help:"gossip listen port (0: do not listen, only dial PEERS)"`
	Peers              []string      `toml:"peers" env:"PEERS" flag:"peers" help:"comma-separated NODEID@host:port of peers to dial (validators: every other validator); a bare host:port accepts any node there (devnet)"`
	P2PAllow           []string      `toml:"p2p_allow" env:"P2P_ALLOW" flag:"p2p-allow" help:"comma-separated node ids allowed to connect inbound, besides those pinned in PEERS (empty: any node of the chain)"`
	NodeKey            string        `toml:"node_key" env:"NODE_KEY" flag:"node-key" help:"Ed25519 node key file that identifies this node to peers (created if missing)"`
	ConsensusMode      string        `toml:"consensus_mode" env:"CONSENSUS_MODE" flag:"consensus-mode" help:"poa | pos | hybrid, or empty for the genesis's mode; when set it must match the genesis"`
	ValidatorAddress   string        `toml:"validator_address" env:"VALIDATOR_ADDRESS" flag:"validator-address" help:"this validator's account address (ait1… or 0x…); checked against the key"`
	ValidatorKey       string        `toml:"validator_key" env:"VALIDATOR_KEY" flag:"validator-key" help:"BLS validator key file (empty: full node, no voting)"`
	BlockTime          time.Duration `toml:"block_time" env:"BLOCK_TIME" flag:"block-time" help:"target interval between blocks (the longest, with min_block_interval)"`
	MinBlockInterval   time.Duration `toml:"min_block_interval" env:"MIN_BLOCK_INTERVAL" flag:"min-block-interval" help:"responsive blocks: start the next height this long after a commit when txs wait (0: wait block_time)"`
	WriteBehind        bool          `toml:"write_behind" env:"WRITE_BEHIND" flag:"write-behind" help:"write each block to the store beside the next height instead of before it (ADR 014)"`
	LogLevel           string        `toml:"log_level" env:"LOG_LEVEL" flag:"log-level" help:"debug | info | warn | error"`
	LogFormat          string        `toml:"log_format" env:"LOG_FORMAT" flag:"log-format" help:"json | text"`
	SigverifyBackend   string        `toml:"sigverify_backend" env:"SIGVERIFY_BACKEND" flag:"sigverify-backend" help:"auto | cpu | cuda"`
	GPUBatchSize       int           `toml:"gpu_batch_size" env:"GPU_BATCH_SIZE" flag:"gpu-batch-size" help:"signature batch flush size"`
	GPUBatchWait       time.Duration `toml:"gpu_batch_wait" env:"GPU_BATCH_WAIT" flag:"gpu-batch-wait" help:"signature batch flush age"`
	GPUMinBatch        int           `toml:"gpu_min_batch" env:"GPU_MIN_BATCH" flag:"gpu-min-batch" help:"smallest batch sent to the GPU (smaller ones go to the CPU); 0 = measure the crossover at start"`
	MempoolMaxTxs      int           `toml:"mempool_max_txs" env:"MEMPOOL_MAX_TXS" flag:"mempool-max-txs" help:"mempool capacity in txs"`
	MempoolMaxBytes    int           `toml:"mempool_max_bytes" env:"MEMPOOL_MAX_BYTES" flag:"mempool-max-bytes" help:"mempool capacity in bytes"`
	RPCMaxBodyBytes    int64         `toml:"rpc_max_body_bytes" env:"RPC_MAX_BODY_BYTES" flag:"rpc-max-body-bytes" help:"largest accepted request body"`
	RPCMaxBatchBytes   int64         `toml:"rpc_max_batch_bytes" env:"RPC_MAX_BATCH_BYTES" flag:"rpc-max-batch-bytes" help:"largest accepted POST /rpc/send_txs body (a batch of up to 4096 txs)"`
	Pprof              bool          `toml:"pprof" env:"PPROF" flag:"pprof" help:"serve Go's /debug/pprof/ profiles on the metrics listener (off by default: a profile costs CPU and shows internals)"`
	WSMaxConns         int           `toml:"ws_max_conns" env:"WS_MAX_CONNS" flag:"ws-max-conns" help:"WebSocket connection limit"`
	WSMaxConnsPerAddr  int           `toml:"ws_max_conns_per_addr" env:"WS_MAX_CONNS_PER_ADDR" flag:"ws-max-conns-per-addr" help:"WebSocket connections one source address may hold (IPv6: per /64)"`
	RPCRateLimit       int           `toml:"rpc_rate_limit" env:"RPC_RATE_LIMIT" flag:"rpc-rate-limit" help:"REST requests per second per source address (IPv6: per /64); 0 = no limit"`
	RPCRateBurst       int           `toml:"rpc_rate_burst" env:"RPC_RATE_BURST" flag:"rpc-rate-burst" help:"REST requests an idle source address may make at once"`
	RPCMaxConnsPerAddr int           `toml:"rpc_max_conns_per_addr" env:"RPC_MAX_CONNS_PER_ADDR" flag:"rpc-max-conns-per-addr" help:"REST connections one source address may hold open (IPv6: per /64)"`
}

// DefaultConfig is a validator on the default ports with a one-second block time.
func DefaultConfig() Config {
	return Config{
		ChainID:            "aitbc-devnet",
		GenesisFile:        "genesis.json",
		DataDir:            "data",
		DatabaseURL:        "sqlite://index.db",
		RPCHost:            "0.0.0.0",
		RPCPort:            9080,
		WSPort:             9081,
		MetricsHost:        "127.0.0.1",
		MetricsPort:        9090,
		P2PHost:            "0.0.0.0",
		P2PPort:            9070,
		NodeKey:            "node.key",
		ConsensusMode:      "",
		BlockTime:          2 * time.Second,
		MinBlockInterval:   10 * time.Millisecond,
		LogLevel:           "info",
		LogFormat:          "json",
		SigverifyBackend:   "auto",
		GPUBatchSize:       256,
		GPUBatchWait:       2 * time.Millisecond,
		MempoolMaxTxs:      50000,
		MempoolMaxBytes:    64 << 20,
		RPCMaxBodyBytes:    64 << 10,
		RPCMaxBatchBytes:   8 << 20,
		WSMaxConns:         1024,
		WSMaxConnsPerAddr:  64,
		RPCRateLimit:       100,
		RPCRateBurst:       200,
		RPCMaxConnsPerAddr: 128,
	}
}

// ErrInvalid wraps every validation failure.
var ErrInvalid = errors.New("invalid config")

// Validate checks every field and names the first bad key (its env name).
func (c *Config) Validate() error {
	bad := func(key, format string, a ...any) error {
		return fmt.Errorf("%w: %s: %s", ErrInvalid, key, fmt.Sprintf(format, a...))
	}
	if c.ChainID == "" {
		return bad("CHAIN_ID", "must not be empty")
	}
	if c.GenesisFile == "" {
		return bad("GENESIS_FILE", "must not be empty")
	}
	if c.DataDir == "" {
		return bad("DATA_DIR", "must not be empty")
	}
	// A DATABASE_URL that does not parse only disables the index (the node
	// logs why), unless the index is required.
	if c.IndexRequired && c.DatabaseURL == "" {
		return bad("INDEX_REQUIRED", "set, but DATABASE_URL is empty")
	}
	if c.IndexRequired && !strings.HasPrefix(c.DatabaseURL, "sqlite:") && !strings.HasPrefix(c.DatabaseURL, "postgres://") && !strings.HasPrefix(c.DatabaseURL, "postgresql://") {
		return bad("DATABASE_URL", "want sqlite:///path, sqlite://relative/path or postgres://… (INDEX_REQUIRED is set)")
	}
	if c.RPCHost == "" || (net.ParseIP(c.RPCHost) == nil && c.RPCHost != "localhost") {
		return bad("RPC_HOST", "%q is not an IP address or localhost", c.RPCHost)
	}
	if c.MetricsHost == "" || (net.ParseIP(c.MetricsHost) == nil && c.MetricsHost != "localhost") {
		return bad("METRICS_HOST", "%q is not an IP address or localhost", c.MetricsHost)
	}
	if c.P2PHost == "" || (net.ParseIP(c.P2PHost) == nil && c.P2PHost != "localhost") {
		return bad("P2P_HOST", "%q is not an IP address or localhost", c.P2PHost)
	}
	if c.NodeKey == "" {
		return bad("NODE_KEY", "must not be empty")
	}
	ports := map[int]string{}
	for _, p := range []struct {
		key string
		v   int
	}{{"RPC_PORT", c.RPCPort}, {"WS_PORT", c.WSPort}, {"METRICS_PORT", c.MetricsPort}, {"P2P_PORT", c.P2PPort}} {
		if p.v < 0 || p.v > 65535 {
			return bad(p.key, "%d is not a port (0..65535)", p.v)
		}
		if other, ok := ports[p.v]; ok && p.v != 0 {
			return bad(p.key, "port %d is already used by %s", p.v, other)
		}
		ports[p.v] = p.key
	}
	for i, p := range c.Peers {
		if _, err := gossip.ParsePeer(p); err != nil {
			return bad("PEERS", "entry %d %q: %v (want NODEID@host:port or host:port)", i, p, err)
		}
	}
	for i, id := range c.P2PAllow {
		if _, err := gossip.ParseNodeID(id); err != nil {
			return bad("P2P_ALLOW", "entry %d: %v", i, err)
		}
	}
	switch c.ConsensusMode {
	case "", "poa", "pos", "hybrid":
	default:
		return bad("CONSENSUS_MODE", "%q: want poa, pos or hybrid", c.ConsensusMode)
	}
	if c.BlockTime < 50*time.Millisecond || c.BlockTime > time.Minute {
		return bad("BLOCK_TIME", "%v: want 50ms..1m", c.BlockTime)
	}
	if c.MinBlockInterval < 0 || c.MinBlockInterval > c.BlockTime {
		return bad("MIN_BLOCK_INTERVAL", "%v: want 0..BLOCK_TIME (%v)", c.MinBlockInterval, c.BlockTime)
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		return bad("LOG_LEVEL", "%q: want debug, info, warn or error", c.LogLevel)
	}
	switch c.LogFormat {
	case "json", "text":
	default:
		return bad("LOG_FORMAT", "%q: want json or text", c.LogFormat)
	}
	switch c.SigverifyBackend {
	case "auto", "cpu", "cuda":
	default:
		return bad("SIGVERIFY_BACKEND", "%q: want auto, cpu or cuda", c.SigverifyBackend)
	}
	if c.GPUBatchSize < 1 || c.GPUBatchSize > 65536 {
		return bad("GPU_BATCH_SIZE", "%d: want 1..65536", c.GPUBatchSize)
	}
	if c.GPUMinBatch < 0 || c.GPUMinBatch > c.GPUBatchSize {
		return bad("GPU_MIN_BATCH", "%d: want 0 (measure) or 1..GPU_BATCH_SIZE (%d)", c.GPUMinBatch, c.GPUBatchSize)
	}
	if c.GPUBatchWait <= 0 || c.GPUBatchWait > time.Second {
		return bad("GPU_BATCH_WAIT", "%v: want >0 and <= 1s", c.GPUBatchWait)
	}
	if c.MempoolMaxTxs < 1 {
		return bad("MEMPOOL_MAX_TXS", "%d: want >= 1", c.MempoolMaxTxs)
	}
	if c.MempoolMaxBytes < 1<<16 {
		return bad("MEMPOOL_MAX_BYTES", "%d: want >= 65536", c.MempoolMaxBytes)
	}
	if c.RPCMaxBodyBytes < 1024 || c.RPCMaxBodyBytes > 16<<20 {
		return bad("RPC_MAX_BODY_BYTES", "%d: want 1024..16777216", c.RPCMaxBodyBytes)
	}
	if c.RPCMaxBatchBytes < 1024 || c.RPCMaxBatchBytes > 64<<20 {
		return bad("RPC_MAX_BATCH_BYTES", "%d: want 1024..67108864", c.RPCMaxBatchBytes)
	}
	if c.WSMaxConns < 1 {
		return bad("WS_MAX_CONNS", "%d: want >= 1", c.WSMaxConns)
	}
	if c.WSMaxConnsPerAddr < 1 || c.WSMaxConnsPerAddr > 65536 {
		return bad("WS_MAX_CONNS_PER_ADDR", "%d: want 1..65536", c.WSMaxConnsPerAddr)
	}
	if c.RPCRateLimit < 0 || c.RPCRateLimit > 1_000_000 {
		return bad("RPC_RATE_LIMIT", "%d: want 0 (off)..1000000 requests/s", c.RPCRateLimit)
	}
	if c.RPCRateBurst < 1 || c.RPCRateBurst > 1_000_000 {
		return bad("RPC_RATE_BURST", "%d: want 1..1000000", c.RPCRateBurst)
	}
	if c.RPCMaxConnsPerAddr < 1 || c.RPCMaxConnsPerAddr > 65536 {
		return bad("RPC_MAX_CONNS_PER_ADDR", "%d: want 1..65536", c.RPCMaxConnsPerAddr)
	}
	return nil
}
