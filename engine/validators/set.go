package validators

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"fmt"

	"aitbc/engine/bls"
	"aitbc/engine/types"
)

// MaxTotalPower bounds the sum of weights so that 2·total and proposer
// priorities fit in 64 bits with room to spare.
const MaxTotalPower = 1 << 60

// Validator is one member of a set.
type Validator struct {
	Address   types.Address
	PubKey    []byte // Ed25519 account key; Address = AddressFromPubKey(PubKey)
	BLSPubKey bls.PublicKey
	Weight    uint64
}

// Set is an ordered, immutable validator set.
type Set struct {
	vals    []Validator
	keys    []*bls.PreparedKey // decompressed BLS keys, same order
	total   uint64
	byAddr  map[types.Address]int // lookups only, never iterated
	hash    types.Hash
	rotator *rotation
	// sigs remembers the vote signatures this set decoded, so that the
	// certificate aggregating checked precommits does not decode them
	// again (bls.SigMemo). A set elected from another shares its memo
	// (one per node's chain of sets, however many epochs it keeps); each
	// node builds its own sets, so nodes sharing a process (the devnet)
	// do not share this work.
	sigs *bls.SigMemo
}

// RememberedSignatures is how many decoded signatures the set's memo
// holds (shared with the sets elected from it; diagnostics and tests).
func (s *Set) RememberedSignatures() int { return s.sigs.Len() }

// NewSet validates vals and builds a set in the given order: 1 to
// types.MaxValidators members, each with a 32-byte Ed25519 key matching its
// address, a valid BLS key and a weight above zero; no address or BLS key
// twice; total weight below MaxTotalPower. It does not check proofs of
// possession (FromGenesis does).
func NewSet(vals []Validator) (*Set, error) { return newSet(vals, nil) }

// newSet is NewSet reusing the decompressed BLS keys of from (nil: none)
// for the keys the two sets share: decompression is most of the cost of
// building a set, and an election keeps most of the previous one.
func newSet(vals []Validator, from *Set) (*Set, error) {
	if len(vals) == 0 || len(vals) > types.MaxValidators {
		return nil, fmt.Errorf("%w: %d validators, want 1..%d", ErrInvalidSet, len(vals), types.MaxValidators)
	}
	s := &Set{
		vals:   make([]Validator, len(vals)),
		keys:   make([]*bls.PreparedKey, len(vals)),
		byAddr: make(map[types.Address]int, len(vals)),
	}
	if from != nil {
		s.sigs = from.sigs
	} else {
		s.sigs = bls.NewSigMemo()
	}
	blsSeen := make(map[bls.PublicKey]bool, len(vals))
	var known map[bls.PublicKey]*bls.PreparedKey
	if from != nil {
		known = make(map[bls.PublicKey]*bls.PreparedKey, len(from.keys))
		for j, k := range from.keys {
			known[from.vals[j].BLSPubKey] = k
		}
	}
	for i, v := range vals {
		if len(v.PubKey) != types.PubKeyLen {
			return nil, fmt.Errorf("%w: validator %d: ed25519 key is %d bytes, want %d", ErrInvalidSet, i, len(v.PubKey), types.PubKeyLen)
		}
		if types.AddressFromPubKey(v.PubKey) != v.Address {
			return nil, fmt.Errorf("%w: validator %d: address %s does not match its key", ErrInvalidSet, i, v.Address)
		}
		if _, dup := s.byAddr[v.Address]; dup {
			return nil, fmt.Errorf("%w: validator %d: duplicate address %s", ErrInvalidSet, i, v.Address)
		}
		if blsSeen[v.BLSPubKey] {
			return nil, fmt.Errorf("%w: validator %d: duplicate BLS key", ErrInvalidSet, i)
		}
		k := known[v.BLSPubKey]
		if k == nil {
			var err error
			if k, err = v.BLSPubKey.Prepare(); err != nil {
				return nil, fmt.Errorf("%w: validator %d: %w", ErrInvalidSet, i, err)
			}
		}
		if v.Weight == 0 {
			return nil, fmt.Errorf("%w: validator %d: weight 0", ErrInvalidSet, i)
		}
		if v.Weight >= MaxTotalPower || s.total+v.Weight >= MaxTotalPower {
			return nil, fmt.Errorf("%w: total weight reaches 2^60 at validator %d", ErrInvalidSet, i)
		}
		s.total += v.Weight
		s.byAddr[v.Address] = i
		blsSeen[v.BLSPubKey] = true
		s.keys[i] = k
		s.vals[i] = Validator{Address: v.Address, PubKey: bytes.Clone(v.PubKey), BLSPubKey: v.BLSPubKey, Weight: v.Weight}
	}
	s.hash = hashValidators(s.vals)
	s.rotator = newRotation(s.vals, s.total)
	return s, nil
}

// FromGenesis builds the set of g.Authorities, in order, after verifying
// each authority's BLS proof of possession.
func FromGenesis(g *types.Genesis) (*Set, error) {
	vals := make([]Validator, len(g.Authorities))
	for i, a := range g.Authorities {
		pk, err := bls.PublicKeyFromBytes(a.BLSPubKey)
		if err != nil {
			return nil, fmt.Errorf("%w: authorities[%d].bls_pub_key: %w", ErrInvalidSet, i, err)
		}
		pop, err := bls.SignatureFromBytes(a.BLSPoP)
		if err != nil {
			return nil, fmt.Errorf("%w: authorities[%d].bls_pop: %w", ErrBadPossession, i, err)
		}
		if !bls.VerifyPossession(pk, pop) {
			return nil, fmt.Errorf("%w: authorities[%d] (%s)", ErrBadPossession, i, a.Address)
		}
		vals[i] = Validator{Address: a.Address, PubKey: a.PubKey, BLSPubKey: pk, Weight: a.Weight}
	}
	return NewSet(vals)
}

// valsetDomain prefixes the bytes Hash covers.
const valsetDomain = "AITBC/valset/v1\x00"

// hashValidators is SHA-256 of
// "AITBC/valset/v1\x00" || u32 n || n × (address[20] || ed25519[32] || bls[48] || u64 weight),
// integers big-endian, validators in set order.
func hashValidators(vals []Validator) types.Hash {
	b := make([]byte, 0, len(valsetDomain)+4+len(vals)*(types.AddressLen+types.PubKeyLen+bls.PublicKeySize+8))
	b = append(b, valsetDomain...)
	b = binary.BigEndian.AppendUint32(b, uint32(len(vals)))
	for _, v := range vals {
		b = append(b, v.Address[:]...)
		b = append(b, v.PubKey...)
		b = append(b, v.BLSPubKey[:]...)
		b = binary.BigEndian.AppendUint64(b, v.Weight)
	}
	return sha256.Sum256(b)
}

// Size is the number of validators.
func (s *Set) Size() int { return len(s.vals) }

// TotalPower is the sum of weights.
func (s *Set) TotalPower() uint64 { return s.total }

// Get returns validator i (a copy); it panics if i is out of range.
func (s *Set) Get(i int) Validator {
	v := s.vals[i]
	v.PubKey = bytes.Clone(v.PubKey)
	return v
}

// Weight is validator i's weight, or 0 outside the set.
func (s *Set) Weight(i int) uint64 {
	if i < 0 || i >= len(s.vals) {
		return 0
	}
	return s.vals[i].Weight
}

// IndexOf finds a validator by address.
func (s *Set) IndexOf(a types.Address) (int, bool) {
	i, ok := s.byAddr[a]
	return i, ok
}

// IndexOfBLS finds a validator by BLS public key (linear; for start-up only).
func (s *Set) IndexOfBLS(pk bls.PublicKey) (int, bool) {
	for i := range s.vals {
		if s.vals[i].BLSPubKey == pk {
			return i, true
		}
	}
	return -1, false
}

// Hash identifies the set (a header's ValidatorsHash); see hashValidators
// for the exact bytes.
func (s *Set) Hash() types.Hash { return s.hash }

// Quorum is the smallest power strictly above 2/3 of the total:
// floor(2·total/3) + 1.
func (s *Set) Quorum() uint64 { return 2*s.total/3 + 1 }

// OneThird is the smallest power strictly above 1/3 of the total:
// floor(total/3) + 1. Power this large includes at least one honest
// validator when at most f < total/3 is faulty.
func (s *Set) OneThird() uint64 { return s.total/3 + 1 }
