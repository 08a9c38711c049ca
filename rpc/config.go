package rpc

import (
	"errors"
	"fmt"
	"time"
)

// ErrInvalidConfig wraps every Config.Validate failure.
var ErrInvalidConfig = errors.New("invalid rpc config")

// Config bounds what one request, and one source address, may cost the node.
type Config struct {
	// MaxBodyBytes caps a request body; larger bodies get 413 body_too_large
	// (before the body is read when Content-Length announces it).
	MaxBodyBytes int64
	// MaxBatchBodyBytes caps a POST /rpc/send_txs body, which carries up to
	// api.MaxBatchTxs txs and so gets its own limit; larger bodies get 413
	// body_too_large like any other.
	MaxBatchBodyBytes int64
	// MaxMempoolList caps ?limit= on /rpc/mempool (and is its default).
	MaxMempoolList int
	// MaxInFlight caps requests being handled at once; past it a request is
	// answered 503 busy at once instead of queueing without bound.
	MaxInFlight int
	// MaxBatchInFlight caps send_txs requests being handled at once (they
	// count against MaxInFlight too): each may hold MaxBatchBodyBytes of
	// body and api.MaxBatchTxs txs, so the default 16 bounds them to 128 MiB
	// and 65,536 txs. Past it a batch is answered 503 busy at once.
	MaxBatchInFlight int
	// RateLimit is the sustained requests per second one source address
	// (addrlimit.Key) may make; past its bucket a request is answered 429
	// rate_limited with Retry-After. 0 turns the limit off, and is not
	// replaced by a default: a library user (a test, a benchmark) gets no
	// limit unless it asks for one.
	RateLimit float64
	// RateBurst is the bucket size: requests an idle address may make at once.
	RateBurst int
	// MaxConnsPerAddr caps one source address's open TCP connections (only
	// through HTTPServer); the next one gets 429 too_many_connections and is
	// closed.
	MaxConnsPerAddr int
}

// DefaultConfig: 64 KiB bodies (a tx is at most ~4.3 KB encoded, ~9 KB as
// JSON), 8 MiB batch bodies (4096 transfers of ~600 bytes of JSON is
// ~2.5 MiB; the rest is room for payloads), mempool listings of up to 1000 txs, 4096 requests in flight, no
// rate limit, a burst of 200 once one is set, and 128 connections per
// source address (a browser opens 6, a backend's connection pool a few
// dozen; a NAT gateway fronting many users needs more, see
// docs/operations.md).
func DefaultConfig() Config {
	return Config{MaxBodyBytes: 64 << 10, MaxBatchBodyBytes: 8 << 20, MaxBatchInFlight: 16, MaxMempoolList: 1000, MaxInFlight: 4096, RateBurst: 200, MaxConnsPerAddr: 128}
}

// Validate reports the first out-of-range setting, naming its key.
func (c Config) Validate() error {
	if c.MaxBodyBytes < 1<<10 || c.MaxBodyBytes > 16<<20 {
		return fmt.Errorf("%w: rpc.max_body_bytes = %d, want 1 KiB..16 MiB", ErrInvalidConfig, c.MaxBodyBytes)
	}
	if c.MaxBatchBodyBytes < 1<<10 || c.MaxBatchBodyBytes > 64<<20 {
		return fmt.Errorf("%w: rpc.max_batch_body_bytes = %d, want 1 KiB..64 MiB", ErrInvalidConfig, c.MaxBatchBodyBytes)
	}
	if c.MaxMempoolList < 1 || c.MaxMempoolList > 100_000 {
		return fmt.Errorf("%w: rpc.max_mempool_list = %d, want 1..100000", ErrInvalidConfig, c.MaxMempoolList)
	}
	if c.MaxInFlight < 1 || c.MaxInFlight > 1<<20 {
		return fmt.Errorf("%w: rpc.max_in_flight = %d, want 1..1048576", ErrInvalidConfig, c.MaxInFlight)
	}
	if c.MaxBatchInFlight < 1 || c.MaxBatchInFlight > c.MaxInFlight {
		return fmt.Errorf("%w: rpc.max_batch_in_flight = %d, want 1..max_in_flight (%d)", ErrInvalidConfig, c.MaxBatchInFlight, c.MaxInFlight)
	}
	if !(c.RateLimit >= 0 && c.RateLimit <= 1e6) { // also rejects NaN
		return fmt.Errorf("%w: rpc.rate_limit = %v, want 0 (off)..1000000 requests/s", ErrInvalidConfig, c.RateLimit)
	}
	if c.RateBurst < 1 || c.RateBurst > 1e6 {
		return fmt.Errorf("%w: rpc.rate_burst = %d, want 1..1000000", ErrInvalidConfig, c.RateBurst)
	}
	if c.MaxConnsPerAddr < 1 || c.MaxConnsPerAddr > 1<<16 {
		return fmt.Errorf("%w: rpc.max_conns_per_addr = %d, want 1..65536", ErrInvalidConfig, c.MaxConnsPerAddr)
	}
	return nil
}

// clock is where the server reads time (the rate limiter's buckets); tests
// replace it.
type clock func() time.Time
