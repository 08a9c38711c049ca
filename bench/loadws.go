package bench

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
)

// wsConn is a minimal RFC 6455 client: enough to subscribe to a topic
// and read the node's messages. It answers pings (the node closes a
// client that stays silent), masks what it sends, reassembles
// fragmented messages and refuses masked or oversized server frames.
type wsConn struct {
	c   net.Conn
	r   *bufio.Reader
	wmu sync.Mutex // one writer at a time: pongs come from the reader
}

// WebSocket opcodes.
const (
	wsCont  = 0x0
	wsText  = 0x1
	wsBin   = 0x2
	wsClose = 0x8
	wsPing  = 0x9
	wsPong  = 0xa
)

// wsMaxMessage bounds one reassembled message: a block of 50,000 tx
// hashes is about 3.5 MB of JSON.
const wsMaxMessage = 64 << 20

// wsGUID is RFC 6455's fixed handshake suffix.
const wsGUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

// dialWS connects to rawURL (ws://host:port/path; an empty path is /ws)
// and completes the opening handshake.
func dialWS(ctx context.Context, rawURL string) (*wsConn, error) {
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
	sum := sha1.Sum([]byte(k + wsGUID))
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
	return &wsConn{c: c, r: r}, nil
}

// writeFrame sends one masked frame with FIN set.
func (w *wsConn) writeFrame(op byte, payload []byte) error {
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

// readMessage returns the next text or binary message, answering pings
// on the way. A close frame is answered and ends the stream with io.EOF.
func (w *wsConn) readMessage() (op byte, msg []byte, err error) {
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
		case wsPing:
			if err := w.writeFrame(wsPong, payload); err != nil {
				return 0, nil, err
			}
			continue
		case wsPong:
			continue
		case wsClose:
			code := payload
			if len(code) > 2 {
				code = code[:2]
			}
			w.writeFrame(wsClose, code)
			return 0, nil, io.EOF
		case wsText, wsBin:
			if first != 0 {
				return 0, nil, fmt.Errorf("%w: new message inside a fragmented one", ErrWebSocket)
			}
			first = fop
		case wsCont:
			if first == 0 {
				return 0, nil, fmt.Errorf("%w: continuation without a message", ErrWebSocket)
			}
		default:
			return 0, nil, fmt.Errorf("%w: reserved opcode %#x", ErrWebSocket, fop)
		}
		if len(buf)+len(payload) > wsMaxMessage {
			return 0, nil, fmt.Errorf("%w: message over %d bytes", ErrWebSocket, wsMaxMessage)
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
func (w *wsConn) readFrame() (fin bool, op byte, payload []byte, err error) {
	var h [2]byte
	if _, err := io.ReadFull(w.r, h[:]); err != nil {
		return false, 0, nil, err
	}
	fin, op = h[0]&0x80 != 0, h[0]&0x0f
	if h[0]&0x70 != 0 {
		return false, 0, nil, fmt.Errorf("%w: reserved bits set", ErrWebSocket)
	}
	if h[1]&0x80 != 0 {
		return false, 0, nil, fmt.Errorf("%w: masked frame from the server", ErrWebSocket)
	}
	n := uint64(h[1] & 0x7f)
	switch n {
	case 126:
		var b [2]byte
		if _, err := io.ReadFull(w.r, b[:]); err != nil {
			return false, 0, nil, err
		}
		n = uint64(binary.BigEndian.Uint16(b[:]))
	case 127:
		var b [8]byte
		if _, err := io.ReadFull(w.r, b[:]); err != nil {
			return false, 0, nil, err
		}
		n = binary.BigEndian.Uint64(b[:])
	}
	if n > wsMaxMessage {
		return false, 0, nil, fmt.Errorf("%w: frame of %d bytes", ErrWebSocket, n)
	}
	if op >= wsClose && (n > 125 || !fin) {
		return false, 0, nil, fmt.Errorf("%w: bad control frame", ErrWebSocket)
	}
	payload = make([]byte, n)
	if _, err := io.ReadFull(w.r, payload); err != nil {
		return false, 0, nil, err
	}
	return fin, op, payload, nil
}

// Close closes the connection without a closing handshake: the reader
// is usually blocked in readMessage and must be woken.
func (w *wsConn) Close() error { return w.c.Close() }
