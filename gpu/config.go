package gpu

import (
	"fmt"
	"time"
)

// Upper bounds that keep a typo in a config file from allocating gigabytes.
const (
	maxBatchLimit = 1 << 16
	maxQueueLimit = 1 << 24
)

// BatcherConfig tunes a Batcher. A zero field means its default, so
// BatcherConfig{RejectWhenFull: true} is a complete config.
type BatcherConfig struct {
	// MaxBatch is the most items handed to a backend in one VerifyBatch
	// call; a batch is flushed as soon as this many are queued
	// (GPU_BATCH_SIZE). Default 256.
	MaxBatch int
	// MaxWait is how long the oldest queued item may wait for its batch
	// to fill before it is flushed anyway (GPU_BATCH_WAIT). Default 2ms.
	MaxWait time.Duration
	// QueueLen bounds the items waiting to be batched; it must be at
	// least MaxBatch. Default 16384.
	QueueLen int
	// RejectWhenFull: true makes a call that finds no room fail at once
	// with ErrBusy (ingress sheds load); false makes it wait for room or
	// for its ctx.
	RejectWhenFull bool
	// MinPrimaryBatch sends batches with fewer items to the fallback
	// verifier, for a primary (a GPU) whose fixed cost per call outweighs
	// a small batch. 0 = always the primary.
	MinPrimaryBatch int
	// HoldWhenIdle turns off the adaptive flush: normally a batch leaves at
	// once when no batch is being verified (an idle backend gains nothing
	// from waiting), so batches grow only under load. With HoldWhenIdle,
	// only MaxBatch and MaxWait flush (tests of those rules use it).
	HoldWhenIdle bool
}

// DefaultBatcherConfig returns the defaults spelled out.
func DefaultBatcherConfig() BatcherConfig {
	return BatcherConfig{
		MaxBatch: 256,
		MaxWait:  2 * time.Millisecond,
		QueueLen: 16384,
	}
}

// withDefaults fills zero fields from DefaultBatcherConfig.
func (c BatcherConfig) withDefaults() BatcherConfig {
	d := DefaultBatcherConfig()
	if c.MaxBatch == 0 {
		c.MaxBatch = d.MaxBatch
	}
	if c.MaxWait == 0 {
		c.MaxWait = d.MaxWait
	}
	if c.QueueLen == 0 {
		c.QueueLen = max(d.QueueLen, c.MaxBatch)
	}
	return c
}

// Validate checks the config (after defaults) and returns a *ConfigError
// naming the first bad field.
func (c BatcherConfig) Validate() error {
	c = c.withDefaults()
	bad := func(field, format string, args ...any) error {
		return &ConfigError{Field: field, Reason: fmt.Sprintf(format, args...)}
	}
	switch {
	case c.MaxBatch < 1 || c.MaxBatch > maxBatchLimit:
		return bad("MaxBatch", "must be in [1, %d], got %d", maxBatchLimit, c.MaxBatch)
	case c.MaxWait < 0:
		return bad("MaxWait", "must not be negative, got %v", c.MaxWait)
	case c.MaxWait > time.Minute:
		return bad("MaxWait", "must be at most 1m, got %v", c.MaxWait)
	case c.QueueLen < 1 || c.QueueLen > maxQueueLimit:
		return bad("QueueLen", "must be in [1, %d], got %d", maxQueueLimit, c.QueueLen)
	case c.QueueLen < c.MaxBatch:
		return bad("QueueLen", "must be at least MaxBatch (%d), got %d", c.MaxBatch, c.QueueLen)
	case c.MinPrimaryBatch < 0:
		return bad("MinPrimaryBatch", "must not be negative, got %d", c.MinPrimaryBatch)
	case c.MinPrimaryBatch > c.MaxBatch:
		return bad("MinPrimaryBatch", "must be at most MaxBatch (%d) or the primary is never used, got %d",
			c.MaxBatch, c.MinPrimaryBatch)
	}
	return nil
}
