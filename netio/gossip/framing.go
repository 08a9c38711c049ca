package gossip

import (
	"encoding/binary"
	"fmt"

	"github.com/panjf2000/gnet/v2"

	"aitbc/netio/gossip/internal/wire"
	"aitbc/netio/gossip/noise"
)

// Framing (docs/spec.md §16.1): a frame is u32 length || type || payload,
// the length counting what follows it; after the handshake the type and
// payload are sealed (noise.Session) and the length counts the tag too.
// A length of 0 or above the limit cannot be skipped: the stream is lost.

const (
	// lenPrefix is the frame's u32 length field; the length counts the
	// type byte and the payload.
	lenPrefix = wire.LenPrefix
	// frameHeader is the length field plus the type byte.
	frameHeader = lenPrefix + 1
	// maxHandshakeFrame bounds frames before the handshake completes: the
	// largest Noise message (message 2: e, s and its tag, a validator's
	// identity and its tag) is 32+48+342+16 = 438 bytes, so an unauthenticated
	// connection can never make us buffer a large frame.
	maxHandshakeFrame = 1 << 10
)

// splitFrame looks for one frame at the start of b. It returns n = 0 when
// b does not yet hold a whole frame, and a *FrameError (ErrFrameSize) for
// a length prefix of 0 or above max; after that error the stream cannot be
// resynchronised. payload aliases b.
func splitFrame(b []byte, max int) (t MsgType, payload []byte, n int, err error) {
	if len(b) < lenPrefix {
		return 0, nil, 0, nil
	}
	l, err := frameLen(b, max)
	if err != nil {
		return 0, nil, 0, err
	}
	if len(b)-lenPrefix < l {
		return 0, nil, 0, nil
	}
	return MsgType(b[lenPrefix]), b[frameHeader : lenPrefix+l], lenPrefix + l, nil
}

// frameLen decodes and checks the length prefix at the start of hdr
// (len(hdr) >= 4).
func frameLen(hdr []byte, max int) (int, error) {
	l := binary.BigEndian.Uint32(hdr)
	if l == 0 || uint64(l) > uint64(max) {
		return 0, &FrameError{Field: "length", Err: ErrFrameSize, Info: fmt.Sprintf("%d not in 1..%d", l, max)}
	}
	return int(l), nil
}

// beginFrame appends a frame header with a placeholder length;
// endFrame fills the length in once the payload has been appended.
func beginFrame(dst []byte, t MsgType) []byte {
	return append(dst, 0, 0, 0, 0, byte(t))
}

func endFrame(b []byte) []byte {
	binary.BigEndian.PutUint32(b, uint32(len(b)-lenPrefix))
	return b
}

// frameLimit is the largest length prefix p may send: a sealed frame of
// MaxFrameBytes once its session started, maxHandshakeFrame before.
func (t *Transport) frameLimit(p *peer) int {
	if p.sess == nil {
		return maxHandshakeFrame
	}
	return t.cfg.MaxFrameBytes + noise.TagLen
}

// peekFrame returns the next whole frame buffered on c, its length
// prefix included, without consuming it (the caller discards it once
// handled); nil while it has not all arrived, which may take any number
// of reads. A length prefix of 0 or above max is a *FrameError
// (ErrFrameSize), after which the stream cannot be resynchronised. The
// bytes are gnet's, valid until discarded.
func peekFrame(c gnet.Conn, max int) ([]byte, error) {
	n := c.InboundBuffered()
	if n < lenPrefix {
		return nil, nil
	}
	hdr, err := c.Peek(lenPrefix)
	if err != nil {
		return nil, nil
	}
	l, err := frameLen(hdr, max)
	if err != nil {
		return nil, err
	}
	if n < lenPrefix+l {
		return nil, nil
	}
	buf, err := c.Peek(lenPrefix + l)
	if err != nil {
		return nil, nil
	}
	return buf, nil
}

// handshakeFrame wraps one Noise handshake message in a frame.
func handshakeFrame(msg []byte) []byte {
	b := beginFrame(make([]byte, 0, frameHeader+len(msg)), MsgHandshake)
	return endFrame(append(b, msg...))
}
