package state

import (
	"encoding/binary"
	"fmt"

	"aitbc/engine/types"
)

// The block store keeps stake records and the supply in the binary forms
// below (docs/spec.md §13.6). Each starts with a format version byte so
// that a later layout can be told apart; every value has exactly one
// encoding, and a decoder accepts only that one.

// codecVersion is the format version byte of EncodeStakeRecord and
// EncodeSupply.
const codecVersion = 1

// MaxStoredUnbonding bounds the unbonding entries DecodeStakeRecord
// accepts in one record. Each entry is one UNSTAKE still within the
// unbonding period; the state machine keeps at most MaxUnbondingEntries,
// so the bound only keeps a corrupt store from describing an absurd record
// (the length is also checked against the input before anything is
// allocated).
const MaxStoredUnbonding = 1 << 16

// MaxStoredMissed bounds the downtime bitmap DecodeStakeRecord accepts:
// ceil(types.MaxSignedBlocksWindow / 8) bytes.
const MaxStoredMissed = (types.MaxSignedBlocksWindow + 7) / 8

const (
	flagJailed     = 1
	flagTombstoned = 2
)

// EncodeStakeRecord is the stored form of r: u8 version (1) || the bytes
// the stake leaf hashes after its domain (leaf): address[20] || u8 kind ||
// u64 power || ed25519[32] || bls[48] || u64 bonded || u32 n ||
// n × (u64 amount || u64 release || u64 start) || u64 jailed_until ||
// u8 flags (1 jailed, 2 tombstoned) || u64 missed_count || u32 m ||
// missed[m], integers big-endian.
func EncodeStakeRecord(r *StakeRecord) []byte {
	return r.appendFields(append(make([]byte, 0, 1+r.fieldsLen()), codecVersion))
}

// fieldsLen is the length of appendFields's bytes.
func (r *StakeRecord) fieldsLen() int {
	return types.AddressLen + 1 + 8 + types.PubKeyLen + types.BLSPubKeyLen + 8 + 4 + 24*len(r.Unbonding) + 8 + 1 + 8 + 4 + len(r.Missed)
}

// appendFields appends the record's fields in the layout that both the
// stake leaf (after its domain) and the stored form (after its version)
// use.
func (r *StakeRecord) appendFields(b []byte) []byte {
	b = append(b, r.Address[:]...)
	b = append(b, byte(r.Kind))
	b = binary.BigEndian.AppendUint64(b, r.Power)
	b = append(b, r.PubKey[:]...)
	b = append(b, r.BLSPubKey[:]...)
	b = binary.BigEndian.AppendUint64(b, r.Bonded)
	b = binary.BigEndian.AppendUint32(b, uint32(len(r.Unbonding)))
	for _, u := range r.Unbonding {
		b = binary.BigEndian.AppendUint64(b, u.Amount)
		b = binary.BigEndian.AppendUint64(b, u.Release)
		b = binary.BigEndian.AppendUint64(b, u.Start)
	}
	b = binary.BigEndian.AppendUint64(b, r.JailedUntil)
	var flags byte
	if r.Jailed {
		flags |= flagJailed
	}
	if r.Tombstoned {
		flags |= flagTombstoned
	}
	b = append(b, flags)
	b = binary.BigEndian.AppendUint64(b, r.MissedCount)
	b = binary.BigEndian.AppendUint32(b, uint32(len(r.Missed)))
	return append(b, r.Missed...)
}

// DecodeStakeRecord parses EncodeStakeRecord's bytes. Any deviation (a
// version other than 1, truncation, trailing bytes, an unknown kind, flag
// bits other than 1 and 2, more than MaxStoredUnbonding entries, a bitmap
// over MaxStoredMissed bytes, or a non-empty bitmap with missed_count 0)
// is an error wrapping types.ErrMalformed. Empty Unbonding and Missed
// decode as nil.
func DecodeStakeRecord(b []byte) (StakeRecord, error) {
	d := codecReader{what: "stake record", b: b}
	var r StakeRecord
	d.version()
	d.bytes("address", r.Address[:])
	switch k := StakeKind(d.u8("kind")); k {
	case KindStaker, KindAuthority:
		r.Kind = k
	default:
		d.fail("kind", "unknown kind %d", k)
	}
	r.Power = d.u64("power")
	d.bytes("pub_key", r.PubKey[:])
	d.bytes("bls_pub_key", r.BLSPubKey[:])
	r.Bonded = d.u64("bonded")
	if n := d.count("unbonding", MaxStoredUnbonding, 24); n > 0 {
		r.Unbonding = make([]Unbonding, n)
		for i := range r.Unbonding {
			r.Unbonding[i] = Unbonding{Amount: d.u64("unbonding"), Release: d.u64("unbonding"), Start: d.u64("unbonding")}
		}
	}
	r.JailedUntil = d.u64("jailed_until")
	flags := d.u8("flags")
	if flags&^(flagJailed|flagTombstoned) != 0 {
		d.fail("flags", "unknown flag bits %#02x", flags)
	}
	r.Jailed, r.Tombstoned = flags&flagJailed != 0, flags&flagTombstoned != 0
	r.MissedCount = d.u64("missed_count")
	switch m := d.count("missed", MaxStoredMissed, 1); {
	case m > 0 && r.MissedCount == 0:
		d.fail("missed", "%d-byte bitmap with missed_count 0", m)
	case m > 0:
		r.Missed = make([]byte, m)
		d.bytes("missed", r.Missed)
	}
	if err := d.end(); err != nil {
		return StakeRecord{}, err
	}
	return r, nil
}

// EncodeSupply is the stored form of s: u8 version (1) || u64 minted ||
// u64 slashed, big-endian.
func EncodeSupply(s Supply) []byte {
	b := make([]byte, 0, 17)
	b = append(b, codecVersion)
	b = binary.BigEndian.AppendUint64(b, s.Minted)
	return binary.BigEndian.AppendUint64(b, s.Slashed)
}

// DecodeSupply parses EncodeSupply's bytes; anything but exactly 17 bytes
// with version 1 is an error wrapping types.ErrMalformed.
func DecodeSupply(b []byte) (Supply, error) {
	d := codecReader{what: "supply", b: b}
	d.version()
	s := Supply{Minted: d.u64("minted"), Slashed: d.u64("slashed")}
	if err := d.end(); err != nil {
		return Supply{}, err
	}
	return s, nil
}

// codecReader reads big-endian fields and keeps the first error; after an
// error every read returns zero and consumes nothing.
type codecReader struct {
	what string
	b    []byte
	err  error
}

func (d *codecReader) fail(field, format string, args ...any) {
	if d.err == nil {
		d.err = &types.DecodeError{What: d.what, Field: field, Err: types.ErrMalformed, Info: fmt.Sprintf(format, args...)}
	}
}

func (d *codecReader) take(field string, n int) []byte {
	if d.err != nil {
		return nil
	}
	if len(d.b) < n {
		d.fail(field, "truncated: need %d bytes, have %d", n, len(d.b))
		return nil
	}
	p := d.b[:n]
	d.b = d.b[n:]
	return p
}

func (d *codecReader) version() {
	if v := d.u8("version"); d.err == nil && v != codecVersion {
		d.fail("version", "version %d, want %d", v, codecVersion)
	}
}

func (d *codecReader) bytes(field string, dst []byte) {
	if p := d.take(field, len(dst)); p != nil {
		copy(dst, p)
	}
}

func (d *codecReader) u8(field string) uint8 {
	if p := d.take(field, 1); p != nil {
		return p[0]
	}
	return 0
}

func (d *codecReader) u64(field string) uint64 {
	if p := d.take(field, 8); p != nil {
		return binary.BigEndian.Uint64(p)
	}
	return 0
}

// count reads a u32 element count and checks it against limit and against
// the bytes left (size bytes per element) before anything is allocated;
// 0 after an error.
func (d *codecReader) count(field string, limit, size int) int {
	p := d.take(field, 4)
	if p == nil {
		return 0
	}
	n := uint64(binary.BigEndian.Uint32(p))
	switch {
	case n > uint64(limit):
		d.fail(field, "%d entries > %d", n, limit)
		return 0
	case n*uint64(size) > uint64(len(d.b)):
		d.fail(field, "truncated: %d entries need %d bytes, have %d", n, n*uint64(size), len(d.b))
		return 0
	}
	return int(n)
}

// end reports the first error, or trailing bytes.
func (d *codecReader) end() error {
	if d.err == nil && len(d.b) != 0 {
		d.fail("input", "%d trailing bytes", len(d.b))
	}
	return d.err
}
