package types

import (
	"errors"
	"fmt"
)

// Sentinel errors; a *DecodeError wraps exactly one of them.
var (
	// ErrMalformed: the bytes do not follow the layout (truncated, bad enum, trailing data).
	ErrMalformed = errors.New("malformed encoding")
	// ErrOversize: a length field or the input itself exceeds a protocol limit.
	ErrOversize = errors.New("oversize")
	// ErrNonCanonical: the bytes decode but are not the one canonical encoding.
	ErrNonCanonical = errors.New("non-canonical encoding")
	// ErrBadAddress: text that is neither ait1… bech32 nor 0x + 40 hex.
	ErrBadAddress = errors.New("bad address")
	// ErrBadHash: text that is not 0x + 64 hex.
	ErrBadHash = errors.New("bad hash")
	// ErrInvalidEvidence: an Evidence that fails ValidateBasic.
	ErrInvalidEvidence = errors.New("invalid evidence")
)

// DecodeError says which value and which field failed to decode, and why.
type DecodeError struct {
	What  string // "tx", "block", "header", "vote", "commit", "proposal", "evidence"
	Field string
	Err   error // one of the sentinels above
	Info  string
}

func (e *DecodeError) Error() string {
	s := fmt.Sprintf("decode %s: %s: %v", e.What, e.Field, e.Err)
	if e.Info != "" {
		s += " (" + e.Info + ")"
	}
	return s
}

func (e *DecodeError) Unwrap() error { return e.Err }
