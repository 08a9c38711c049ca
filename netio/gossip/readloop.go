package gossip

import (
	"fmt"
	"time"

	"github.com/panjf2000/gnet/v2"
)

// The per-connection read loop: gnet calls onTraffic on the connection's
// event loop whenever bytes arrive; each whole frame is opened (once the
// session started) and handled by onFrame, which passes handshake frames
// to onHandshake (establish.go) and the messages of an established peer
// to onMessage (dispatch.go).

// onTraffic splits the inbound bytes into frames and handles each whole
// one. A partial frame stays in gnet's inbound buffer until the rest
// arrives; frames may be split at any byte.
func (t *Transport) onTraffic(c gnet.Conn) gnet.Action {
	p, ok := c.Context().(*peer)
	if !ok {
		return gnet.Close
	}
	now := time.Now().UnixNano()
	p.lastRecv.Store(now)
	for {
		if p.closing.Load() {
			return gnet.Close
		}
		buf, err := peekFrame(c, t.frameLimit(p))
		if err != nil {
			t.streamError(p, err)
			return gnet.Close
		}
		if buf == nil {
			break
		}
		frame := buf[lenPrefix:]
		if p.sess != nil {
			// Opened into the peer's own buffer: payloads are valid only
			// during the call, and the decoders copy what they keep.
			plain, err := p.sess.Open(p.rbuf, buf)
			if err != nil {
				t.sessionError(p, err)
				return gnet.Close
			}
			p.rbuf, frame = plain[:0], plain
		}
		if act := t.onFrame(p, MsgType(frame[0]), frame[1:], len(buf), now); act != gnet.None {
			return act // the connection is closing: no need to consume the frame
		}
		_, _ = c.Discard(len(buf))
	}
	p.settle(c.OutboundBuffered(), nil)
	return gnet.None
}

// sessionError closes a connection whose sealed frame did not open. The
// peer is not penalized: anyone on the path can alter a frame, and a
// penalty would let them get an honest node banned.
func (t *Transport) sessionError(p *peer, err error) {
	if !p.setReason(err) {
		return
	}
	t.ctr.dropped(dropUnauthentic)
	t.log.Warn("gossip frame failed authentication; closing the connection", "peer", p.id, "addr", p.addr, "err", err)
}

// streamError handles a bad length prefix: the stream cannot be
// resynchronised, so the connection is closed (and, after the handshake,
// the peer penalized).
func (t *Transport) streamError(p *peer, err error) {
	if p.state != hsDone {
		t.failHandshake(p, err)
		return
	}
	t.ctr.dropped(dropMalformed)
	p.setReason(err)
	t.penalize(p.id, err)
}

// onFrame handles one whole frame (size bytes on the wire); payload is
// valid only during the call.
func (t *Transport) onFrame(p *peer, typ MsgType, payload []byte, size int, now int64) gnet.Action {
	t.ctr.recv[typ].Inc()
	t.ctr.bytesRecv.Add(float64(size))
	if !p.bucket.allow(size, now) {
		t.ctr.dropped(dropRate)
		if p.state == hsDone {
			t.penalize(p.id, fmt.Errorf("inbound rate over %d bytes/s", t.cfg.RateBytesPerSec))
		}
		return gnet.None
	}
	if p.state == hsWaitConfirm { // the listener accepted us
		if act := t.establish(p); act != gnet.None {
			return act
		}
	}
	if p.state != hsDone {
		return t.onHandshake(p, typ, payload)
	}
	if err := t.onMessage(p, typ, payload, now); err != nil {
		t.ctr.dropped(dropMalformed)
		t.penalize(p.id, err)
	}
	return gnet.None
}
