package load

import (
	"errors"

	"aitbc/bench"
)

// Errors of the load bench (Run).
var (
	// ErrBadConfig: a Config field is out of range (the bench package's
	// sentinel, so callers test one).
	ErrBadConfig = bench.ErrBadConfig
	// ErrWebSocket: the node's WebSocket broke the protocol or refused
	// the upgrade (the bench package's sentinel).
	ErrWebSocket = bench.ErrWebSocket
	// ErrFaucetLow: the faucet cannot fund the senders for the run.
	ErrFaucetLow = errors.New("bench: faucet balance too low")
	// ErrFunding: the senders' funding transfers did not become final.
	ErrFunding = errors.New("bench: funding failed")
	// ErrLost: txs the node accepted were never committed.
	ErrLost = errors.New("bench: accepted txs lost")
)
