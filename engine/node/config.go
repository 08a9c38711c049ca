package node

import (
	"fmt"
	"time"

	"aitbc/engine/blocksync"
	"aitbc/engine/indexer"
	"aitbc/engine/mempool"
)

// Config tunes the pipeline. Chain rules live in the genesis, not here.
type Config struct {
	// TickInterval is the consensus clock: one Tick per interval.
	TickInterval time.Duration
	// BlockTime is the target interval between commits (BLOCK_TIME); with
	// MinBlockInterval set it is the longest interval (an idle chain's).
	BlockTime time.Duration
	// MinBlockInterval (MIN_BLOCK_INTERVAL), when > 0, makes blocks
	// responsive: after a commit the next height starts as soon as this
	// much time has passed and txs are waiting (or the next proposal has
	// arrived), instead of after BlockTime. 0: every height waits
	// BlockTime.
	MinBlockInterval time.Duration
	// WriteBehind (WRITE_BEHIND) has Node write each decided block to the
	// store on a goroutine of its own while the loop goes on with the next
	// height (write.go, ADR 014); off, the loop writes it before going on.
	// Off by default: on the benchmark machine (two cores, one disk) it
	// was slower (ADR 014).
	WriteBehind bool
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

	// The peer side; unused without a Gossip transport.

	// PeerInbox bounds the consensus messages from peers waiting for the
	// loop; past it they are dropped (counted): validators re-send theirs
	// while a round is stuck.
	PeerInbox int
	// PeerTxQueue bounds the tx batches from peers waiting for admission;
	// past it a batch is dropped (txs are best effort).
	PeerTxQueue int
	// PeerTxWorkers is how many goroutines admit peer tx batches (each
	// batch's signatures go to the batcher in one call).
	PeerTxWorkers int
	// TxRelayQueue bounds admitted txs waiting to be relayed to peers.
	TxRelayQueue int
	// TxRelayInterval is the longest an admitted tx waits for its relay
	// batch to fill (a batch leaves at once when it reaches MaxGossipTxs).
	TxRelayInterval time.Duration
	// Config is block sync's part: StatusInterval, PeerTTL, MaxPeers,
	// SyncTimeout, SyncBackoff, SyncGrace (blocksync.Config documents them).
	blocksync.Config
}

// DefaultConfig is a one-second block time with default bounds.
func DefaultConfig() Config {
	return Config{
		TickInterval: 10 * time.Millisecond,
		BlockTime:    time.Second,
		Mempool:      mempool.DefaultConfig(),
		IndexBatch:   indexer.DefaultBatch,
		IndexQueue:   1024,
		VerdictCache: 1 << 18,
		Version:      "dev",

		PeerInbox:       4096,
		PeerTxQueue:     64,
		PeerTxWorkers:   2,
		TxRelayQueue:    16384,
		TxRelayInterval: 5 * time.Millisecond,
		Config: blocksync.Config{
			StatusInterval: time.Second,
			PeerTTL:        10 * time.Second,
			MaxPeers:       256,
			SyncTimeout:    2 * time.Second,
			SyncBackoff:    10 * time.Second,
			SyncGrace:      250 * time.Millisecond,
		},
	}
}

// Validate names the first bad field.
func (c Config) Validate() error {
	for _, f := range []struct {
		name string
		v    int64
	}{
		{"TickInterval", int64(c.TickInterval)}, {"IndexBatch", int64(c.IndexBatch)}, {"IndexQueue", int64(c.IndexQueue)},
		{"VerdictCache", int64(c.VerdictCache)}, {"PeerInbox", int64(c.PeerInbox)}, {"PeerTxQueue", int64(c.PeerTxQueue)},
		{"PeerTxWorkers", int64(c.PeerTxWorkers)}, {"TxRelayQueue", int64(c.TxRelayQueue)},
		{"TxRelayInterval", int64(c.TxRelayInterval)}, {"StatusInterval", int64(c.StatusInterval)},
		{"MaxPeers", int64(c.MaxPeers)}, {"SyncTimeout", int64(c.SyncTimeout)},
	} {
		if f.v <= 0 {
			return fmt.Errorf("node: %s must be > 0", f.name)
		}
	}
	switch {
	case c.MinBlockInterval < 0 || c.MinBlockInterval > c.BlockTime:
		return fmt.Errorf("node: MinBlockInterval %v must be 0..BlockTime %v", c.MinBlockInterval, c.BlockTime)
	case c.BlockTime < c.TickInterval:
		return fmt.Errorf("node: BlockTime %v must be >= TickInterval %v", c.BlockTime, c.TickInterval)
	case c.PeerTTL <= c.StatusInterval:
		return fmt.Errorf("node: PeerTTL %v must be > StatusInterval %v, or live peers expire between announcements", c.PeerTTL, c.StatusInterval)
	case c.SyncBackoff < 0:
		return fmt.Errorf("node: SyncBackoff must be >= 0")
	case c.SyncGrace < 0:
		return fmt.Errorf("node: SyncGrace must be >= 0")
	}
	if err := c.Mempool.Validate(); err != nil {
		return fmt.Errorf("node: mempool: %w", err)
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
