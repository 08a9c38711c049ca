package bls

import (
	"errors"
	"fmt"
)

// Sentinel errors; a *DecodeError wraps exactly one of them.
var (
	// ErrInvalidLength: the input is not exactly the encoded size.
	ErrInvalidLength = errors.New("invalid length")
	// ErrInvalidPoint: not a canonical compressed point on the curve in the
	// prime-order subgroup.
	ErrInvalidPoint = errors.New("invalid point")
	// ErrIdentity: the point at infinity, never a valid key or signature.
	ErrIdentity = errors.New("identity point")
	// ErrInvalidSecretKey: a secret key that is zero or not below the group order.
	ErrInvalidSecretKey = errors.New("invalid secret key")
	// ErrEmpty: aggregation of nothing.
	ErrEmpty = errors.New("nothing to aggregate")
)

// DecodeError says which value failed to decode and why.
type DecodeError struct {
	What string // "public key", "signature", "secret key"
	Err  error  // one of the sentinels above
	Info string
}

func (e *DecodeError) Error() string {
	s := fmt.Sprintf("bls: decode %s: %v", e.What, e.Err)
	if e.Info != "" {
		s += " (" + e.Info + ")"
	}
	return s
}

func (e *DecodeError) Unwrap() error { return e.Err }
