package gossip

import (
	"errors"

	"aitbc/netio/gossip/internal/wire"
	"aitbc/netio/gossip/noise"
)

// ErrInvalidConfig wraps every Config.Validate failure.
var ErrInvalidConfig = errors.New("invalid gossip config")

// ErrStarted: Start was called twice, or after Close.
var ErrStarted = errors.New("gossip transport already started")

// Session errors (the noise package's). Either closes the connection
// without a penalty: an altered frame may be the work of anyone on the
// path, not of the peer.
var (
	// ErrFrameAuth: a sealed frame failed to open (altered, replayed,
	// reordered or dropped on the way).
	ErrFrameAuth = noise.ErrFrameAuth
	// ErrNonceExhausted: a direction used its last nonce.
	ErrNonceExhausted = noise.ErrNonceExhausted
)

// Frame and message errors. A *FrameError wraps exactly one of them.
var (
	// ErrFrameSize: a length prefix of 0 or above the frame limit. The
	// stream cannot be resynchronised, so the connection is closed. (A
	// sealed frame too short for its tag fails to open with this class
	// too: noise.ErrFrameSize is the same sentinel.)
	ErrFrameSize = wire.ErrFrameSize
	// ErrUnknownType: a frame type this version does not define, or one
	// not allowed in the connection's state (anything but HANDSHAKE
	// before the handshake completes, HANDSHAKE after it).
	ErrUnknownType = errors.New("unexpected frame type")
	// ErrMalformed: a payload that does not follow its layout (truncated,
	// trailing bytes, a count or length out of range, or a value the
	// engine/types decoder rejects; that *types.DecodeError is the
	// FrameError's Cause). A malformed identity is of this class too:
	// noise.ErrMalformed is the same sentinel, in a *noise.IdentityError.
	ErrMalformed = wire.ErrMalformed
)

// FrameError says which frame type and field failed to decode, and why.
type FrameError struct {
	Type  MsgType
	Field string
	Err   error // ErrFrameSize, ErrUnknownType or ErrMalformed
	Cause error // the engine/types decoder's *types.DecodeError, if any
	Info  string
}

func (e *FrameError) Error() string {
	return wire.Describe(e.Type.String(), e.Field, e.Err, e.Cause, e.Info)
}

// Unwrap exposes both the class sentinel and the decoder's error, so
// errors.Is(err, ErrMalformed) and errors.As(err, **types.DecodeError)
// both work.
func (e *FrameError) Unwrap() []error { return wire.Unwrap(e.Err, e.Cause) }

// Handshake failures. Each closes the connection and is counted in
// aitbc_gossip_handshake_failures_total under the reason next to it.
// Those the Noise layer finds are the noise package's, re-exported.
var (
	ErrVersion           = noise.ErrVersion                                                // version
	ErrWrongChain        = noise.ErrWrongChain                                             // chain_id
	ErrWrongGenesis      = noise.ErrWrongGenesis                                           // genesis
	ErrBadAuth           = noise.ErrBadAuth                                                // bad_signature
	ErrSelf              = noise.ErrSelf                                                   // self
	ErrBanned            = errors.New("peer is banned")                                    // banned
	ErrHandshakeTimeout  = errors.New("no handshake in time")                              // timeout
	ErrTooManyPeers      = errors.New("too many peers")                                    // full
	ErrClosedEarly       = errors.New("closed during handshake")                           // closed
	ErrNoise             = noise.ErrNoise                                                  // noise
	ErrWrongKey          = errors.New("peer is not the pinned node")                       // wrong_key
	ErrNotAllowed        = errors.New("node id not in the allow list")                     // not_allowed
	ErrAddrLimit         = errors.New("too many connections or new keys from one address") // per_address
	ErrBadValidatorProof = noise.ErrBadValidatorProof                                      // bad_validator_proof
	// A Noise message that fails to decrypt counts as "noise"; a malformed
	// identity (a *noise.IdentityError), garbage or any other frame before
	// the handshake completes counts as "malformed" (a *FrameError).
)

// handshakeReason is the metric label of a handshake failure.
func handshakeReason(err error) string {
	switch {
	case errors.Is(err, ErrVersion):
		return "version"
	case errors.Is(err, ErrWrongChain):
		return "chain_id"
	case errors.Is(err, ErrWrongGenesis):
		return "genesis"
	case errors.Is(err, ErrBadAuth):
		return "bad_signature"
	case errors.Is(err, ErrSelf):
		return "self"
	case errors.Is(err, ErrBanned):
		return "banned"
	case errors.Is(err, ErrHandshakeTimeout):
		return "timeout"
	case errors.Is(err, ErrTooManyPeers):
		return "full"
	case errors.Is(err, ErrClosedEarly):
		return "closed"
	case errors.Is(err, ErrNoise):
		return "noise"
	case errors.Is(err, ErrWrongKey):
		return "wrong_key"
	case errors.Is(err, ErrNotAllowed):
		return "not_allowed"
	case errors.Is(err, ErrAddrLimit):
		return "per_address"
	case errors.Is(err, ErrBadValidatorProof):
		return "bad_validator_proof"
	}
	return "malformed"
}

// handshakeReasons lists every label handshakeReason returns, so the
// metric shows zeros before the first failure.
var handshakeReasons = []string{"version", "chain_id", "genesis", "bad_signature", "self", "banned", "timeout", "full", "closed", "noise", "wrong_key", "not_allowed", "per_address", "bad_validator_proof", "malformed"}
