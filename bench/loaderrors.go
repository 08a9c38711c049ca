package bench

import (
	"errors"
	"time"
)

// Errors of the load bench (Load). Config errors wrap ErrBadConfig.
var (
	// ErrWebSocket: the node's WebSocket broke the protocol or refused
	// the upgrade.
	ErrWebSocket = errors.New("bench: websocket")
	// ErrFaucetLow: the faucet cannot fund the senders for the run.
	ErrFaucetLow = errors.New("bench: faucet balance too low")
	// ErrFunding: the senders' funding transfers did not become final.
	ErrFunding = errors.New("bench: funding failed")
	// ErrLost: txs the node accepted were never committed.
	ErrLost = errors.New("bench: accepted txs lost")
)

// noDeadline clears a net.Conn deadline.
var noDeadline time.Time
