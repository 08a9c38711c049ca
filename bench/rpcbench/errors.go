package rpcbench

import (
	"errors"

	"aitbc/bench"
)

// Errors of the RPC read bench (Run).
var (
	// ErrBadConfig: a Config field is out of range (the bench package's
	// sentinel, so callers test one).
	ErrBadConfig = bench.ErrBadConfig
	// ErrWrongAnswer: a 200 response that is not the route's JSON or is
	// about something other than what was asked. Counted per endpoint
	// kind in the report, never fatal.
	ErrWrongAnswer = errors.New("bench: wrong answer")
	// ErrNoTargets: a kind named in the mix has nothing on the chain to
	// query (no txs yet, no SQL index).
	ErrNoTargets = errors.New("bench: nothing to query")
)
