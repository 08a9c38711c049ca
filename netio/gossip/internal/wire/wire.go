package wire

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// LenPrefix is the size of a frame's u32 length field (docs/spec.md §16.1).
const LenPrefix = 4

var (
	// ErrFrameSize: a length prefix out of range; the stream cannot be
	// resynchronised.
	ErrFrameSize = errors.New("bad frame length")
	// ErrMalformed: a payload that does not follow its layout.
	ErrMalformed = errors.New("malformed message")
)

// Fault builds a layer's error for a field that failed to decode
// (sentinel is ErrMalformed for the Reader's own checks). A Reader calls
// it once, for the first field that fails. Implementations are values of
// at most a byte (a frame type) or of no size, so that making a Reader
// allocates nothing.
type Fault interface {
	Fault(field string, sentinel, cause error, info string) error
}

// Reader decodes a payload field by field and keeps the first error.
// Once a field fails, the later reads return zero values and the error
// stays.
type Reader struct {
	b     []byte
	off   int
	err   error
	fault Fault
}

// NewReader reads b; fault builds its errors.
func NewReader(b []byte, fault Fault) Reader {
	return Reader{b: b, fault: fault}
}

// Err is the first error, nil if every field so far was read.
func (r *Reader) Err() error { return r.err }

// Left is the number of bytes not read yet.
func (r *Reader) Left() int { return len(r.b) - r.off }

// Fail records an error for field unless one is recorded already.
func (r *Reader) Fail(field string, sentinel, cause error, info string) {
	if r.err == nil {
		r.err = r.fault.Fault(field, sentinel, cause, info)
	}
}

// Take returns the next n bytes of field, aliasing the payload.
func (r *Reader) Take(field string, n int) []byte {
	if r.err != nil {
		return nil
	}
	if n < 0 || len(r.b)-r.off < n {
		r.Fail(field, ErrMalformed, nil, "truncated")
		return nil
	}
	v := r.b[r.off : r.off+n]
	r.off += n
	return v
}

func (r *Reader) U16(field string) uint16 {
	if v := r.Take(field, 2); v != nil {
		return binary.BigEndian.Uint16(v)
	}
	return 0
}

func (r *Reader) U32(field string) uint32 {
	if v := r.Take(field, 4); v != nil {
		return binary.BigEndian.Uint32(v)
	}
	return 0
}

func (r *Reader) U64(field string) uint64 {
	if v := r.Take(field, 8); v != nil {
		return binary.BigEndian.Uint64(v)
	}
	return 0
}

// Fixed copies the next len(dst) bytes into dst.
func (r *Reader) Fixed(field string, dst []byte) {
	if v := r.Take(field, len(dst)); v != nil {
		copy(dst, v)
	}
}

// Bytes32 reads u32 length || bytes without copying; the length is
// bounded by max and by what is left.
func (r *Reader) Bytes32(field string, max int) []byte {
	n := r.U32(field)
	if r.err == nil && uint64(n) > uint64(max) {
		r.Fail(field, ErrMalformed, nil, fmt.Sprintf("length %d > %d", n, max))
		return nil
	}
	return r.Take(field, int(n))
}

// Finish fails on trailing bytes and returns the first error.
func (r *Reader) Finish() error {
	if r.err == nil && r.off != len(r.b) {
		r.Fail("end", ErrMalformed, nil, fmt.Sprintf("%d trailing bytes", len(r.b)-r.off))
	}
	return r.err
}

// Describe is the text of a field error of either layer:
// "gossip FRAME frame: FIELD: SENTINEL (INFO): CAUSE".
func Describe(frame, field string, sentinel, cause error, info string) string {
	s := fmt.Sprintf("gossip %s frame: %s: %v", frame, field, sentinel)
	if info != "" {
		s += " (" + info + ")"
	}
	if cause != nil {
		s += ": " + cause.Error()
	}
	return s
}

// Unwrap is what a field error of either layer unwraps to: its class
// sentinel and, if any, the decoder's error, so that errors.Is and
// errors.As find both.
func Unwrap(sentinel, cause error) []error {
	if cause == nil {
		return []error{sentinel}
	}
	return []error{sentinel, cause}
}
