package ws

import (
	"encoding/binary"
	"strconv"
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
	return append(appendHeader(dst, op, len(payload)), payload...)
}

// appendHeader appends the header of an unfragmented, unmasked frame
// carrying n payload bytes.
func appendHeader(dst []byte, op byte, n int) []byte {
	dst = append(dst, 0x80|op)
	switch {
	case n < 126:
		return append(dst, byte(n))
	case n <= 0xFFFF:
		return binary.BigEndian.AppendUint16(append(dst, 126), uint16(n))
	default:
		return binary.BigEndian.AppendUint64(append(dst, 127), uint64(n))
	}
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

// appendMessage appends a text frame carrying msg, a JSON object, with the
// subscription id and sequence number as its first members:
// {"sub":"s7","seq":12,...msg's members}. msg is not copied anywhere else,
// so a message encoded once serves every subscriber.
func appendMessage(dst []byte, id string, seq uint64, msg []byte) []byte {
	var pre [64]byte
	p := append(pre[:0], `{"sub":"`...)
	p = append(p, id...)
	p = append(p, `","seq":`...)
	p = strconv.AppendUint(p, seq, 10)
	body := msg
	switch {
	case len(msg) >= 2 && msg[0] == '{' && isEmptyObject(msg):
		p, body = append(p, '}'), nil
	case len(msg) >= 2 && msg[0] == '{':
		p, body = append(p, ','), msg[1:]
	default: // not an object: Publish's contract says it is; send it as it came
		return appendFrame(dst, opText, msg)
	}
	dst = appendHeader(dst, opText, len(p)+len(body))
	return append(append(dst, p...), body...)
}

// isEmptyObject reports whether msg is {} with optional whitespace.
func isEmptyObject(msg []byte) bool {
	for _, c := range msg[1 : len(msg)-1] {
		if c != ' ' && c != '\t' && c != '\n' && c != '\r' {
			return false
		}
	}
	return msg[len(msg)-1] == '}'
}
