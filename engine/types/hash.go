package types

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
)

// HashLen is the length of every hash on the chain (SHA-256).
const HashLen = 32

// Hash is a SHA-256 digest. Its text form is "0x" + 64 lowercase hex digits.
type Hash [HashLen]byte

// ZeroHash is the all-zero hash: "no parent", "no commit", a nil vote.
var ZeroHash Hash

// Sum256 hashes b.
func Sum256(b []byte) Hash { return sha256.Sum256(b) }

func (h Hash) String() string { return "0x" + hex.EncodeToString(h[:]) }

// IsZero reports whether h is the all-zero hash.
func (h Hash) IsZero() bool { return h == ZeroHash }

// ParseHash accepts "0x" + 64 hex digits (either case).
func ParseHash(s string) (Hash, error) {
	var h Hash
	if !strings.HasPrefix(s, "0x") && !strings.HasPrefix(s, "0X") {
		return h, fmt.Errorf("%w: %q lacks the 0x prefix", ErrBadHash, s)
	}
	if len(s) != 2+2*HashLen {
		return h, fmt.Errorf("%w: want 0x + 64 hex digits, got %d characters", ErrBadHash, len(s))
	}
	if _, err := hex.Decode(h[:], []byte(s[2:])); err != nil {
		return h, fmt.Errorf("%w: %v", ErrBadHash, err)
	}
	return h, nil
}

func (h Hash) MarshalText() ([]byte, error) { return []byte(h.String()), nil }

func (h *Hash) UnmarshalText(b []byte) error {
	v, err := ParseHash(string(b))
	if err != nil {
		return err
	}
	*h = v
	return nil
}
