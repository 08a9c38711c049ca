package node

import (
	"strings"
	"testing"
	"time"
)

// TestConfigValidateNamesField: every bound the pipeline relies on is
// checked and the error names the field.
func TestConfigValidateNamesField(t *testing.T) {
	if err := DefaultConfig().Validate(); err != nil {
		t.Fatalf("defaults: %v", err)
	}
	for _, tc := range []struct {
		field string
		mut   func(*Config)
	}{
		{"TickInterval", func(c *Config) { c.TickInterval = 0 }},
		{"BlockTime", func(c *Config) { c.BlockTime = c.TickInterval / 2 }},
		{"IndexBatch", func(c *Config) { c.IndexBatch = 0 }},
		{"IndexQueue", func(c *Config) { c.IndexQueue = -1 }},
		{"VerdictCache", func(c *Config) { c.VerdictCache = 0 }},
		{"PeerInbox", func(c *Config) { c.PeerInbox = 0 }},
		{"PeerTxQueue", func(c *Config) { c.PeerTxQueue = 0 }},
		{"PeerTxWorkers", func(c *Config) { c.PeerTxWorkers = 0 }},
		{"TxRelayQueue", func(c *Config) { c.TxRelayQueue = 0 }},
		{"TxRelayInterval", func(c *Config) { c.TxRelayInterval = 0 }},
		{"StatusInterval", func(c *Config) { c.StatusInterval = 0 }},
		{"PeerTTL", func(c *Config) { c.PeerTTL = c.StatusInterval }},
		{"MaxPeers", func(c *Config) { c.MaxPeers = 0 }},
		{"SyncTimeout", func(c *Config) { c.SyncTimeout = -time.Second }},
		{"SyncBackoff", func(c *Config) { c.SyncBackoff = -1 }},
		{"SyncGrace", func(c *Config) { c.SyncGrace = -1 }},
		{"mempool", func(c *Config) { c.Mempool.MaxTxs = 0 }},
	} {
		c := DefaultConfig()
		tc.mut(&c)
		if err := c.Validate(); err == nil || !strings.Contains(err.Error(), tc.field) {
			t.Errorf("%s: Validate() = %v, want an error naming it", tc.field, err)
		}
	}
}
