package api

import (
	"errors"
	"fmt"
)

// Errors of TxFromJSON; a *FieldError wraps one of them (or
// types.ErrBadAddress / types.ErrBadAmount) and names the field.
var (
	ErrMissingField  = errors.New("missing")
	ErrBadHex        = errors.New("bad hex")
	ErrBadLength     = errors.New("wrong length")
	ErrUnknownTxType = errors.New("unknown tx type")
	ErrBadChainID    = errors.New("bad chain id")
)

// ErrBadResponse: an answer whose body is not the expected JSON (a 2xx
// body that does not decode, a send_txs result with neither or both of
// hash and error).
var ErrBadResponse = errors.New("bad rpc response")

// FieldError says which JSON field of a request was rejected and why.
type FieldError struct {
	Field string
	Err   error
	Info  string
}

func (e *FieldError) Error() string {
	s := e.Field + ": " + e.Err.Error()
	if e.Info != "" {
		s += ": " + e.Info
	}
	return s
}

func (e *FieldError) Unwrap() error { return e.Err }

// Error codes: stable strings in {"error":{"code":...}}.
const (
	CodeBadJSON          = "bad_json"
	CodeBadField         = "bad_field"
	CodeBadAddress       = "bad_address"
	CodeBadHeight        = "bad_height"
	CodeBadHash          = "bad_hash"
	CodeBadLimit         = "bad_limit"
	CodeBodyTooLarge     = "body_too_large"
	CodeNotFound         = "not_found"
	CodeMethodNotAllowed = "method_not_allowed"
	CodeInvalidTx        = "invalid_tx"
	CodeBadSignature     = "bad_signature"
	CodeBadNonce         = "bad_nonce"
	CodeInsufficient     = "insufficient_funds"
	CodeFeeTooLow        = "fee_too_low"
	CodeOverflow         = "overflow"
	CodeUnsupportedTx    = "unsupported_tx"
	CodeDuplicateTx      = "duplicate_tx"
	CodeUnderpriced      = "replacement_underpriced"
	CodeMempoolFull      = "mempool_full"
	CodeBusy             = "busy"
	// Abuse limits (the server's limit.go): per-address rate and connection caps.
	CodeRateLimited        = "rate_limited"
	CodeTooManyConnections = "too_many_connections"
	CodeStopped            = "stopped"
	CodeTimeout            = "timeout"
	CodeUnhealthy          = "unhealthy"
	CodeInternal           = "internal"
	// RECEIPT_CLAIM rejections.
	CodeInvalidReceipt     = "invalid_receipt"
	CodeReceiptClaimed     = "receipt_claimed"
	CodeUnknownCoordinator = "unknown_coordinator"
	// CodeInvalidStake: a STAKE, UNSTAKE or UNJAIL that breaks a staking
	// rule of the committed records (docs/spec.md §13.6; the message says
	// which: below min_self_stake, a bad payload or proof of possession, a
	// key registered already, no stake, above the bonded stake, too many
	// unbonding entries, not jailed, tombstoned).
	CodeInvalidStake = "invalid_stake"
)

// Batch-level error codes of send_txs (per-tx errors use send_tx's codes).
const (
	CodeTooManyTxs = "too_many_txs"
	CodeEmptyBatch = "empty_batch"
)

// Error codes of the query routes.
const (
	CodeIndexUnavailable = "index_unavailable"
	CodeIndexDisabled    = "index_disabled"
	CodeBadCursor        = "bad_cursor"
	CodeBadRange         = "bad_range"
	CodeBadQuery         = "bad_query"
)

// CodeNoStake: get_stake of an address without a stake record (404), on
// every address of a poa chain, which keeps none.
const CodeNoStake = "no_stake"

// Error is an error response: the HTTP status and the body's code and
// message. The server's handlers return it for request errors; the
// client returns it for any non-2xx answer.
type Error struct {
	Status  int    `json:"-"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

func (e *Error) Error() string {
	return fmt.Sprintf("rpc: %d %s: %s", e.Status, e.Code, e.Message)
}

// ErrorBody is the envelope of every error answer:
// {"error":{"code":"...","message":"..."}}.
type ErrorBody struct {
	Error *Error `json:"error"`
}
