package wsbench

import (
	"bytes"
	"errors"
	"testing"
	"time"
)

func TestHeightOf(t *testing.T) {
	for _, tc := range []struct {
		msg  string
		h    uint64
		want bool
	}{
		{`{"sub":"s1","seq":3,"topic":"new_blocks","chain_id":"c","height":812,"hash":"0x"}`, 812, true},
		{`{"height":0}`, 0, true},
		{`{"topic":"new_blocks"}`, 0, false},
		{`{"height":"x"}`, 0, false},
		{`{"height":99999999999999999999999}`, 0, false},
	} {
		h, ok := heightOf([]byte(tc.msg))
		if h != tc.h || ok != tc.want {
			t.Errorf("heightOf(%s) = %d, %v; want %d, %v", tc.msg, h, ok, tc.h, tc.want)
		}
	}
}

func TestConfigValidate(t *testing.T) {
	ok := Config{WS: "ws://127.0.0.1:9081", Clients: 10, Duration: time.Second}
	if err := ok.Validate(); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []Config{
		{WS: "http://x", Clients: 1, Duration: time.Second},
		{WS: "ws://x", Clients: 0, Duration: time.Second},
		{WS: "ws://x", Clients: 200_000, Duration: time.Second},
		{WS: "ws://x", Clients: 1},
		{WS: "ws://x", Clients: 1, Duration: time.Second, Grace: -1},
	} {
		if err := bad.Validate(); !errors.Is(err, ErrBadConfig) {
			t.Errorf("Validate(%+v) = %v, want ErrBadConfig", bad, err)
		}
	}
}

// FuzzHeightOf: any bytes give a height or false, never a panic, and a
// height found is the digits after the first "height": in the head.
func FuzzHeightOf(f *testing.F) {
	for _, s := range []string{`{"height":1}`, `{"height":`, `"height":18446744073709551615`, `{"sub":"s","height":-1}`, ``} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, msg []byte) {
		h, ok := heightOf(msg)
		if !ok && h != 0 {
			t.Fatalf("heightOf(%q) = %d, false", msg, h)
		}
		if ok && !bytes.Contains(msg[:min(len(msg), 512)], []byte(`"height":`)) {
			t.Fatalf("heightOf(%q) = %d without a height key", msg, h)
		}
	})
}
