package engine

import (
	"fmt"
	"time"

	"aitbc/engine/mempool"
)

// Config tunes the pipeline. Chain rules live in the genesis, not here.
type Config struct {
	// TickInterval is the consensus clock: one Tick per interval.
	TickInterval time.Duration
	// BlockTime is the target interval between commits (BLOCK_TIME).
	BlockTime time.Duration
	// Mempool bounds the pending-tx pool.
	Mempool mempool.Config
	// IndexBatch is the most blocks written to the SQL index in one transaction.
	IndexBatch int
	// IndexQueue bounds committed blocks waiting for the indexer; past it the
	// indexer re-reads blocks from the block store instead of queueing them.
	IndexQueue int
	// VerdictCache is how many verified tx hashes are remembered so a tx
	// checked on admission is not checked again in its block.
	VerdictCache int
	// Version is reported by Status.
	Version string
}

// DefaultConfig is a one-second block time with default bounds.
func DefaultConfig() Config {
	return Config{
		TickInterval: 10 * time.Millisecond,
		BlockTime:    time.Second,
		Mempool:      mempool.DefaultConfig(),
		IndexBatch:   64,
		IndexQueue:   1024,
		VerdictCache: 1 << 18,
		Version:      "dev",
	}
}

// Validate names the first bad field.
func (c Config) Validate() error {
	switch {
	case c.TickInterval <= 0:
		return fmt.Errorf("engine: TickInterval must be > 0")
	case c.BlockTime < c.TickInterval:
		return fmt.Errorf("engine: BlockTime %v must be >= TickInterval %v", c.BlockTime, c.TickInterval)
	case c.IndexBatch <= 0:
		return fmt.Errorf("engine: IndexBatch must be > 0")
	case c.IndexQueue <= 0:
		return fmt.Errorf("engine: IndexQueue must be > 0")
	case c.VerdictCache <= 0:
		return fmt.Errorf("engine: VerdictCache must be > 0")
	}
	if err := c.Mempool.Validate(); err != nil {
		return fmt.Errorf("engine: mempool: %w", err)
	}
	return nil
}

// ticks converts a duration to whole ticks, at least 1.
func (c Config) ticks(d time.Duration) int {
	n := int(d / c.TickInterval)
	if n < 1 {
		n = 1
	}
	return n
}
