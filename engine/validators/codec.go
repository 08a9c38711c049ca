package validators

import (
	"bytes"
	"encoding/binary"
	"fmt"

	"aitbc/engine/bls"
	"aitbc/engine/types"
)

// setCodecVersion is the format version byte of EncodeSet.
const setCodecVersion = 1

// memberLen is one member's size in EncodeSet's bytes.
const memberLen = types.AddressLen + types.PubKeyLen + bls.PublicKeySize + 8

// EncodeSet is the stored form of s (docs/spec.md §14.1): u8 version (1) ||
// u32 n || n × (address[20] || ed25519[32] || bls[48] || u64 weight),
// integers big-endian, members in set order: the bytes Hash covers after
// its domain, behind a version byte.
func EncodeSet(s *Set) []byte {
	b := make([]byte, 0, 1+4+s.Size()*memberLen)
	b = append(b, setCodecVersion)
	b = binary.BigEndian.AppendUint32(b, uint32(s.Size()))
	for i := range s.Size() {
		v := s.Get(i)
		b = append(b, v.Address[:]...)
		b = append(b, v.PubKey...)
		b = append(b, v.BLSPubKey[:]...)
		b = binary.BigEndian.AppendUint64(b, v.Weight)
	}
	return b
}

// DecodeSet parses EncodeSet's bytes and builds the set with NewSet, in the
// stored order, so the result has the Hash of the set that was encoded.
// A layout error (a version other than 1, a count of 0 or over
// types.MaxValidators, truncation, trailing bytes) wraps types.ErrMalformed;
// members NewSet rejects wrap both types.ErrMalformed and ErrInvalidSet.
func DecodeSet(b []byte) (*Set, error) {
	bad := func(field, format string, args ...any) error {
		return &types.DecodeError{What: "validator set", Field: field, Err: types.ErrMalformed, Info: fmt.Sprintf(format, args...)}
	}
	if len(b) < 5 {
		return nil, bad("input", "truncated: %d bytes, need at least 5", len(b))
	}
	if b[0] != setCodecVersion {
		return nil, bad("version", "version %d, want %d", b[0], setCodecVersion)
	}
	n := uint64(binary.BigEndian.Uint32(b[1:5]))
	if n == 0 || n > types.MaxValidators {
		return nil, bad("count", "%d validators, want 1..%d", n, types.MaxValidators)
	}
	rest := b[5:]
	switch want := n * memberLen; {
	case uint64(len(rest)) < want:
		return nil, bad("validators", "truncated: %d validators need %d bytes, have %d", n, want, len(rest))
	case uint64(len(rest)) > want:
		return nil, bad("input", "%d trailing bytes", uint64(len(rest))-want)
	}
	vals := make([]Validator, n)
	for i := range vals {
		p := rest[i*memberLen : (i+1)*memberLen]
		v := &vals[i]
		p = p[copy(v.Address[:], p):]
		v.PubKey = bytes.Clone(p[:types.PubKeyLen])
		p = p[types.PubKeyLen:]
		p = p[copy(v.BLSPubKey[:], p):]
		v.Weight = binary.BigEndian.Uint64(p)
	}
	s, err := NewSet(vals)
	if err != nil {
		return nil, fmt.Errorf("decode validator set: %w: %w", types.ErrMalformed, err)
	}
	// NewSet keeps the given order and members; the check guards that the
	// set is exactly the stored one, so its Hash is the stored set's.
	if !bytes.Equal(EncodeSet(s), b) {
		return nil, bad("validators", "set does not re-encode to its input")
	}
	return s, nil
}
