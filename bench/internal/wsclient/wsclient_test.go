package wsclient

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"

	"aitbc/netio/ws"

	"github.com/prometheus/client_golang/prometheus"
)

// TestWSClient runs the RFC 6455 client against the node's real
// WebSocket server with a fast ping: the client must answer the pings to
// stay subscribed, and reassemble a message larger than one read.
func TestWSClient(t *testing.T) {
	cfg := ws.DefaultConfig()
	cfg.Addr, cfg.PingInterval, cfg.PongTimeout = "127.0.0.1:0", 20*time.Millisecond, 40*time.Millisecond
	srv, err := ws.New(cfg, ws.NewMetrics(prometheus.NewRegistry()), slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	defer srv.Stop(context.Background())

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := Dial(ctx, "ws://"+srv.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.WriteFrame(OpText, []byte(`{"op":"subscribe","topics":["new_blocks"]}`)); err != nil {
		t.Fatal(err)
	}
	op, msg, err := c.ReadMessage()
	if err != nil || op != OpText || !strings.Contains(string(msg), "subscribed") {
		t.Fatalf("subscribe reply %q (%v, op %d)", msg, err, op)
	}
	// Publish until 10 messages have arrived: the server pings every 20 ms
	// in between, and a client that did not answer would be closed.
	big := `{"topic":"new_blocks","pad":"` + strings.Repeat("x", 200_000) + `"}`
	got := make(chan error, 1)
	go func() {
		for i := 0; i < 10; i++ {
			op, msg, err := c.ReadMessage()
			if err != nil {
				got <- err
				return
			}
			// The server puts the subscription id and seq first (netio/ws).
			want := fmt.Sprintf(`{"sub":"%s","seq":%d,`, subID(msg), i+1) + big[1:]
			if op != OpText || subID(msg) == "" || string(msg) != want {
				got <- errors.New("message mangled")
				return
			}
		}
		got <- nil
	}()
	tick := time.NewTicker(30 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case err := <-got:
			if err != nil {
				t.Fatal(err)
			}
			return
		case <-tick.C:
			srv.Publish(ws.TopicNewBlocks, []byte(big))
		case <-ctx.Done():
			t.Fatal("messages did not arrive")
		}
	}
}

func TestDialWSErrors(t *testing.T) {
	ctx := context.Background()
	for _, u := range []string{"http://127.0.0.1:1/ws", "ws://", "::bad"} {
		if _, err := Dial(ctx, u); !errors.Is(err, ErrBadConfig) {
			t.Errorf("%q: err = %v, want ErrBadConfig", u, err)
		}
	}
}

// subID is the "sub" member a WebSocket message starts with.
func subID(msg []byte) string {
	var m struct{ Sub string }
	_ = json.Unmarshal(msg, &m)
	return m.Sub
}

// TestSkim: Skim keeps a message's head, discards the rest, answers a ping
// with its payload, and ends on a close frame with its reason.
func TestSkim(t *testing.T) {
	server, client := net.Pipe()
	defer server.Close()
	w := &Conn{c: client, r: bufio.NewReader(client)}
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
		server.Write(frame(OpPing, []byte("hi")))
		// The client's pong (masked): 2 header bytes, 4 mask bytes, payload.
		buf := make([]byte, 8)
		io.ReadFull(server, buf)
		p := buf[6:]
		for i := range p {
			p[i] ^= buf[2+i%4]
		}
		pongs <- p
		server.Write(frame(OpText, big))
		server.Write(frame(OpText, []byte(`{"height":8}`)))
		server.Write(frame(OpClose, append([]byte{0x03, 0xf0}, "slow consumer; last height delivered 8"...)))
	}()
	head := make([]byte, 64)
	op, got, err := w.Skim(head)
	if err != nil || op != OpText || !bytes.HasPrefix(big, got) || len(got) != 64 {
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
	if _, got, err = w.Skim(head); err != nil || string(got) != `{"height":8}` {
		t.Fatalf("second message %q %v: the first was not discarded whole", got, err)
	}
	if _, _, err = w.Skim(head); !errors.Is(err, io.EOF) || !bytes.Contains([]byte(err.Error()), []byte("last height delivered 8")) {
		t.Fatalf("close: %v", err)
	}
}
