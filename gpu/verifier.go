package gpu

import (
	"context"

	"github.com/oasisprotocol/curve25519-voi/primitives/ed25519"
)

// Sizes of the encodings a Verifier accepts; anything else is invalid.
const (
	PublicKeySize = 32
	SignatureSize = 64
)

// Item is one Ed25519 signature check: Sig over Msg by PubKey. The byte
// slices are read, never modified or retained after the verdict; they must
// not change while the check is pending.
type Item struct {
	PubKey, Msg, Sig []byte
}

// Verifier checks many signatures at once. Every implementation returns
// exactly the verdicts of Verify (the ZIP-215 rule).
type Verifier interface {
	// VerifyBatch returns ok with len(ok) == len(items), ok[i] being the
	// verdict for items[i]. Malformed items (wrong lengths, S >= L,
	// undecodable points) are false, not an error. An error means the
	// backend itself failed (device lost, ctx done); the caller then
	// falls back to another backend and must ignore ok.
	VerifyBatch(ctx context.Context, items []Item) ([]bool, error)
	// Name is a short backend name for logs and metrics ("cpu", "cuda").
	Name() string
}

// zip215 is a private copy of the ZIP-215 options, so no other package can
// change the consensus rule by mutating the library's exported preset.
var zip215 = &ed25519.Options{Verify: &ed25519.VerifyOptions{
	AllowSmallOrderA:   true,
	AllowSmallOrderR:   true,
	AllowNonCanonicalA: true,
	AllowNonCanonicalR: true,
	// CofactorlessVerify stays false: ZIP-215 is the cofactored equation.
}}

// Verify reports whether sig is a valid Ed25519 signature of msg by pubKey
// under ZIP-215: [8][S]B = [8]R + [8][k]A with S < L, k = SHA-512(R||A||M)
// mod L over the encodings as given, and A and R accepted in any encoding
// that decodes to a curve point (non-canonical and small-order included).
// It is the one rule every backend must match; it never panics.
func Verify(pubKey, msg, sig []byte) bool {
	if len(pubKey) != PublicKeySize || len(sig) != SignatureSize {
		return false
	}
	return ed25519.VerifyWithOptions(pubKey, msg, sig, zip215)
}
