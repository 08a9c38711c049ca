package wsbench

import "aitbc/bench"

// Errors of the WebSocket fan-out bench (Run); the bench package's
// sentinels, so callers test one.
var (
	// ErrBadConfig: a Config field is out of range.
	ErrBadConfig = bench.ErrBadConfig
	// ErrWebSocket: the node's WebSocket broke the protocol or refused
	// the upgrade.
	ErrWebSocket = bench.ErrWebSocket
)
