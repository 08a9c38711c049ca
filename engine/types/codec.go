package types

import (
	"encoding/binary"
	"fmt"
)

// encoder appends big-endian fields to a byte slice.
type encoder struct{ b []byte }

func (e *encoder) u8(v uint8)     { e.b = append(e.b, v) }
func (e *encoder) u32(v uint32)   { e.b = binary.BigEndian.AppendUint32(e.b, v) }
func (e *encoder) u64(v uint64)   { e.b = binary.BigEndian.AppendUint64(e.b, v) }
func (e *encoder) raw(v []byte)   { e.b = append(e.b, v...) }
func (e *encoder) bytes(v []byte) { e.u32(uint32(len(v))); e.b = append(e.b, v...) }

// decoder reads fields in order and remembers the first error.
type decoder struct {
	b     []byte
	off   int
	what  string
	err   error
	field string
}

func newDecoder(what string, b []byte) *decoder { return &decoder{b: b, what: what} }

func (d *decoder) fail(field string, sentinel error, info string) {
	if d.err == nil {
		d.err = &DecodeError{What: d.what, Field: field, Err: sentinel, Info: info}
	}
}

func (d *decoder) take(field string, n int) []byte {
	if d.err != nil {
		return nil
	}
	if n < 0 || len(d.b)-d.off < n {
		d.fail(field, ErrMalformed, "truncated")
		return nil
	}
	v := d.b[d.off : d.off+n]
	d.off += n
	return v
}

func (d *decoder) u8(field string) uint8 {
	v := d.take(field, 1)
	if v == nil {
		return 0
	}
	return v[0]
}

func (d *decoder) u32(field string) uint32 {
	v := d.take(field, 4)
	if v == nil {
		return 0
	}
	return binary.BigEndian.Uint32(v)
}

func (d *decoder) u64(field string) uint64 {
	v := d.take(field, 8)
	if v == nil {
		return 0
	}
	return binary.BigEndian.Uint64(v)
}

func (d *decoder) fixed(field string, dst []byte) {
	if v := d.take(field, len(dst)); v != nil {
		copy(dst, v)
	}
}

// bytes reads a u32 length prefix and that many bytes (copied), bounded by max.
func (d *decoder) bytes(field string, min, max int) []byte {
	n := d.u32(field)
	if d.err != nil {
		return nil
	}
	if uint64(n) > uint64(max) {
		d.fail(field, ErrOversize, fmt.Sprintf("length %d > %d", n, max))
		return nil
	}
	if int(n) < min {
		d.fail(field, ErrMalformed, fmt.Sprintf("length %d < %d", n, min))
		return nil
	}
	v := d.take(field, int(n))
	if v == nil {
		return nil
	}
	out := make([]byte, len(v))
	copy(out, v)
	return out
}

// finish reports trailing bytes as malformed and returns the first error.
func (d *decoder) finish() error {
	if d.err == nil && d.off != len(d.b) {
		d.fail("end", ErrMalformed, fmt.Sprintf("%d trailing bytes", len(d.b)-d.off))
	}
	return d.err
}
