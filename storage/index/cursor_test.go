package index

import (
	"errors"
	"math"
	"strings"
	"testing"
)

func TestCursorRoundTrip(t *testing.T) {
	for _, c := range []cursor{{1, 0}, {math.MaxInt64, math.MaxUint32}, {42, 7}} {
		s := encodeCursor(c)
		if got, err := decodeCursor(s); err != nil || got != c {
			t.Errorf("decodeCursor(encodeCursor(%+v)) = %+v, %v", c, got, err)
		}
	}
}

func TestCursorRejects(t *testing.T) {
	valid := encodeCursor(cursor{5, 1})
	for _, s := range []string{
		"", "!", valid + "A", valid[:len(valid)-1], strings.Repeat("A", maxCursorLen+1),
		valid + "=", // padding is not part of the form
		encodeCursor(cursor{0, 1}),
		encodeCursor(cursor{1 << 63, 1}),
		"AgAAAAAAAAAFAAAAAQ",       // version 2
		valid[:len(valid)-1] + "R", // non-zero trailing bits
	} {
		_, err := decodeCursor(s)
		var ce *CursorError
		if !errors.Is(err, ErrBadCursor) || !errors.As(err, &ce) {
			t.Errorf("decodeCursor(%q) = %v, want *CursorError", s, err)
		}
	}
}

func FuzzDecodeCursor(f *testing.F) {
	for _, s := range []string{encodeCursor(cursor{1, 2}), encodeCursor(cursor{math.MaxInt64, 0}), "", "AQ", "%%%"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := decodeCursor(s)
		if err != nil {
			if !errors.Is(err, ErrBadCursor) {
				t.Fatalf("decodeCursor(%q) = %v, not ErrBadCursor", s, err)
			}
			return
		}
		if encodeCursor(c) != s {
			t.Fatalf("decodeCursor accepted %q, which encodes as %q", s, encodeCursor(c))
		}
	})
}

func TestAmountCodec(t *testing.T) {
	for _, v := range []uint64{0, 1, 1 << 63, math.MaxUint64} {
		s := encodeAmount(v)
		if len(s) != amountDigits {
			t.Fatalf("encodeAmount(%d) = %q", v, s)
		}
		if got, err := decodeAmount(s); err != nil || got != v {
			t.Fatalf("decodeAmount(%q) = %d, %v", s, got, err)
		}
	}
	// Padded text orders like the numbers.
	if !(encodeAmount(9) < encodeAmount(10) && encodeAmount(1<<63) < encodeAmount(math.MaxUint64)) {
		t.Fatal("stored amounts do not sort numerically")
	}
	for _, s := range []string{"", "1", "18446744073709551616", "-0000000000000000001", "0000000000000000000a", "000000000000000000001"} {
		if _, err := decodeAmount(s); err == nil {
			t.Errorf("decodeAmount(%q) accepted", s)
		}
	}
}

func FuzzDecodeAmount(f *testing.F) {
	for _, s := range []string{encodeAmount(0), encodeAmount(math.MaxUint64), "99999999999999999999", "x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := decodeAmount(s)
		if err == nil && encodeAmount(v) != s {
			t.Fatalf("decodeAmount accepted %q, which encodes as %q", s, encodeAmount(v))
		}
	})
}
