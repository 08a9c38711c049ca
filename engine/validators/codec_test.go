package validators_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"reflect"
	"testing"

	"aitbc/engine/types"
	"aitbc/engine/validators"
	"aitbc/engine/validators/valtest"
)

const memberLen = 20 + 32 + 48 + 8

func members(s *validators.Set) []validators.Validator {
	out := make([]validators.Validator, s.Size())
	for i := range out {
		out[i] = s.Get(i)
	}
	return out
}

func codecSets(t testing.TB) map[string]*validators.Set {
	one, _ := valtest.Set(7)
	many, _ := valtest.Set(5, 1, 9, 1<<40, 3, 3, 2, 100)
	equal, _ := valtest.Set(valtest.Equal(21)...)
	// Not in generation order: the stored order is kept.
	rev := vals(1, 2, 3, 4)
	for i, j := 0, len(rev)-1; i < j; i, j = i+1, j-1 {
		rev[i], rev[j] = rev[j], rev[i]
	}
	reversed, err := validators.NewSet(rev)
	if err != nil {
		t.Fatal(err)
	}
	return map[string]*validators.Set{"one": one, "many": many, "21 equal": equal, "reversed": reversed}
}

func TestSetRoundTrip(t *testing.T) {
	for name, s := range codecSets(t) {
		b := encodeChecked(t, s)
		got, err := validators.DecodeSet(b)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got.Hash() != s.Hash() {
			t.Fatalf("%s: decoded hash %s, want %s", name, got.Hash(), s.Hash())
		}
		if got.TotalPower() != s.TotalPower() || !reflect.DeepEqual(members(got), members(s)) {
			t.Fatalf("%s: decoded members differ", name)
		}
		if !bytes.Equal(validators.EncodeSet(got), b) {
			t.Fatalf("%s: re-encoding differs", name)
		}
	}
}

// encodeChecked encodes s and checks the layout field by field.
func encodeChecked(t *testing.T, s *validators.Set) []byte {
	t.Helper()
	b := validators.EncodeSet(s)
	if len(b) != 5+s.Size()*memberLen || b[0] != 1 || binary.BigEndian.Uint32(b[1:5]) != uint32(s.Size()) {
		t.Fatalf("encoding header %x, %d bytes for %d validators", b[:5], len(b), s.Size())
	}
	for i := range s.Size() {
		v, p := s.Get(i), b[5+i*memberLen:5+(i+1)*memberLen]
		if !bytes.Equal(p[:20], v.Address[:]) || !bytes.Equal(p[20:52], v.PubKey) ||
			!bytes.Equal(p[52:100], v.BLSPubKey[:]) || binary.BigEndian.Uint64(p[100:]) != v.Weight {
			t.Fatalf("validator %d encoded as %x", i, p)
		}
	}
	return b
}

// The largest set there can be decodes.
func TestSetRoundTripMax(t *testing.T) {
	if testing.Short() {
		t.Skip("builds 1024 BLS keys")
	}
	s, _ := valtest.Set(valtest.Equal(types.MaxValidators)...)
	got, err := validators.DecodeSet(validators.EncodeSet(s))
	if err != nil || got.Hash() != s.Hash() {
		t.Fatalf("max set: %v", err)
	}
}

func TestDecodeSetRejects(t *testing.T) {
	s, _ := valtest.Set(1, 2, 3)
	valid := validators.EncodeSet(s)
	with := func(f func(b []byte) []byte) []byte { return f(bytes.Clone(valid)) }
	count := func(n uint32) []byte {
		return with(func(b []byte) []byte { binary.BigEndian.PutUint32(b[1:5], n); return b })
	}
	member := func(i, off int, f func(p []byte)) []byte {
		return with(func(b []byte) []byte { f(b[5+i*memberLen+off:]); return b })
	}
	layout := map[string][]byte{
		"empty":             nil,
		"version only":      {1},
		"short count":       valid[:4],
		"version 0":         with(func(b []byte) []byte { b[0] = 0; return b }),
		"version 2":         with(func(b []byte) []byte { b[0] = 2; return b }),
		"count 0":           {1, 0, 0, 0, 0},
		"count 0 with data": count(0),
		"count over max":    count(types.MaxValidators + 1),
		"count 2^32-1":      count(^uint32(0)),
		"count over input":  count(4),
		"count under input": count(2),
		"truncated":         valid[:len(valid)-1],
		"truncated member":  valid[:5+memberLen+10],
		"trailing byte":     append(bytes.Clone(valid), 0),
		"trailing member":   append(bytes.Clone(valid), valid[5:5+memberLen]...),
	}
	for name, b := range layout {
		_, err := validators.DecodeSet(b)
		if !errors.Is(err, types.ErrMalformed) {
			t.Errorf("%s: err %v, want ErrMalformed", name, err)
		}
		if errors.Is(err, validators.ErrInvalidSet) {
			t.Errorf("%s: layout error %v wraps ErrInvalidSet", name, err)
		}
	}
	two := vals(1, 2)
	dupe := validators.EncodeSet(s)
	copy(dupe[5+2*memberLen:], dupe[5:5+memberLen]) // validator 2 = validator 0
	badMembers := map[string][]byte{
		"duplicate member":     dupe,
		"address mismatch":     member(1, 0, func(p []byte) { p[0] ^= 1 }),
		"ed25519 key mismatch": member(1, 20, func(p []byte) { p[0] ^= 1 }),
		"duplicate BLS key":    member(1, 52, func(p []byte) { copy(p[:48], two[0].BLSPubKey[:]) }),
		"invalid BLS key":      member(2, 52, func(p []byte) { p[47] ^= 1 }),
		"zero BLS key":         member(2, 52, func(p []byte) { clear(p[:48]) }),
		"weight 0":             member(0, 100, func(p []byte) { clear(p[:8]) }),
		"weight 2^60":          member(0, 100, func(p []byte) { binary.BigEndian.PutUint64(p, validators.MaxTotalPower) }),
		"total 2^60":           member(2, 100, func(p []byte) { binary.BigEndian.PutUint64(p, validators.MaxTotalPower-3) }),
	}
	for name, b := range badMembers {
		_, err := validators.DecodeSet(b)
		if !errors.Is(err, types.ErrMalformed) || !errors.Is(err, validators.ErrInvalidSet) {
			t.Errorf("%s: err %v, want ErrMalformed and ErrInvalidSet", name, err)
		}
	}
}

// FuzzDecodeSet: decoding never panics, every failure wraps ErrMalformed,
// and whatever decodes re-encodes to exactly its input and hashes like a
// set built from its members.
func FuzzDecodeSet(f *testing.F) {
	one, _ := valtest.Set(7)
	three, _ := valtest.Set(1, 2, 3)
	f.Add(validators.EncodeSet(one))
	f.Add(validators.EncodeSet(three))
	b := validators.EncodeSet(three)
	f.Add(b[:len(b)-1])
	b[len(b)-60] ^= 1 // validator 2's BLS key
	f.Add(b)
	f.Add([]byte{1, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := validators.DecodeSet(b)
		if err != nil {
			if !errors.Is(err, types.ErrMalformed) {
				t.Fatalf("error %v does not wrap ErrMalformed", err)
			}
			return
		}
		if got := validators.EncodeSet(s); !bytes.Equal(got, b) {
			t.Fatalf("%x decodes to a set that encodes to %x", b, got)
		}
		built, err := validators.NewSet(members(s))
		if err != nil || built.Hash() != s.Hash() {
			t.Fatalf("rebuilt from its members: %v, hash %v want %s", err, built, s.Hash())
		}
	})
}
