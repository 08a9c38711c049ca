package consensus

import (
	"errors"
	"fmt"
)

// Sentinel errors. Step wraps exactly one of them in a *RejectError (a bad
// signature also wraps the validators error that explains it).
var (
	// ErrInvalid: a malformed message (nil fields, a block that does not
	// match its hash, height or chain, an impossible POL round). The sender
	// is faulty; gossip may penalize it.
	ErrInvalid = errors.New("invalid message")
	// ErrBadSignature: a vote or proposal whose signature does not verify
	// under the key it claims, or a commit certificate that does not verify.
	ErrBadSignature = errors.New("bad signature")
	// ErrNotValidator: a vote from an index outside the validator set.
	ErrNotValidator = errors.New("not a validator")
	// ErrEquivocation: a second, different vote or proposal from one
	// validator for one (height, round, type). The first one is kept, and
	// the pair is emitted as evidence in Ready.Evidence (once per slot).
	ErrEquivocation = errors.New("equivocation")
	// ErrDuplicate: a message the core already has. Harmless.
	ErrDuplicate = errors.New("duplicate message")
	// ErrStale: a message for a decided height, or an answer (BlockBuilt,
	// BlockValidated) to a request the core no longer needs. Harmless.
	ErrStale = errors.New("stale message")
	// ErrFuture: a message for a height beyond the next one. The caller
	// should sync blocks first.
	ErrFuture = errors.New("message from the future")
	// ErrInvalidConfig: Config.Validate failed; the message names the field.
	ErrInvalidConfig = errors.New("invalid consensus config")
	// ErrBadEvidence: VerifyEvidence failed (wrapping types.ErrInvalidEvidence
	// or the validators error when one explains it).
	ErrBadEvidence = errors.New("evidence does not verify")
)

// RejectError is what Step returns for a message it did not act on. The
// core's state is unchanged when Step returns one, except that a rejected
// equivocation adds its evidence to Ready.Evidence.
type RejectError struct {
	Msg       string // "proposal", "vote", "block-built", "block-validated", "commit"
	Height    uint64
	Round     uint32
	Validator int // the validator the message claims to be from; -1 if none
	Err       error
}

func (e *RejectError) Error() string {
	s := fmt.Sprintf("consensus: reject %s h=%d r=%d", e.Msg, e.Height, e.Round)
	if e.Validator >= 0 {
		s += fmt.Sprintf(" from %d", e.Validator)
	}
	return s + ": " + e.Err.Error()
}

func (e *RejectError) Unwrap() error { return e.Err }

func reject(msg string, h uint64, r uint32, val int, sentinel error, format string, a ...any) error {
	err := sentinel
	if format != "" {
		err = fmt.Errorf("%w: "+format, append([]any{sentinel}, a...)...)
	}
	return &RejectError{Msg: msg, Height: h, Round: r, Validator: val, Err: err}
}

// causeError matches both a sentinel of this package and the error of the
// package that found the fault, but prints only the latter.
type causeError struct{ sentinel, cause error }

func (e *causeError) Error() string   { return e.cause.Error() }
func (e *causeError) Unwrap() []error { return []error{e.sentinel, e.cause} }
