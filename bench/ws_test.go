package bench

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"net"
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

// TestSkim: skim keeps a message's head, discards the rest, answers a ping
// with its payload, and ends on a close frame with its reason.
func TestSkim(t *testing.T) {
	server, client := net.Pipe()
	defer server.Close()
	w := &wsConn{c: client, r: bufio.NewReader(client)}
	frame := func(op byte, p []byte) []byte { // unmasked server frames
		b := []byte{0x80 | op}
		switch n := len(p); {
		case n < 126:
			b = append(b, byte(n))
		case n <= 0xffff:
			b = append(b, 126, byte(n>>8), byte(n))
		default:
			b = append(b, 127, 0, 0, 0, 0, byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
		}
		return append(b, p...)
	}
	big := append([]byte(`{"height":7,"pad":"`), bytes.Repeat([]byte("x"), 100_000)...)
	pongs := make(chan []byte, 1)
	go func() {
		server.Write(frame(wsPing, []byte("hi")))
		// The client's pong (masked): 2 header bytes, 4 mask bytes, payload.
		buf := make([]byte, 8)
		io.ReadFull(server, buf)
		p := buf[6:]
		for i := range p {
			p[i] ^= buf[2+i%4]
		}
		pongs <- p
		server.Write(frame(wsText, big))
		server.Write(frame(wsText, []byte(`{"height":8}`)))
		server.Write(frame(wsClose, append([]byte{0x03, 0xf0}, "slow consumer; last height delivered 8"...)))
	}()
	head := make([]byte, 64)
	op, got, err := w.skim(head)
	if err != nil || op != wsText || !bytes.HasPrefix(big, got) || len(got) != 64 {
		t.Fatalf("first message: op %d %q %v", op, got, err)
	}
	select {
	case p := <-pongs:
		if string(p) != "hi" {
			t.Fatalf("pong %q, want the ping's payload", p)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no pong")
	}
	if _, got, err = w.skim(head); err != nil || string(got) != `{"height":8}` {
		t.Fatalf("second message %q %v: the first was not discarded whole", got, err)
	}
	if _, _, err = w.skim(head); !errors.Is(err, io.EOF) || !bytes.Contains([]byte(err.Error()), []byte("last height delivered 8")) {
		t.Fatalf("close: %v", err)
	}
}

func TestWSConfigValidate(t *testing.T) {
	ok := WSConfig{WS: "ws://127.0.0.1:9081", Clients: 10, Duration: time.Second}
	if err := ok.Validate(); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []WSConfig{
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
