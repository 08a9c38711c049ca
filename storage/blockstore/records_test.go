package blockstore

import (
	"bytes"
	"errors"
	"testing"

	"aitbc/engine/state"
	"aitbc/engine/types"
)

func TestRecordRoundTrip(t *testing.T) {
	acct := state.Account{Balance: 1<<64 - 1, Nonce: 7}
	if got, err := decodeAccount(encodeAccount(acct)); err != nil || got != acct {
		t.Errorf("account round trip: %+v, %v", got, err)
	}
	if h, i, err := decodeLocation(encodeLocation(9, 1<<32-1)); err != nil || h != 9 || i != 1<<32-1 {
		t.Errorf("location round trip: %d %d %v", h, i, err)
	}
	head := headRecord{Height: 3, Hash: types.Sum256([]byte("a")), Time: 99, StateRoot: types.Sum256([]byte("b")), TxCount: 5}
	if got, err := decodeHead(encodeHead(head)); err != nil || got != head {
		t.Errorf("head round trip: %+v, %v", got, err)
	}
	c := chainRecord{ChainID: "aitbc-devnet", Genesis: types.Sum256([]byte("g"))}
	if got, err := decodeChain(encodeChain(c)); err != nil || got != c {
		t.Errorf("chain round trip: %+v, %v", got, err)
	}
	if got, err := decodeHeight(encodeHeight(12)); err != nil || got != 12 {
		t.Errorf("height round trip: %d, %v", got, err)
	}
	if got, err := decodeFormat(encodeFormat(formatVersion)); err != nil || got != formatVersion {
		t.Errorf("format round trip: %d, %v", got, err)
	}
}

func TestRecordDecodersReject(t *testing.T) {
	acct := encodeAccount(state.Account{Balance: 1, Nonce: 2})
	loc := encodeLocation(1, 2)
	head := encodeHead(headRecord{Height: 1})
	chain := encodeChain(chainRecord{ChainID: "c"})
	with := func(b []byte, i int, v byte) []byte { b = bytes.Clone(b); b[i] = v; return b }
	tests := []struct {
		name   string
		decode func([]byte) error
		in     []byte
	}{
		{"account empty", errOnly(decodeAccount), nil},
		{"account short", errOnly(decodeAccount), acct[:16]},
		{"account long", errOnly(decodeAccount), append(bytes.Clone(acct), 0)},
		{"account version", errOnly(decodeAccount), with(acct, 0, 2)},
		{"location short", func(b []byte) error { _, _, err := decodeLocation(b); return err }, loc[:12]},
		{"location version", func(b []byte) error { _, _, err := decodeLocation(b); return err }, with(loc, 0, 0)},
		{"location height 0", func(b []byte) error { _, _, err := decodeLocation(b); return err }, encodeLocation(0, 1)},
		{"head short", errOnly(decodeHead), head[:84]},
		{"head height 0", errOnly(decodeHead), encodeHead(headRecord{})},
		{"chain empty", errOnly(decodeChain), nil},
		{"chain length lies", errOnly(decodeChain), with(chain, 4, 2)},
		{"chain huge length", errOnly(decodeChain), with(chain, 1, 0xff)},
		{"chain bad id", errOnly(decodeChain), with(chain, 5, ' ')},
		{"chain version", errOnly(decodeChain), with(chain, 0, 9)},
		{"chain oversize", errOnly(decodeChain), make([]byte, 1+4+types.MaxChainIDLen+types.HashLen+1)},
		{"height short", errOnly(decodeHeight), []byte{1}},
		{"height 0", errOnly(decodeHeight), make([]byte, 8)},
		{"format 0", errOnly(decodeFormat), make([]byte, 4)},
		{"format short", errOnly(decodeFormat), []byte{0, 1}},
	}
	for _, tc := range tests {
		err := tc.decode(tc.in)
		var ce *CorruptError
		if !errors.Is(err, ErrCorrupt) || !errors.As(err, &ce) {
			t.Errorf("%s: err = %v, want *CorruptError", tc.name, err)
		}
	}
}

func errOnly[T any](f func([]byte) (T, error)) func([]byte) error {
	return func(b []byte) error { _, err := f(b); return err }
}

// Each fuzz target checks that the decoder never panics, that a failure is
// a *CorruptError and that whatever it accepts re-encodes to the same bytes.
func fuzzRecord[T any](f *testing.F, decode func([]byte) (T, error), encode func(T) []byte, seeds ...[]byte) {
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		v, err := decode(b)
		if err != nil {
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("error %v is not ErrCorrupt", err)
			}
			return
		}
		if !bytes.Equal(encode(v), b) {
			t.Fatalf("accepted %x, re-encodes to %x", b, encode(v))
		}
	})
}

func FuzzDecodeAccount(f *testing.F) {
	fuzzRecord(f, decodeAccount, encodeAccount, encodeAccount(state.Account{Balance: 5, Nonce: 1}))
}

type location struct {
	h uint64
	i uint32
}

func FuzzDecodeLocation(f *testing.F) {
	fuzzRecord(f,
		func(b []byte) (location, error) { h, i, err := decodeLocation(b); return location{h, i}, err },
		func(l location) []byte { return encodeLocation(l.h, l.i) },
		encodeLocation(3, 4))
}

func FuzzDecodeHead(f *testing.F) {
	fuzzRecord(f, decodeHead, encodeHead, encodeHead(headRecord{Height: 2, TxCount: 1}))
}

func FuzzDecodeChain(f *testing.F) {
	fuzzRecord(f, decodeChain, encodeChain, encodeChain(chainRecord{ChainID: "aitbc-devnet"}))
}
