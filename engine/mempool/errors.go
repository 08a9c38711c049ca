package mempool

import "errors"

// Admission errors.
var (
	ErrFull                   = errors.New("mempool full")
	ErrDuplicate              = errors.New("tx already in mempool")
	ErrNonceTooLow            = errors.New("nonce already used")
	ErrNonceGap               = errors.New("nonce too far ahead")
	ErrReplacementUnderpriced = errors.New("replacement fee too low")
	ErrSenderLimit            = errors.New("too many pending txs from sender")
	ErrInsufficientFunds      = errors.New("pending txs exceed balance")
)

// ErrInvalidConfig wraps every Config.Validate failure.
var ErrInvalidConfig = errors.New("invalid mempool config")
