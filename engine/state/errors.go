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

// ErrStaleBatch: the State changed (Commit of another batch, or Set) since
// the batch began, or the batch belongs to another State. Its results no
// longer describe this State; begin a new batch.
var ErrStaleBatch = errors.New("stale batch")
