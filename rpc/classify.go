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
	"aitbc/rpc/api"
)

func apiErr(status int, code, format string, a ...any) *api.Error {
	return &api.Error{Status: status, Code: code, Message: fmt.Sprintf(format, a...)}
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
	{engine.ErrStopped, http.StatusServiceUnavailable, api.CodeStopped, true},
	{engine.ErrBusy, http.StatusServiceUnavailable, api.CodeBusy, true},
	{mempool.ErrFull, http.StatusServiceUnavailable, api.CodeMempoolFull, true},
	{mempool.ErrSenderLimit, http.StatusServiceUnavailable, api.CodeMempoolFull, true},
	{mempool.ErrDuplicate, http.StatusConflict, api.CodeDuplicateTx, false},
	{mempool.ErrReplacementUnderpriced, http.StatusConflict, api.CodeUnderpriced, false},
	{mempool.ErrNonceTooLow, http.StatusConflict, api.CodeBadNonce, false},
	{mempool.ErrNonceGap, http.StatusBadRequest, api.CodeBadNonce, false},
	{state.ErrBadNonce, http.StatusBadRequest, api.CodeBadNonce, false},
	{mempool.ErrInsufficientFunds, http.StatusBadRequest, api.CodeInsufficient, false},
	{state.ErrInsufficientBalance, http.StatusBadRequest, api.CodeInsufficient, false},
	{state.ErrFeeTooLow, http.StatusBadRequest, api.CodeFeeTooLow, false},
	{state.ErrOverflow, http.StatusBadRequest, api.CodeOverflow, false},
	{state.ErrUnsupportedTx, http.StatusBadRequest, api.CodeUnsupportedTx, false},
	{state.ErrReceiptClaimed, http.StatusConflict, api.CodeReceiptClaimed, false},
	{state.ErrUnknownCoordinator, http.StatusBadRequest, api.CodeUnknownCoordinator, false},
	{state.ErrBadReceipt, http.StatusBadRequest, api.CodeInvalidReceipt, false},
	{state.ErrStakeTooLow, http.StatusBadRequest, api.CodeInvalidStake, false},
	{state.ErrStakePayload, http.StatusBadRequest, api.CodeInvalidStake, false},
	{state.ErrBadPossession, http.StatusBadRequest, api.CodeInvalidStake, false},
	{state.ErrKeyRegistered, http.StatusBadRequest, api.CodeInvalidStake, false},
	{state.ErrNoStake, http.StatusBadRequest, api.CodeInvalidStake, false},
	{state.ErrUnstakeTooMuch, http.StatusBadRequest, api.CodeInvalidStake, false},
	{state.ErrUnbondingEntries, http.StatusBadRequest, api.CodeInvalidStake, false},
	{state.ErrNotJailed, http.StatusBadRequest, api.CodeInvalidStake, false},
	{state.ErrJailNotOver, http.StatusBadRequest, api.CodeInvalidStake, false},
	{state.ErrTombstoned, http.StatusBadRequest, api.CodeInvalidStake, false},
	{engine.ErrBadSignature, http.StatusBadRequest, api.CodeBadSignature, false},
	{types.ErrInvalidTx, http.StatusBadRequest, api.CodeInvalidTx, false},
	{types.ErrMalformed, http.StatusBadRequest, api.CodeInvalidTx, false},
	{types.ErrOversize, http.StatusBadRequest, api.CodeInvalidTx, false},
	{types.ErrNonCanonical, http.StatusBadRequest, api.CodeInvalidTx, false},
	{types.ErrBadAddress, http.StatusBadRequest, api.CodeBadAddress, false},
	{types.ErrBadHash, http.StatusBadRequest, api.CodeBadHash, false},
	{engine.ErrNotFound, http.StatusNotFound, api.CodeNotFound, false},
	{context.DeadlineExceeded, http.StatusGatewayTimeout, api.CodeTimeout, false},
}

// classify maps err to a response. Errors no class matches are internal:
// their text is logged by the caller, never sent to the client.
func classify(err error) (apiErr *api.Error, retryAfter, internal bool) {
	var ae *api.Error
	if errors.As(err, &ae) {
		return ae, false, false
	}
	for _, c := range errorClasses {
		if errors.Is(err, c.err) {
			return &api.Error{Status: c.status, Code: c.code, Message: err.Error()}, c.retryAfter, false
		}
	}
	return &api.Error{Status: http.StatusInternalServerError, Code: api.CodeInternal, Message: "internal error"}, false, true
}
