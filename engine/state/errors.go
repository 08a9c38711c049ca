package state

import "errors"

// Errors of tx execution. A tx that fails any of them changes nothing.
var (
	ErrInsufficientBalance = errors.New("insufficient balance")
	ErrBadNonce            = errors.New("bad nonce")
	ErrOverflow            = errors.New("amount overflow")
	ErrFeeTooLow           = errors.New("fee below minimum")
	ErrUnsupportedTx       = errors.New("unsupported tx type")
)
