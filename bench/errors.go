package bench

import "errors"

var (
	// ErrBadConfig: a benchmark's config field is out of range.
	ErrBadConfig = errors.New("bench: invalid config")
	// ErrWebSocket: the node's WebSocket broke the protocol or refused
	// the upgrade (the load and ws benches' client).
	ErrWebSocket = errors.New("bench: websocket")
)
