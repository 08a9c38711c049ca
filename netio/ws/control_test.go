package ws

import (
	"bytes"
	"encoding/json"
	"errors"
	"log/slog"
	"math/bits"
	"slices"
	"strings"
	"testing"

	"github.com/lesismal/nbio/logging"
)

func TestDecodeControl(t *testing.T) {
	tests := []struct {
		in     string
		op     string
		topics []string
		err    error
	}{
		{`{"op":"subscribe","topics":["new_blocks"]}`, opSubscribe, []string{"new_blocks"}, nil},
		{` {"topics":["consensus_events","new_transactions","consensus_events"],"op":"unsubscribe"} `, opUnsubscribe, []string{"consensus_events", "new_transactions"}, nil},
		{`{"op":"subscribe","topics":["new_blocks"]}{}`, "", nil, ErrMalformed},
		{`{"op":"subscribe","topics":"new_blocks"}`, "", nil, ErrMalformed},
		{`{"op":1,"topics":["new_blocks"]}`, "", nil, ErrMalformed},
		{`{"op":"subscribe","topics":["new_blocks"],"x":1}`, "", nil, ErrMalformed},
		{`{"op":null,"topics":["new_blocks"]}`, "", nil, ErrMalformed},
		{`null`, "", nil, ErrMalformed},
		{``, "", nil, ErrMalformed},
		{`{"op":"Subscribe","topics":["new_blocks"]}`, "", nil, ErrUnknownOp},
		{`{"op":"subscribe","topics":["NEW_BLOCKS"]}`, "", nil, ErrUnknownTopic},
		{`{"op":"subscribe"}`, "", nil, ErrNoTopics},
		{`{"op":"subscribe","topics":[]}`, "", nil, ErrNoTopics},
		{`{"op":"subscribe","topics":["new_blocks","new_blocks","new_blocks","new_blocks","new_blocks","new_blocks","new_blocks","new_blocks","new_blocks","new_blocks","new_blocks","new_blocks","new_blocks","new_blocks","new_blocks","new_blocks","new_blocks"]}`, "", nil, ErrMalformed},
		{`{"op":"subscribe","topics":["new_blocks","new_transactions"],"from_height":7}`, opSubscribe, []string{"new_blocks", "new_transactions"}, nil},
		{`{"op":"subscribe","topics":["new_blocks"],"from_height":0}`, "", nil, ErrBadFromHeight},
		{`{"op":"subscribe","topics":["new_transactions"],"from_height":3}`, "", nil, ErrBadFromHeight},
		{`{"op":"unsubscribe","topics":["new_blocks"],"from_height":3}`, "", nil, ErrBadFromHeight},
		{`{"op":"subscribe","topics":["new_blocks"],"from_height":-3}`, "", nil, ErrMalformed},
		{`{"op":"subscribe","topics":["new_blocks"],"from_height":1.5}`, "", nil, ErrMalformed},
		{`{"op":"subscribe","topics":["new_blocks"],"from_height":18446744073709551616}`, "", nil, ErrMalformed},
	}
	for _, tt := range tests {
		c, err := decodeControl([]byte(tt.in))
		if tt.err != nil {
			if !errors.Is(err, tt.err) {
				t.Errorf("decodeControl(%q) err = %v, want %v", tt.in, err, tt.err)
			}
			continue
		}
		if err != nil || c.op != tt.op || !slices.Equal(c.topics, tt.topics) {
			t.Errorf("decodeControl(%q) = %+v, %v; want %s %v", tt.in, c, err, tt.op, tt.topics)
		}
	}
}

// FuzzControlMessage: the decoder never panics, accepts only well-formed
// requests, and fails only with its own sentinels.
func FuzzControlMessage(f *testing.F) {
	for _, s := range []string{
		`{"op":"subscribe","topics":["new_blocks","new_transactions","consensus_events"]}`,
		`{"op":"unsubscribe","topics":["new_blocks"]}`,
		`{"op":"subscribe","topics":[]}`,
		`{"op":"x"}`,
		`[]`,
		`{"op":"subscribe","topics":["new_blocks"],"from_height":18446744073709551615}`,
		`{"op":"subscribe","topics":["consensus_events"],"from_height":1}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := decodeControl(data)
		if err != nil {
			for _, s := range []error{ErrMalformed, ErrUnknownOp, ErrUnknownTopic, ErrNoTopics, ErrBadFromHeight} {
				if errors.Is(err, s) {
					return
				}
			}
			t.Fatalf("untyped error %v", err)
		}
		if c.op != opSubscribe && c.op != opUnsubscribe {
			t.Fatalf("accepted op %q", c.op)
		}
		if c.fromHeight > 0 && (c.op != opSubscribe || c.mask&(1<<blocksTopic) == 0) {
			t.Fatalf("accepted from_height %d with %s %v", c.fromHeight, c.op, c.topics)
		}
		if c.mask == 0 || bits.OnesCount8(uint8(c.mask)) != len(c.topics) {
			t.Fatalf("mask %b does not match topics %v", c.mask, c.topics)
		}
		for _, tp := range c.topics {
			if i, ok := topicIndex(tp); !ok || c.mask&(1<<i) == 0 {
				t.Fatalf("accepted topic %q", tp)
			}
		}
	})
}

func TestAppendFrame(t *testing.T) {
	for _, n := range []int{0, 125, 126, 0xffff, 0x10000} {
		f := appendFrame(nil, opText, make([]byte, n))
		if f[0] != 0x81 {
			t.Fatalf("n=%d: first byte %x", n, f[0])
		}
		var hdr int
		switch {
		case n < 126:
			hdr = 2
			if int(f[1]) != n {
				t.Fatalf("n=%d: len byte %d", n, f[1])
			}
		case n <= 0xffff:
			hdr = 4
			if f[1] != 126 || int(f[2])<<8|int(f[3]) != n {
				t.Fatalf("n=%d: 16-bit length wrong", n)
			}
		default:
			hdr = 10
			if f[1] != 127 {
				t.Fatalf("n=%d: 64-bit marker missing", n)
			}
		}
		if len(f) != hdr+n {
			t.Fatalf("n=%d: frame %d bytes", n, len(f))
		}
	}
}

func TestRouteLibraryLogs(t *testing.T) {
	var buf strings.Builder
	orig := logging.DefaultLogger
	RouteLibraryLogs(slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug})))
	defer func() {
		logging.SetLogger(orig)
	}()
	logging.Error("accept failed: %v", "boom")
	if !strings.Contains(buf.String(), "level=ERROR") || !strings.Contains(buf.String(), `msg="accept failed: boom"`) || !strings.Contains(buf.String(), "lib=nbio") {
		t.Fatalf("routed line %q", buf.String())
	}
}

// TestAppendMessage: the subscription id and seq lead every message, the
// rest of the object follows unchanged, and the frame length is right.
func TestAppendMessage(t *testing.T) {
	for _, tc := range []struct{ msg, want string }{
		{`{"topic":"new_blocks","height":3}`, `{"sub":"s7","seq":12,"topic":"new_blocks","height":3}`},
		{`{}`, `{"sub":"s7","seq":12}`},
		{`{ }`, `{"sub":"s7","seq":12}`},
		{`[1]`, `[1]`}, // not an object: as it came
		{`{"pad":"` + strings.Repeat("x", 70000) + `"}`, `{"sub":"s7","seq":12,"pad":"` + strings.Repeat("x", 70000) + `"}`},
	} {
		got := appendMessage(nil, "s7", 12, []byte(tc.msg))
		if want := appendFrame(nil, opText, []byte(tc.want)); !bytes.Equal(got, want) {
			t.Errorf("appendMessage(%.40q) = %.80q, want %.80q", tc.msg, got, want)
		}
		var v any
		if json.Unmarshal([]byte(tc.want), &v) != nil {
			t.Errorf("%.40q: result is not JSON", tc.msg)
		}
	}
}
