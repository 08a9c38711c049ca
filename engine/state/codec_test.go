package state

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"reflect"
	"testing"

	"aitbc/engine/types"
)

// codecRecords are records covering every field: authority and staker,
// with and without unbonding entries and a downtime bitmap, jailed and
// tombstoned.
func codecRecords() map[string]StakeRecord {
	spec := specStakeRecord()
	staker := StakeRecord{Address: types.Address{0: 0xaa, 19: 2}, Kind: KindStaker, Bonded: 1 << 40}
	staker.PubKey[0], staker.BLSPubKey[47] = 3, 4
	full := spec
	full.Kind, full.Power = KindStaker, 0
	full.Unbonding = []Unbonding{{1, 2, 3}, {^uint64(0), ^uint64(0), ^uint64(0)}, {0, 0, 0}}
	full.Jailed, full.Tombstoned, full.JailedUntil = true, true, ^uint64(0)
	full.Missed = bytes.Repeat([]byte{0xff}, MaxStoredMissed)
	full.MissedCount = types.MaxSignedBlocksWindow
	tomb := staker
	tomb.Tombstoned = true
	counted := staker // a count with no bitmap: nothing forbids it, and it has one encoding
	counted.MissedCount = 5
	return map[string]StakeRecord{
		"zero":                     {},
		"spec vector":              spec,
		"staker":                   staker,
		"tombstoned only":          tomb,
		"every field max":          full,
		"count, no bitmap":         counted,
		"authority unbonding only": {Kind: KindAuthority, Power: 10, Unbonding: []Unbonding{{5, 6, 7}}},
		"missed only":              {Missed: []byte{0, 0, 0x80}, MissedCount: 1},
	}
}

func TestStakeRecordRoundTrip(t *testing.T) {
	for name, r := range codecRecords() {
		b := EncodeStakeRecord(&r)
		got, err := DecodeStakeRecord(b)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !reflect.DeepEqual(got, r) || !got.equal(&r) {
			t.Fatalf("%s: decoded %+v, want %+v", name, got, r)
		}
		if !bytes.Equal(EncodeStakeRecord(&got), b) {
			t.Fatalf("%s: re-encoding differs", name)
		}
		// The stored form is the leaf's preimage behind a version byte.
		if b[0] != 1 || types.Hash(sha256.Sum256(append([]byte(stakeLeafDomain), b[1:]...))) != r.leaf() {
			t.Fatalf("%s: stored bytes are not version 1 || the leaf's layout", name)
		}
	}
}

// Empty slices encode like nil ones and decode as nil.
func TestStakeRecordEmptyIsNil(t *testing.T) {
	r := StakeRecord{Unbonding: []Unbonding{}, Missed: []byte{}}
	got, err := DecodeStakeRecord(EncodeStakeRecord(&r))
	if err != nil {
		t.Fatal(err)
	}
	if got.Unbonding != nil || got.Missed != nil {
		t.Fatalf("empty slices decoded as %#v, %#v; want nil", got.Unbonding, got.Missed)
	}
	if !bytes.Equal(EncodeStakeRecord(&r), EncodeStakeRecord(&StakeRecord{})) {
		t.Fatal("empty and nil slices encode differently")
	}
}

// Offsets in a record's encoding with no unbonding entries.
const (
	offKind        = 1 + 20
	offUnbondingN  = offKind + 1 + 8 + 32 + 48 + 8
	offFlags       = offUnbondingN + 4 + 8 // with n = 0
	offMissedCount = offFlags + 1
	offMissedN     = offMissedCount + 8
)

func TestDecodeStakeRecordRejects(t *testing.T) {
	spec := specStakeRecord()
	valid := EncodeStakeRecord(&spec)
	base := func() []byte { // no unbonding entries, no bitmap
		r := spec
		r.Unbonding, r.Missed, r.MissedCount = nil, nil, 0
		return EncodeStakeRecord(&r)
	}
	with := func(f func(b []byte) []byte) []byte { return f(base()) }
	// withMissed is base with missed_count c and an m-byte bitmap whose
	// length field says n.
	withMissed := func(c uint64, n uint32, m int) []byte {
		b := base()[:offMissedCount]
		b = binary.BigEndian.AppendUint64(b, c)
		b = binary.BigEndian.AppendUint32(b, n)
		return append(b, make([]byte, m)...)
	}
	withUnbonding := func(n uint32, m int) []byte {
		b := base()
		tail := bytes.Clone(b[offUnbondingN+4:])
		b = binary.BigEndian.AppendUint32(b[:offUnbondingN], n)
		b = append(b, make([]byte, 24*m)...)
		return append(b, tail...)
	}
	cases := map[string][]byte{
		"empty":                      nil,
		"version 0":                  with(func(b []byte) []byte { b[0] = 0; return b }),
		"version 2":                  with(func(b []byte) []byte { b[0] = 2; return b }),
		"only a version":             {1},
		"truncated":                  valid[:len(valid)-1],
		"truncated header":           valid[:offKind+3],
		"trailing byte":              append(bytes.Clone(valid), 0),
		"trailing bytes":             append(bytes.Clone(valid), 1, 2, 3),
		"kind 2":                     with(func(b []byte) []byte { b[offKind] = 2; return b }),
		"kind 255":                   with(func(b []byte) []byte { b[offKind] = 0xff; return b }),
		"flag 4":                     with(func(b []byte) []byte { b[offFlags] = 4; return b }),
		"flags 0x83":                 with(func(b []byte) []byte { b[offFlags] = 0x83; return b }),
		"unbonding count over input": withUnbonding(2, 1),
		"unbonding count 2^32-1":     withUnbonding(^uint32(0), 1),
		"unbonding over maximum":     withUnbonding(MaxStoredUnbonding+1, MaxStoredUnbonding+1),
		"bitmap count over input":    withMissed(1, 3, 2),
		"bitmap count 2^32-1":        withMissed(1, ^uint32(0), 2),
		"bitmap over maximum":        withMissed(1, MaxStoredMissed+1, MaxStoredMissed+1),
		"bitmap with count 0":        withMissed(0, 1, 1),
		"zero bitmap with count 0":   withMissed(0, 2, 2),
	}
	for name, b := range cases {
		_, err := DecodeStakeRecord(b)
		if !errors.Is(err, types.ErrMalformed) {
			t.Errorf("%s: err %v, want ErrMalformed", name, err)
		}
	}
	// The limits themselves decode.
	for name, b := range map[string][]byte{
		"unbonding at maximum": withUnbonding(MaxStoredUnbonding, MaxStoredUnbonding),
		"bitmap at maximum":    withMissed(1, MaxStoredMissed, MaxStoredMissed),
		"base":                 base(),
	} {
		if _, err := DecodeStakeRecord(b); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestSupplyRoundTrip(t *testing.T) {
	for _, s := range []Supply{{}, {Minted: 1000, Slashed: 15}, {Minted: ^uint64(0), Slashed: ^uint64(0)}} {
		b := EncodeSupply(s)
		if len(b) != 17 || b[0] != 1 {
			t.Fatalf("%+v: encoding %x", s, b)
		}
		got, err := DecodeSupply(b)
		if err != nil || got != s {
			t.Fatalf("%+v: decoded %+v, %v", s, got, err)
		}
	}
	want := []byte{1, 0, 0, 0, 0, 0, 0, 0x03, 0xe8, 0, 0, 0, 0, 0, 0, 0, 0x0f}
	if b := EncodeSupply(Supply{Minted: 1000, Slashed: 15}); !bytes.Equal(b, want) {
		t.Fatalf("encoding %x, want %x", b, want)
	}
}

func TestDecodeSupplyRejects(t *testing.T) {
	valid := EncodeSupply(Supply{Minted: 1, Slashed: 2})
	wrongVersion := bytes.Clone(valid)
	wrongVersion[0] = 2
	for name, b := range map[string][]byte{
		"empty":        nil,
		"version only": {1},
		"truncated":    valid[:16],
		"trailing":     append(bytes.Clone(valid), 0),
		"version 2":    wrongVersion,
		"version 0":    append([]byte{0}, valid[1:]...),
		"no version":   valid[1:],
	} {
		if _, err := DecodeSupply(b); !errors.Is(err, types.ErrMalformed) {
			t.Errorf("%s: err %v, want ErrMalformed", name, err)
		}
	}
}

// FuzzDecodeStakeRecord: decoding never panics, every failure wraps
// ErrMalformed, and whatever decodes re-encodes to exactly its input (the
// encoding is canonical) and keeps the one-encoding rules.
func FuzzDecodeStakeRecord(f *testing.F) {
	for _, r := range codecRecords() {
		f.Add(EncodeStakeRecord(&r))
	}
	spec := specStakeRecord()
	valid := EncodeStakeRecord(&spec)
	f.Add(valid[:len(valid)-1])
	f.Add(append(bytes.Clone(valid), 0))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := DecodeStakeRecord(b)
		if err != nil {
			if !errors.Is(err, types.ErrMalformed) {
				t.Fatalf("error %v does not wrap ErrMalformed", err)
			}
			return
		}
		if got := EncodeStakeRecord(&r); !bytes.Equal(got, b) {
			t.Fatalf("%x decodes to %+v, which encodes to %x", b, r, got)
		}
		if (r.Unbonding != nil && len(r.Unbonding) == 0) || (r.Missed != nil && len(r.Missed) == 0) ||
			(r.MissedCount == 0 && r.Missed != nil) || (r.Kind != KindStaker && r.Kind != KindAuthority) ||
			len(r.Unbonding) > MaxStoredUnbonding || len(r.Missed) > MaxStoredMissed {
			t.Fatalf("decoded a record that breaks the rules: %+v", r)
		}
	})
}

// FuzzDecodeSupply: as FuzzDecodeStakeRecord, for the supply.
func FuzzDecodeSupply(f *testing.F) {
	f.Add(EncodeSupply(Supply{Minted: 1000, Slashed: 15}))
	f.Add(EncodeSupply(Supply{}))
	f.Add([]byte{2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0})
	f.Add([]byte{1, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := DecodeSupply(b)
		if err != nil {
			if !errors.Is(err, types.ErrMalformed) {
				t.Fatalf("error %v does not wrap ErrMalformed", err)
			}
			return
		}
		if got := EncodeSupply(s); !bytes.Equal(got, b) {
			t.Fatalf("%x decodes to %+v, which encodes to %x", b, s, got)
		}
	})
}
