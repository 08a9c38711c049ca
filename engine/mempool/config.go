package mempool

import (
	"fmt"

	"aitbc/engine/types"
)

// Config bounds the pool.
type Config struct {
	// MaxTxs is the most pending txs.
	MaxTxs int
	// MaxBytes is the most pending bytes (sum of encoded tx sizes); at
	// least types.MaxTxBytes, so the largest valid tx always fits.
	MaxBytes int
	// MaxPerSender is the most pending txs of one sender.
	MaxPerSender int
	// NonceWindow is how far ahead of the sender's committed nonce a tx may
	// be: admitted nonces are account nonce + 1 … account nonce + NonceWindow.
	NonceWindow uint64
}

// DefaultConfig: 50 000 txs, 64 MiB, 1024 per sender, a window of 1024.
func DefaultConfig() Config {
	return Config{MaxTxs: 50_000, MaxBytes: 64 << 20, MaxPerSender: 1024, NonceWindow: 1024}
}

// Validate names the first bad field.
func (c Config) Validate() error {
	bad := func(format string, a ...any) error {
		return fmt.Errorf("%w: %s", ErrInvalidConfig, fmt.Sprintf(format, a...))
	}
	switch {
	case c.MaxTxs <= 0:
		return bad("MaxTxs must be > 0, got %d", c.MaxTxs)
	case c.MaxBytes < types.MaxTxBytes:
		return bad("MaxBytes must be >= %d (the largest tx), got %d", types.MaxTxBytes, c.MaxBytes)
	case c.MaxPerSender <= 0:
		return bad("MaxPerSender must be > 0, got %d", c.MaxPerSender)
	case c.NonceWindow == 0:
		return bad("NonceWindow must be > 0")
	}
	return nil
}
