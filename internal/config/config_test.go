package config

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestDefaultValid(t *testing.T) {
	c := DefaultConfig()
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
}

func TestValidateNamesKey(t *testing.T) {
	cases := []struct {
		key string
		mut func(*Config)
	}{
		{"RPC_PORT", func(c *Config) { c.RPCPort = 70000 }},
		{"WS_PORT", func(c *Config) { c.WSPort = c.RPCPort }},
		{"RPC_HOST", func(c *Config) { c.RPCHost = "not a host" }},
		{"CONSENSUS_MODE", func(c *Config) { c.ConsensusMode = "pow" }},
		{"BLOCK_TIME", func(c *Config) { c.BlockTime = time.Millisecond }},
		{"MIN_BLOCK_INTERVAL", func(c *Config) { c.MinBlockInterval = 2 * c.BlockTime }},
		{"MIN_BLOCK_INTERVAL", func(c *Config) { c.MinBlockInterval = -time.Millisecond }},
		{"LOG_LEVEL", func(c *Config) { c.LogLevel = "loud" }},
		{"DATABASE_URL", func(c *Config) { c.DatabaseURL, c.IndexRequired = "mysql://x", true }},
		{"INDEX_REQUIRED", func(c *Config) { c.DatabaseURL, c.IndexRequired = "", true }},
		{"SIGVERIFY_BACKEND", func(c *Config) { c.SigverifyBackend = "fpga" }},
		{"GPU_BATCH_SIZE", func(c *Config) { c.GPUBatchSize = 0 }},
		{"GPU_BATCH_WAIT", func(c *Config) { c.GPUBatchWait = 0 }},
		{"GPU_MIN_BATCH", func(c *Config) { c.GPUMinBatch = -1 }},
		{"GPU_MIN_BATCH", func(c *Config) { c.GPUMinBatch = c.GPUBatchSize + 1 }},
		{"PEERS", func(c *Config) { c.Peers = []string{"nohostport"} }},
		{"PEERS", func(c *Config) { c.Peers = []string{"abcd@127.0.0.1:9070"} }},
		{"P2P_ALLOW", func(c *Config) { c.P2PAllow = []string{"not-a-node-id"} }},
		{"P2P_HOST", func(c *Config) { c.P2PHost = "example" }},
		{"NODE_KEY", func(c *Config) { c.NodeKey = "" }},
		{"CHAIN_ID", func(c *Config) { c.ChainID = "" }},
		{"DATA_DIR", func(c *Config) { c.DataDir = "" }},
		{"METRICS_HOST", func(c *Config) { c.MetricsHost = "" }},
		{"METRICS_HOST", func(c *Config) { c.MetricsHost = "metrics.example" }},
		{"RPC_RATE_LIMIT", func(c *Config) { c.RPCRateLimit = -1 }},
		{"RPC_RATE_LIMIT", func(c *Config) { c.RPCRateLimit = 2_000_000 }},
		{"RPC_RATE_BURST", func(c *Config) { c.RPCRateBurst = 0 }},
		{"RPC_MAX_CONNS_PER_ADDR", func(c *Config) { c.RPCMaxConnsPerAddr = 0 }},
		{"WS_MAX_CONNS_PER_ADDR", func(c *Config) { c.WSMaxConnsPerAddr = 0 }},
		{"RPC_MAX_BATCH_BYTES", func(c *Config) { c.RPCMaxBatchBytes = 1023 }},
		{"RPC_MAX_BATCH_BYTES", func(c *Config) { c.RPCMaxBatchBytes = 64<<20 + 1 }},
		{"WS_MAX_CONNS_PER_ADDR", func(c *Config) { c.WSMaxConnsPerAddr = 1 << 20 }},
	}
	for _, tc := range cases {
		c := DefaultConfig()
		tc.mut(&c)
		err := c.Validate()
		if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tc.key) {
			t.Errorf("%s: got %v, want an ErrInvalid naming the key", tc.key, err)
		}
	}
}

// TestMetricsPrivateByDefault: /metrics is not exposed beyond the host
// unless the operator says so, whatever RPC_HOST is.
func TestMetricsPrivateByDefault(t *testing.T) {
	if h := DefaultConfig().MetricsHost; h != "127.0.0.1" {
		t.Fatalf("default METRICS_HOST %q, want 127.0.0.1", h)
	}
}

func TestLayering(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "node.toml")
	if err := os.WriteFile(file, []byte("rpc_port = 9180\nws_port = 9181\nblock_time = \"500ms\"\nlog_level = \"debug\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("RPC_PORT", "9280")
	t.Setenv("PEERS", "127.0.0.1:1, 127.0.0.1:2")
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	var scratch Config
	scratch.RegisterFlags(fs)
	if err := fs.Parse([]string{"--rpc-port", "9380"}); err != nil {
		t.Fatal(err)
	}
	c, err := Load(file, fs)
	if err != nil {
		t.Fatal(err)
	}
	if c.RPCPort != 9380 { // flag beats env beats file
		t.Errorf("RPCPort = %d, want the flag's 9380", c.RPCPort)
	}
	if c.WSPort != 9181 || c.BlockTime != 500*time.Millisecond || c.LogLevel != "debug" {
		t.Errorf("file values not applied: %+v", c)
	}
	if len(c.Peers) != 2 || c.Peers[1] != "127.0.0.1:2" {
		t.Errorf("Peers = %q", c.Peers)
	}
}

func TestFileUnknownKeyAndBadEnv(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "node.toml")
	os.WriteFile(file, []byte("rpc_prot = 1\n"), 0o600)
	if _, err := Load(file, nil); err == nil || !strings.Contains(err.Error(), "rpc_prot") {
		t.Errorf("unknown key: got %v", err)
	}
	t.Setenv("BLOCK_TIME", "soon")
	if _, err := Load("", nil); err == nil || !strings.Contains(err.Error(), "BLOCK_TIME") {
		t.Errorf("bad env: got %v", err)
	}
}

// Without INDEX_REQUIRED a DATABASE_URL that does not parse is not a config
// error: the node starts without the index and logs why.
func TestBadDatabaseURLOnlyFatalWhenRequired(t *testing.T) {
	c := DefaultConfig()
	c.DatabaseURL = "mysql://x"
	if err := c.Validate(); err != nil {
		t.Fatalf("Validate = %v", err)
	}
}

func TestIndexRequiredFromEnvAndFlag(t *testing.T) {
	t.Setenv("INDEX_REQUIRED", "true")
	c, err := Load("", nil)
	if err != nil || !c.IndexRequired {
		t.Fatalf("INDEX_REQUIRED=true: %+v, %v", c.IndexRequired, err)
	}
	t.Setenv("INDEX_REQUIRED", "maybe")
	if _, err := Load("", nil); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "INDEX_REQUIRED") {
		t.Fatalf("INDEX_REQUIRED=maybe: %v", err)
	}
	t.Setenv("INDEX_REQUIRED", "false")
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	var scratch Config
	scratch.RegisterFlags(fs)
	if err := fs.Parse([]string{"--index-required"}); err != nil {
		t.Fatal(err)
	}
	c, err = Load("", fs)
	if err != nil || !c.IndexRequired {
		t.Fatalf("--index-required: %+v, %v", c.IndexRequired, err)
	}
}
