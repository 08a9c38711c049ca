package types

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

func TestParseHash(t *testing.T) {
	h := Sum256([]byte("x"))
	hexs := h.String()[2:]
	if h.String() != strings.ToLower(h.String()) || len(h.String()) != 66 {
		t.Fatalf("String() = %q", h.String())
	}
	for _, ok := range []string{h.String(), "0X" + hexs, "0x" + strings.ToUpper(hexs)} {
		got, err := ParseHash(ok)
		if err != nil || got != h {
			t.Fatalf("ParseHash(%q) = %v, %v", ok, got, err)
		}
	}
	for _, bad := range []string{
		"", "0x", hexs, "0x" + hexs[:63], "0x" + hexs + "0", "0x" + hexs[:62] + "zz",
		"0x " + hexs[:63], " 0x" + hexs, "1x" + hexs, "0x" + hexs[:62] + "\u00e9",
	} {
		if _, err := ParseHash(bad); !errors.Is(err, ErrBadHash) {
			t.Fatalf("ParseHash(%q) = %v, want ErrBadHash", bad, err)
		}
	}
	var back Hash
	txt, _ := h.MarshalText()
	if err := back.UnmarshalText(txt); err != nil || back != h {
		t.Fatal("hash text round trip")
	}
	if !ZeroHash.IsZero() || h.IsZero() {
		t.Fatal("IsZero")
	}
}

func TestParseAmount(t *testing.T) {
	tests := []struct {
		in   string
		want uint64
		ok   bool
	}{
		{"0", 0, true},
		{"1", 1, true},
		{"1000000", 1000000, true},
		{"18446744073709551615", 1<<64 - 1, true},
		{"18446744073709551616", 0, false}, // 2^64
		{"99999999999999999999999", 0, false},
		{"", 0, false},
		{"00", 0, false},
		{"01", 0, false},
		{"007", 0, false},
		{"+1", 0, false},
		{"-1", 0, false},
		{"-0", 0, false},
		{" 1", 0, false},
		{"1 ", 0, false},
		{"1.0", 0, false},
		{"1e3", 0, false},
		{"0x10", 0, false},
		{"1_000", 0, false},
		{"١", 0, false}, // Arabic-Indic digit one
	}
	for _, tc := range tests {
		got, err := ParseAmount(tc.in)
		if tc.ok != (err == nil) || got != tc.want {
			t.Errorf("ParseAmount(%q) = %d, %v; want %d ok=%v", tc.in, got, err, tc.want, tc.ok)
		}
		if err != nil && !errors.Is(err, ErrBadAmount) {
			t.Errorf("ParseAmount(%q) error %v does not wrap ErrBadAmount", tc.in, err)
		}
	}
}

func TestAmountJSON(t *testing.T) {
	for _, v := range []Amount{0, 7, 1<<64 - 1} {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		var back Amount
		if err := json.Unmarshal(b, &back); err != nil || back != v {
			t.Fatalf("%d -> %s -> %d, %v", v, b, back, err)
		}
	}
	if b, _ := json.Marshal(Amount(12)); string(b) != `"12"` {
		t.Fatalf("Amount JSON is %s, want a decimal string", b)
	}
	var a Amount
	for _, bad := range []string{`12`, `"012"`, `"-1"`, `"1.5"`, `"18446744073709551616"`} {
		if err := json.Unmarshal([]byte(bad), &a); err == nil {
			t.Errorf("Amount accepted JSON %s", bad)
		}
	}
}

func TestHexBytesJSON(t *testing.T) {
	b, _ := json.Marshal(HexBytes{0xab, 0x01})
	if string(b) != `"0xab01"` {
		t.Fatalf("HexBytes JSON %s", b)
	}
	for in, want := range map[string]string{`"0xab01"`: "ab01", `"0XAB01"`: "ab01", `"ab01"`: "ab01", `"0x"`: "", `""`: ""} {
		var h HexBytes
		if err := json.Unmarshal([]byte(in), &h); err != nil || strings.TrimPrefix(string(must(h.MarshalText())), "0x") != want {
			t.Errorf("HexBytes from %s = %x, %v", in, h, err)
		}
	}
	for _, bad := range []string{`"0xabc"`, `"0xzz"`, `"0x 1"`} {
		var h HexBytes
		if err := json.Unmarshal([]byte(bad), &h); err == nil {
			t.Errorf("HexBytes accepted %s", bad)
		}
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
