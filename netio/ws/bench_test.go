package ws

import (
	"io"
	"testing"
	"time"

	"aitbc/internal/wait"
)

func BenchmarkDecodeControl(b *testing.B) {
	msg := []byte(`{"op":"subscribe","topics":["new_blocks","consensus_events"]}`)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := decodeControl(msg); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPublish fans one 256-byte message out to 8 subscribers over
// loopback sockets that read and discard.
func BenchmarkPublish(b *testing.B) {
	cfg := testConfig()
	cfg.QueueBytes = 64 << 20
	s, _ := startServer(b, cfg)
	const subs = 8
	for range subs {
		c := rawDial(b, s.Addr(), "/ws/new_blocks", 0)
		go func() { _, _ = io.Copy(io.Discard, c.conn) }()
	}
	wait.Until(b, "subscribers", 10*time.Second, func() bool { return subscribers(s, TopicNewBlocks) == subs })
	msg := make([]byte, 256)
	copy(msg, `{"topic":"new_blocks","pad":"`)
	for i := 30; i < 254; i++ {
		msg[i] = 'x'
	}
	copy(msg[254:], `"}`)
	b.SetBytes(int64(len(msg) * subs))
	b.ReportAllocs()
	for b.Loop() {
		s.Publish(TopicNewBlocks, msg)
	}
	b.StopTimer()
	if n := subscribers(s, TopicNewBlocks); n != subs {
		b.Fatalf("%d subscribers dropped during the benchmark", subs-n)
	}
}
