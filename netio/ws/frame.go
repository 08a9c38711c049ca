package ws

import (
	"encoding/binary"
	"sync"
)

// WebSocket opcodes (RFC 6455 §5.2) of the frames the server writes.
const (
	opText  = 0x1
	opClose = 0x8
	opPing  = 0x9
	opPong  = 0xA
)

// appendFrame appends one unfragmented, unmasked (server-to-client) frame.
func appendFrame(dst []byte, op byte, payload []byte) []byte {
	dst = append(dst, 0x80|op)
	switch n := len(payload); {
	case n < 126:
		dst = append(dst, byte(n))
	case n <= 0xFFFF:
		dst = append(dst, 126)
		dst = binary.BigEndian.AppendUint16(dst, uint16(n))
	default:
		dst = append(dst, 127)
		dst = binary.BigEndian.AppendUint64(dst, uint64(n))
	}
	return append(dst, payload...)
}

// closeFrame is a close frame with a status code and a short reason.
func closeFrame(code uint16, reason string) []byte {
	p := binary.BigEndian.AppendUint16(make([]byte, 0, 2+len(reason)), code)
	return appendFrame(nil, opClose, append(p, reason...))
}

var pingFrame = appendFrame(nil, opPing, nil)

// framePool recycles Publish's frame buffers: nbio copies whatever the
// socket does not take at once, so a frame is free again once every
// subscriber's Write has returned.
var framePool = sync.Pool{New: func() any { b := make([]byte, 0, 1024); return &b }}

// maxPooledFrame keeps rare huge frames out of the pool.
const maxPooledFrame = 1 << 20
