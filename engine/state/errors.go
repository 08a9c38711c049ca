package state

import (
	"errors"
	"fmt"

	"aitbc/engine/types"
)

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

// Errors of RECEIPT_CLAIM execution (docs/spec.md §13.2).
var (
	// ErrBadReceipt: a claim with a non-zero amount or recipient, or a
	// payload that is not a canonical types.ReceiptClaim.
	ErrBadReceipt = errors.New("malformed receipt claim")
	// ErrUnknownCoordinator: the attesting key is not in params.coordinators.
	ErrUnknownCoordinator = errors.New("coordinator not listed in genesis params")
	// ErrReceiptClaimed: the job id was already claimed (see *ClaimedError).
	ErrReceiptClaimed = errors.New("receipt already claimed")
)

// ClaimedError names the job id a second claim tried to use.
type ClaimedError struct {
	JobID []byte
}

func (e *ClaimedError) Error() string {
	return fmt.Sprintf("%v: job id %s was claimed before; a job can be claimed once", ErrReceiptClaimed, types.HexBytes(e.JobID))
}

func (e *ClaimedError) Unwrap() error { return ErrReceiptClaimed }
