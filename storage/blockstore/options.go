package blockstore

import (
	"fmt"
	"log/slog"
	"strings"

	"github.com/dgraph-io/badger/v4"

	"aitbc/engine/types"
)

// Options configures a Store. Start from DefaultOptions: the zero value
// has SyncWrites off.
type Options struct {
	// Dir is the Badger data directory (created if missing).
	Dir string
	// SyncWrites fsyncs every commit before Commit returns. DefaultOptions
	// turns it on; without it a power loss can drop the last commits
	// (a process crash cannot: Badger's log is written before returning).
	SyncWrites bool
	// Logger receives Badger's warnings and errors and the store's own
	// messages; nil discards them.
	Logger *slog.Logger
	// InMemory keeps everything in memory (tests only); Dir must be empty.
	// Badger then refuses values over 1 MiB, so blocks that encode larger
	// fail with ErrBlockTooLarge.
	InMemory bool
	// Metrics receives commit figures; nil means NopMetrics().
	Metrics *Metrics
}

// DefaultOptions is a durable on-disk store in dir.
func DefaultOptions(dir string) Options {
	return Options{Dir: dir, SyncWrites: true}
}

// Validate names the first offending field.
func (o Options) Validate() error {
	switch {
	case o.InMemory && o.Dir != "":
		return fmt.Errorf("%w: Dir must be empty with InMemory", ErrBadOptions)
	case !o.InMemory && o.Dir == "":
		return fmt.Errorf("%w: Dir is required", ErrBadOptions)
	}
	return nil
}

// MaxAccountUpdates is the most account updates one block may carry:
// sender and recipient of every tx plus a margin for proposer and
// validator rewards. It and types.MaxBlockTxs size the Badger transaction.
const MaxAccountUpdates = 2*types.MaxBlockTxs + 1024

// MaxReceipts is the most claimed job hashes one block may carry: one per
// tx. (A claim changes at most the miner and the proposer, so a real block
// never reaches MaxAccountUpdates and MaxReceipts together; the budget
// counts both anyway.)
const MaxReceipts = types.MaxBlockTxs

// memTableSize is chosen so that a block at the protocol limits fits in
// one Badger transaction, whose limits are 15% of the memtable size in
// bytes and that divided by the skiplist node size (96 bytes on 64-bit) in
// entries. 128 MiB gives about 209k entries and 19 MiB; the worst block
// needs about 201k entries and 12 MiB (see txnBudget).
const memTableSize = 128 << 20

// skiplistNodeSize is skl.MaxNodeSize on 64-bit platforms; Badger divides
// the batch size by it to get the entry limit.
const skiplistNodeSize = 96

// txnBudget is the worst-case entry count and estimated size (Badger's own
// estimate: key + value + 2 meta bytes + 10 version bytes; values at or over
// the value threshold count as a 12-byte pointer) of one commit.
func txnBudget() (entries, size int64) {
	const perEntry = 2 + 10
	const valueThreshold = 1 << 20
	entries = types.MaxBlockTxs + MaxAccountUpdates + MaxReceipts + 4
	size = int64(types.MaxBlockTxs*(1+types.HashLen+locationLen+perEntry) +
		MaxAccountUpdates*(1+types.AddressLen+accountLen+perEntry) +
		MaxReceipts*(1+types.HashLen+locationLen+perEntry) +
		(heightKeyLen + valueThreshold + perEntry) + // block, counted inline at the threshold
		(heightKeyLen + 8 + types.HashLen + 4 + types.MaxValidators/8 + types.BLSSigLen + perEntry) + // cert
		(1 + types.HashLen + heightLen + perEntry) + // height by hash
		(len("mhead") + headLen + perEntry))
	return entries, size
}

// txnLimits are Badger's limits for a memtable of memTableSize.
func txnLimits() (entries, size int64) {
	size = 15 * memTableSize / 100
	return size / skiplistNodeSize, size
}

func (o Options) badger(log *slog.Logger) badger.Options {
	bo := badger.DefaultOptions(o.Dir)
	if o.InMemory {
		bo = badger.DefaultOptions("").WithInMemory(true)
	}
	return bo.
		WithSyncWrites(o.SyncWrites).
		WithLogger(badgerLogger{log}).
		WithMemTableSize(memTableSize).
		// Commits are serialised by the store, so Badger's read-write
		// conflict tracking would only cost memory.
		WithDetectConflicts(false).
		// Badger's expvar metrics are process-global; ours go through Metrics.
		WithMetricsEnabled(false).
		// Two compactors (Badger's least; the default is four) keep up
		// with a chain's few kilobytes a block many times over, and each
		// one wakes every 50 ms to pick levels: about 6 % of an idle
		// devnet's CPU with four.
		WithNumCompactors(2)
}

// badgerLogger routes Badger's warnings and errors to slog and drops its
// info and debug chatter (compaction and replay progress).
type badgerLogger struct{ l *slog.Logger }

func (b badgerLogger) Errorf(f string, a ...any) {
	b.l.Error(strings.TrimSpace(fmt.Sprintf(f, a...)), "component", "badger")
}

func (b badgerLogger) Warningf(f string, a ...any) {
	b.l.Warn(strings.TrimSpace(fmt.Sprintf(f, a...)), "component", "badger")
}

func (badgerLogger) Infof(string, ...any)  {}
func (badgerLogger) Debugf(string, ...any) {}
