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

// Errors of STAKE, UNSTAKE and UNJAIL execution and of the end of a
// block (docs/spec.md §13.6).
var (
	ErrStakePayload   = errors.New("bad stake payload")
	ErrBadPossession  = errors.New("bad BLS proof of possession")
	ErrKeyRegistered  = errors.New("BLS key registered by another validator")
	ErrStakeTooLow    = errors.New("bonded stake below min_self_stake")
	ErrNoStake        = errors.New("no stake")
	ErrUnstakeTooMuch = errors.New("unstake above the bonded stake")
	// ErrUnbondingEntries: an UNSTAKE while MaxUnbondingEntries entries
	// of the sender are still unbonding.
	ErrUnbondingEntries = errors.New("too many unbonding entries")
	ErrNotJailed        = errors.New("not jailed")
	ErrJailNotOver      = errors.New("jail not over")
	ErrTombstoned       = errors.New("tombstoned")
	// ErrWrongMode: a staking tx on a poa chain. It also matches
	// ErrUnsupportedTx, which admission reports for it.
	ErrWrongMode = errors.New("staking needs consensus_mode pos or hybrid")
	// ErrBlockEnded: Apply, Slash, ApplyEvidence or End after End.
	ErrBlockEnded = errors.New("block already ended")
	// ErrBlockNotEnded: Commit of a batch whose End has not run (or failed).
	ErrBlockNotEnded = errors.New("block not ended")
	// ErrBadBlockInfo: a BlockInfo that cannot describe a block (a signer
	// listed twice, powers that overflow).
	ErrBadBlockInfo = errors.New("bad block info")
	// ErrBadSlash: a slash fraction above 10000 bps.
	ErrBadSlash = errors.New("bad slash fraction")
)

// Errors of double-sign evidence (Batch.ApplyEvidence).
var (
	// ErrEvidenceApplied: evidence with this hash was applied before; it
	// never applies twice.
	ErrEvidenceApplied = errors.New("evidence already applied")
	// ErrEvidenceHeight: the infraction is not below the block's height or
	// older than max_evidence_age.
	ErrEvidenceHeight = errors.New("evidence height out of range")
	// ErrEvidenceLimit: more evidence in one block than max_evidence_per_block.
	ErrEvidenceLimit = errors.New("too much evidence in one block")
)
