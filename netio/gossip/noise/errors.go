package noise

import (
	"errors"

	"aitbc/netio/gossip/internal/wire"
)

// Handshake errors. Each ends the handshake; netio/gossip re-exports
// them and counts each in aitbc_gossip_handshake_failures_total under
// the reason next to it.
var (
	ErrVersion           = errors.New("unsupported protocol version") // version
	ErrWrongChain        = errors.New("wrong chain_id")               // chain_id
	ErrWrongGenesis      = errors.New("wrong genesis hash")           // genesis
	ErrBadAuth           = errors.New("bad identity signature")       // bad_signature
	ErrSelf              = errors.New("connection to self")           // self
	ErrNoise             = errors.New("noise handshake failed")       // noise: a message that fails to decrypt, or out of turn
	ErrBadValidatorProof = errors.New("bad validator proof")          // bad_validator_proof
)

// Session errors: either ends the session. Neither can be told from an
// attack by anyone on the path, so neither is the peer's fault.
var (
	// ErrFrameAuth: a sealed frame failed to open (altered, replayed,
	// reordered or dropped on the way).
	ErrFrameAuth = errors.New("frame failed authentication")
	// ErrNonceExhausted: a direction used its last nonce.
	ErrNonceExhausted = errors.New("session nonces exhausted")
)

// Decoding error classes, shared with netio/gossip (the same sentinels
// as its ErrMalformed and ErrFrameSize).
var (
	// ErrMalformed: an identity payload that does not follow its layout
	// (an *IdentityError wraps it).
	ErrMalformed = wire.ErrMalformed
	// ErrFrameSize: a sealed frame too short to hold a type byte and its
	// tag.
	ErrFrameSize = wire.ErrFrameSize
)

// IdentityError says which field of an identity payload failed to
// decode, and why.
type IdentityError struct {
	Field string
	Err   error // ErrMalformed
	Cause error // the engine/types error, if any (a bad chain_id)
	Info  string
}

// Error reads as the gossip frame error of the HANDSHAKE frame the
// identity came in.
func (e *IdentityError) Error() string {
	return wire.Describe("handshake", e.Field, e.Err, e.Cause, e.Info)
}

// Unwrap exposes both the class sentinel and the cause.
func (e *IdentityError) Unwrap() []error { return wire.Unwrap(e.Err, e.Cause) }
