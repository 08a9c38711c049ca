package ws

import (
	"fmt"
	"net"
	"time"
)

// Config of the WebSocket server.
type Config struct {
	// Addr is the listen address, host:port (port 0 picks a free one; see
	// Server.Addr).
	Addr string
	// MaxConns caps open WebSocket connections; further upgrades get 503.
	MaxConns int
	// MaxConnsPerAddr caps one source address's connections (IPv6 by /64,
	// see internal/addrlimit); its next upgrade gets 429. Above MaxConns it
	// has no effect.
	MaxConnsPerAddr int
	// QueueBytes bounds the bytes a connection may have waiting for its
	// socket: a push message (new_transactions, consensus_events, and
	// new_blocks without a block feed) that would pass it drops the
	// subscriber; the block feed fills at most half of it and waits.
	QueueBytes int
	// SlowTimeout: a block feed subscription that could not be handed its
	// next block for this long is closed, naming the last height delivered.
	SlowTimeout time.Duration
	// PingInterval is the time between server pings.
	PingInterval time.Duration
	// PongTimeout: a client silent for PingInterval + PongTimeout is closed.
	PongTimeout time.Duration
	// MaxMessageBytes caps an inbound (client to server) message.
	MaxMessageBytes int
}

// DefaultConfig listens on the design's WS_PORT.
func DefaultConfig() Config {
	return Config{
		Addr:            "0.0.0.0:9081",
		MaxConns:        1024,
		MaxConnsPerAddr: 64,
		QueueBytes:      4 << 20, // a 5,000-tx new_blocks message is ~330 KB
		SlowTimeout:     10 * time.Second,
		PingInterval:    20 * time.Second,
		PongTimeout:     10 * time.Second,
		MaxMessageBytes: 4 << 10,
	}
}

// Validate reports the first bad setting, naming its key.
func (c Config) Validate() error {
	bad := func(key string, v any, want string) error {
		return fmt.Errorf("%w: ws.%s = %v, want %s", ErrInvalidConfig, key, v, want)
	}
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		return bad("addr", fmt.Sprintf("%q", c.Addr), "host:port")
	}
	if c.MaxConns < 1 || c.MaxConns > 1<<16 {
		return bad("max_conns", c.MaxConns, "1..65536")
	}
	if c.MaxConnsPerAddr < 1 || c.MaxConnsPerAddr > 1<<16 {
		return bad("max_conns_per_addr", c.MaxConnsPerAddr, "1..65536")
	}
	if c.QueueBytes < 4<<10 || c.QueueBytes > 1<<30 {
		return bad("queue_bytes", c.QueueBytes, "4 KiB..1 GiB")
	}
	if c.SlowTimeout < time.Millisecond || c.SlowTimeout > time.Hour {
		return bad("slow_timeout", c.SlowTimeout, "1ms..1h")
	}
	if c.PingInterval < time.Millisecond || c.PingInterval > time.Hour {
		return bad("ping_interval", c.PingInterval, "1ms..1h")
	}
	if c.PongTimeout < time.Millisecond || c.PongTimeout > time.Hour {
		return bad("pong_timeout", c.PongTimeout, "1ms..1h")
	}
	if c.MaxMessageBytes < 64 || c.MaxMessageBytes > 1<<20 {
		return bad("max_message_bytes", c.MaxMessageBytes, "64..1048576")
	}
	return nil
}

// hardMessageLimit is the inbound size past which nbio closes the
// connection (1009) instead of the server answering with an error object.
func (c Config) hardMessageLimit() int { return min(16*c.MaxMessageBytes, 1<<20) }
