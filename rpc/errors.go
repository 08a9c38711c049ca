package rpc

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"aitbc/engine"
	"aitbc/engine/mempool"
	"aitbc/engine/state"
	"aitbc/engine/types"
)

// ErrInvalidConfig wraps every Config.Validate failure.
var ErrInvalidConfig = errors.New("invalid rpc config")

// ErrBatchSize: Client.SendTxs was given no txs or more than MaxBatchTxs
// (it sends nothing).
var ErrBatchSize = errors.New("send_txs takes 1..MaxBatchTxs txs")

// Errors of TxFromJSON; a *FieldError wraps one of them (or
// types.ErrBadAddress / types.ErrBadAmount) and names the field.
var (
	ErrMissingField  = errors.New("missing")
	ErrBadHex        = errors.New("bad hex")
	ErrBadLength     = errors.New("wrong length")
	ErrUnknownTxType = errors.New("unknown tx type")
	ErrBadChainID    = errors.New("bad chain id")
)

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
	// Abuse limits (limit.go): per-address rate and connection caps.
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

// APIError is an error response: the HTTP status and the body's code and
// message. Handlers return it for request errors; Client returns it for
// any non-2xx answer.
type APIError struct {
	Status  int    `json:"-"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

func (e *APIError) Error() string {
	return fmt.Sprintf("rpc: %d %s: %s", e.Status, e.Code, e.Message)
}

func apiErr(status int, code, format string, a ...any) *APIError {
	return &APIError{Status: status, Code: code, Message: fmt.Sprintf(format, a...)}
}

// errorClass maps a backend sentinel to a response. Order matters: the
// first match wins, so specific errors come before generic ones.
type errorClass struct {
	err        error
	status     int
	code       string
	retryAfter bool // 503s: the client should back off and retry
}

var errorClasses = []errorClass{
	{engine.ErrStopped, http.StatusServiceUnavailable, CodeStopped, true},
	{engine.ErrBusy, http.StatusServiceUnavailable, CodeBusy, true},
	{mempool.ErrFull, http.StatusServiceUnavailable, CodeMempoolFull, true},
	{mempool.ErrSenderLimit, http.StatusServiceUnavailable, CodeMempoolFull, true},
	{mempool.ErrDuplicate, http.StatusConflict, CodeDuplicateTx, false},
	{mempool.ErrReplacementUnderpriced, http.StatusConflict, CodeUnderpriced, false},
	{mempool.ErrNonceTooLow, http.StatusConflict, CodeBadNonce, false},
	{mempool.ErrNonceGap, http.StatusBadRequest, CodeBadNonce, false},
	{state.ErrBadNonce, http.StatusBadRequest, CodeBadNonce, false},
	{mempool.ErrInsufficientFunds, http.StatusBadRequest, CodeInsufficient, false},
	{state.ErrInsufficientBalance, http.StatusBadRequest, CodeInsufficient, false},
	{state.ErrFeeTooLow, http.StatusBadRequest, CodeFeeTooLow, false},
	{state.ErrOverflow, http.StatusBadRequest, CodeOverflow, false},
	{state.ErrUnsupportedTx, http.StatusBadRequest, CodeUnsupportedTx, false},
	{state.ErrReceiptClaimed, http.StatusConflict, CodeReceiptClaimed, false},
	{state.ErrUnknownCoordinator, http.StatusBadRequest, CodeUnknownCoordinator, false},
	{state.ErrBadReceipt, http.StatusBadRequest, CodeInvalidReceipt, false},
	{state.ErrStakeTooLow, http.StatusBadRequest, CodeInvalidStake, false},
	{state.ErrStakePayload, http.StatusBadRequest, CodeInvalidStake, false},
	{state.ErrBadPossession, http.StatusBadRequest, CodeInvalidStake, false},
	{state.ErrKeyRegistered, http.StatusBadRequest, CodeInvalidStake, false},
	{state.ErrNoStake, http.StatusBadRequest, CodeInvalidStake, false},
	{state.ErrUnstakeTooMuch, http.StatusBadRequest, CodeInvalidStake, false},
	{state.ErrUnbondingEntries, http.StatusBadRequest, CodeInvalidStake, false},
	{state.ErrNotJailed, http.StatusBadRequest, CodeInvalidStake, false},
	{state.ErrJailNotOver, http.StatusBadRequest, CodeInvalidStake, false},
	{state.ErrTombstoned, http.StatusBadRequest, CodeInvalidStake, false},
	{engine.ErrBadSignature, http.StatusBadRequest, CodeBadSignature, false},
	{types.ErrInvalidTx, http.StatusBadRequest, CodeInvalidTx, false},
	{types.ErrMalformed, http.StatusBadRequest, CodeInvalidTx, false},
	{types.ErrOversize, http.StatusBadRequest, CodeInvalidTx, false},
	{types.ErrNonCanonical, http.StatusBadRequest, CodeInvalidTx, false},
	{types.ErrBadAddress, http.StatusBadRequest, CodeBadAddress, false},
	{types.ErrBadHash, http.StatusBadRequest, CodeBadHash, false},
	{engine.ErrNotFound, http.StatusNotFound, CodeNotFound, false},
	{context.DeadlineExceeded, http.StatusGatewayTimeout, CodeTimeout, false},
}

// classify maps err to a response. Errors no class matches are internal:
// their text is logged by the caller, never sent to the client.
func classify(err error) (apiErr *APIError, retryAfter, internal bool) {
	var ae *APIError
	if errors.As(err, &ae) {
		return ae, false, false
	}
	for _, c := range errorClasses {
		if errors.Is(err, c.err) {
			return &APIError{Status: c.status, Code: c.code, Message: err.Error()}, c.retryAfter, false
		}
	}
	return &APIError{Status: http.StatusInternalServerError, Code: CodeInternal, Message: "internal error"}, false, true
}
