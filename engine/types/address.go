package types

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
)

// AddressLen is the length of an account address.
const AddressLen = 20

// AddressHRP is the bech32 human-readable part of address text.
const AddressHRP = "ait"

// Address identifies an account: SHA-256(ed25519 public key)[0:20].
// Its canonical text is bech32 with hrp "ait" (ait1…); ParseAddress also
// accepts "0x" + 40 hex digits of the same bytes.
type Address [AddressLen]byte

// AddressFromPubKey derives the address of an Ed25519 public key.
func AddressFromPubKey(pub []byte) Address {
	sum := sha256.Sum256(pub)
	var a Address
	copy(a[:], sum[:AddressLen])
	return a
}

// String returns the canonical bech32 form.
func (a Address) String() string { return bech32Encode(AddressHRP, a[:]) }

// Hex returns the "0x" + 40 hex form.
func (a Address) Hex() string { return "0x" + hex.EncodeToString(a[:]) }

// IsZero reports whether a is all zeros.
func (a Address) IsZero() bool { return a == Address{} }

// ParseAddress accepts ait1… bech32 (all lower or all upper case) or 0x + 40 hex.
func ParseAddress(s string) (Address, error) {
	var a Address
	switch {
	case strings.HasPrefix(s, "0x") || strings.HasPrefix(s, "0X"):
		if len(s) != 2+2*AddressLen {
			return a, fmt.Errorf("%w: want 0x + 40 hex digits, got %d characters", ErrBadAddress, len(s))
		}
		if _, err := hex.Decode(a[:], []byte(s[2:])); err != nil {
			return a, fmt.Errorf("%w: %v", ErrBadAddress, err)
		}
		return a, nil
	case strings.HasPrefix(strings.ToLower(s), AddressHRP+"1"):
		hrp, data, err := bech32Decode(s)
		if err != nil {
			return a, fmt.Errorf("%w: %v", ErrBadAddress, err)
		}
		if hrp != AddressHRP {
			return a, fmt.Errorf("%w: prefix %q, want %q", ErrBadAddress, hrp, AddressHRP)
		}
		if len(data) != AddressLen {
			return a, fmt.Errorf("%w: %d bytes, want %d", ErrBadAddress, len(data), AddressLen)
		}
		copy(a[:], data)
		return a, nil
	default:
		return a, fmt.Errorf("%w: %q is neither ait1… nor 0x + 40 hex", ErrBadAddress, s)
	}
}

func (a Address) MarshalText() ([]byte, error) { return []byte(a.String()), nil }

func (a *Address) UnmarshalText(b []byte) error {
	v, err := ParseAddress(string(b))
	if err != nil {
		return err
	}
	*a = v
	return nil
}
