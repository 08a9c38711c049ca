package wsclient

import (
	"bufio"
	"context"
	"crypto/rand"
	"crypto/sha1"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"aitbc/bench"
)

// The bench package's sentinels, which Dial and the reads wrap.
var (
	ErrBadConfig = bench.ErrBadConfig // a bad URL
	ErrWebSocket = bench.ErrWebSocket // the server broke the protocol or refused the upgrade
)

// Conn is a minimal RFC 6455 client: enough to subscribe to a topic
// and read the node's messages. It answers pings (the node closes a
// client that stays silent), masks what it sends, reassembles
// fragmented messages and refuses masked or oversized server frames.
type Conn struct {
	c   net.Conn
	r   *bufio.Reader
	wmu sync.Mutex // one writer at a time: pongs come from the reader
}

// WebSocket opcodes.
const (
	OpCont  = 0x0
	OpText  = 0x1
	OpBin   = 0x2
	OpClose = 0x8
	OpPing  = 0x9
	OpPong  = 0xa
)

// maxMessage bounds one reassembled message: a block of 50,000 tx
// hashes is about 3.5 MB of JSON.
const maxMessage = 64 << 20

// handshakeGUID is RFC 6455's fixed handshake suffix.
const handshakeGUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

// noDeadline clears a net.Conn deadline.
var noDeadline time.Time

// Dial connects to rawURL (ws://host:port/path; an empty path is /ws)
// and completes the opening handshake.
func Dial(ctx context.Context, rawURL string) (*Conn, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("%w: ws url %q: %v", ErrBadConfig, rawURL, err)
	}
	if u.Scheme != "ws" || u.Host == "" {
		return nil, fmt.Errorf("%w: ws url %q: want ws://host:port[/path]", ErrBadConfig, rawURL)
	}
	path := u.RequestURI()
	if u.Path == "" || u.Path == "/" {
		path = "/ws"
	}
	var d net.Dialer
	c, err := d.DialContext(ctx, "tcp", u.Host)
	if err != nil {
		return nil, fmt.Errorf("bench: ws dial: %w", err)
	}
	if dl, ok := ctx.Deadline(); ok {
		c.SetDeadline(dl)
	}
	key := make([]byte, 16)
	rand.Read(key)
	k := base64.StdEncoding.EncodeToString(key)
	req := fmt.Sprintf("GET %s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n", path, u.Host, k)
	if _, err := io.WriteString(c, req); err != nil {
		c.Close()
		return nil, fmt.Errorf("bench: ws handshake: %w", err)
	}
	r := bufio.NewReaderSize(c, 64<<10)
	resp, err := http.ReadResponse(r, nil)
	if err != nil {
		c.Close()
		return nil, fmt.Errorf("bench: ws handshake: %w", err)
	}
	resp.Body.Close()
	sum := sha1.Sum([]byte(k + handshakeGUID))
	switch {
	case resp.StatusCode != http.StatusSwitchingProtocols:
		err = fmt.Errorf("%w: ws handshake: HTTP %d", ErrWebSocket, resp.StatusCode)
	case !strings.EqualFold(resp.Header.Get("Upgrade"), "websocket"):
		err = fmt.Errorf("%w: ws handshake: Upgrade %q", ErrWebSocket, resp.Header.Get("Upgrade"))
	case resp.Header.Get("Sec-WebSocket-Accept") != base64.StdEncoding.EncodeToString(sum[:]):
		err = fmt.Errorf("%w: ws handshake: wrong Sec-WebSocket-Accept", ErrWebSocket)
	}
	if err != nil {
		c.Close()
		return nil, err
	}
	c.SetDeadline(noDeadline)
	return &Conn{c: c, r: r}, nil
}

// WriteFrame sends one masked frame with FIN set.
func (w *Conn) WriteFrame(op byte, payload []byte) error {
	hdr := make([]byte, 0, 14+len(payload))
	hdr = append(hdr, 0x80|op)
	switch n := len(payload); {
	case n < 126:
		hdr = append(hdr, 0x80|byte(n))
	case n <= 0xffff:
		hdr = append(hdr, 0x80|126)
		hdr = binary.BigEndian.AppendUint16(hdr, uint16(n))
	default:
		hdr = append(hdr, 0x80|127)
		hdr = binary.BigEndian.AppendUint64(hdr, uint64(n))
	}
	var mask [4]byte
	rand.Read(mask[:])
	hdr = append(hdr, mask[:]...)
	for i, b := range payload {
		hdr = append(hdr, b^mask[i&3])
	}
	w.wmu.Lock()
	defer w.wmu.Unlock()
	_, err := w.c.Write(hdr)
	return err
}

// ReadMessage returns the next text or binary message, answering pings
// on the way. A close frame is answered and ends the stream with io.EOF.
func (w *Conn) ReadMessage() (op byte, msg []byte, err error) {
	var (
		first byte
		buf   []byte
	)
	for {
		fin, fop, payload, err := w.readFrame()
		if err != nil {
			return 0, nil, err
		}
		switch fop {
		case OpPing:
			if err := w.WriteFrame(OpPong, payload); err != nil {
				return 0, nil, err
			}
			continue
		case OpPong:
			continue
		case OpClose:
			code := payload
			if len(code) > 2 {
				code = code[:2]
			}
			w.WriteFrame(OpClose, code)
			return 0, nil, io.EOF
		case OpText, OpBin:
			if first != 0 {
				return 0, nil, fmt.Errorf("%w: new message inside a fragmented one", ErrWebSocket)
			}
			first = fop
		case OpCont:
			if first == 0 {
				return 0, nil, fmt.Errorf("%w: continuation without a message", ErrWebSocket)
			}
		default:
			return 0, nil, fmt.Errorf("%w: reserved opcode %#x", ErrWebSocket, fop)
		}
		if len(buf)+len(payload) > maxMessage {
			return 0, nil, fmt.Errorf("%w: message over %d bytes", ErrWebSocket, maxMessage)
		}
		if fin && buf == nil {
			return first, payload, nil
		}
		buf = append(buf, payload...)
		if fin {
			return first, buf, nil
		}
	}
}

// readFrame reads one frame: FIN, opcode and the payload.
func (w *Conn) readFrame() (fin bool, op byte, payload []byte, err error) {
	var h [2]byte
	if _, err := io.ReadFull(w.r, h[:]); err != nil {
		return false, 0, nil, err
	}
	fin, op = h[0]&0x80 != 0, h[0]&0x0f
	if h[0]&0x70 != 0 {
		return false, 0, nil, fmt.Errorf("%w: reserved bits set", ErrWebSocket)
	}
	n, err := w.payloadLen(h[1])
	if err != nil {
		return false, 0, nil, err
	}
	if op >= OpClose && (n > 125 || !fin) {
		return false, 0, nil, fmt.Errorf("%w: bad control frame", ErrWebSocket)
	}
	payload = make([]byte, n)
	if _, err := io.ReadFull(w.r, payload); err != nil {
		return false, 0, nil, err
	}
	return fin, op, payload, nil
}

// payloadLen is a server frame's payload length, from its second header
// byte b and the extended length after it; it refuses a masked frame
// and one over maxMessage.
func (w *Conn) payloadLen(b byte) (uint64, error) {
	if b&0x80 != 0 {
		return 0, fmt.Errorf("%w: masked frame from the server", ErrWebSocket)
	}
	n := uint64(b & 0x7f)
	switch n {
	case 126:
		var x [2]byte
		if _, err := io.ReadFull(w.r, x[:]); err != nil {
			return 0, err
		}
		n = uint64(binary.BigEndian.Uint16(x[:]))
	case 127:
		var x [8]byte
		if _, err := io.ReadFull(w.r, x[:]); err != nil {
			return 0, err
		}
		n = binary.BigEndian.Uint64(x[:])
	}
	if n > maxMessage {
		return 0, fmt.Errorf("%w: frame of %d bytes", ErrWebSocket, n)
	}
	return n, nil
}

// Close closes the connection without a closing handshake: the reader
// is usually blocked in ReadMessage and must be woken.
func (w *Conn) Close() error { return w.c.Close() }

// Skim reads the next data frame, keeping its first len(head) bytes in head
// and discarding the rest unread into memory: 10,000 subscribers copying
// every block message out would measure the bench, not the node. It
// answers pings and returns io.EOF on a close frame.
func (w *Conn) Skim(head []byte) (op byte, kept []byte, err error) {
	for {
		var h [2]byte
		if _, err := io.ReadFull(w.r, h[:]); err != nil {
			return 0, nil, err
		}
		op = h[0] & 0x0f
		n, err := w.payloadLen(h[1])
		if err != nil {
			return 0, nil, err
		}
		k := min(n, uint64(len(head)))
		if _, err := io.ReadFull(w.r, head[:k]); err != nil {
			return 0, nil, err
		}
		if _, err := w.r.Discard(int(n - k)); err != nil {
			return 0, nil, err
		}
		switch op {
		case OpPing:
			if err := w.WriteFrame(OpPong, head[:k]); err != nil {
				return 0, nil, err
			}
		case OpClose:
			return 0, nil, fmt.Errorf("%w (close %x: %s)", io.EOF, head[:min(k, 2)], head[min(k, 2):k])
		case OpText, OpBin, OpCont:
			return op, head[:k], nil
		}
	}
}
