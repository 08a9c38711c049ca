package rpc

import "fmt"

// Config bounds what one request may cost the node.
type Config struct {
	// MaxBodyBytes caps a request body; larger bodies get 413 body_too_large.
	MaxBodyBytes int64
	// MaxMempoolList caps ?limit= on /rpc/mempool (and is its default).
	MaxMempoolList int
	// MaxInFlight caps requests being handled at once; past it a request is
	// answered 503 busy at once instead of queueing without bound.
	MaxInFlight int
}

// DefaultConfig: 64 KiB bodies (a tx is at most ~4.3 KB encoded, ~9 KB as
// JSON), mempool listings of up to 1000 txs, 4096 requests in flight.
func DefaultConfig() Config {
	return Config{MaxBodyBytes: 64 << 10, MaxMempoolList: 1000, MaxInFlight: 4096}
}

// Validate reports the first out-of-range setting, naming its key.
func (c Config) Validate() error {
	if c.MaxBodyBytes < 1<<10 || c.MaxBodyBytes > 16<<20 {
		return fmt.Errorf("%w: rpc.max_body_bytes = %d, want 1 KiB..16 MiB", ErrInvalidConfig, c.MaxBodyBytes)
	}
	if c.MaxMempoolList < 1 || c.MaxMempoolList > 100_000 {
		return fmt.Errorf("%w: rpc.max_mempool_list = %d, want 1..100000", ErrInvalidConfig, c.MaxMempoolList)
	}
	if c.MaxInFlight < 1 || c.MaxInFlight > 1<<20 {
		return fmt.Errorf("%w: rpc.max_in_flight = %d, want 1..1048576", ErrInvalidConfig, c.MaxInFlight)
	}
	return nil
}
