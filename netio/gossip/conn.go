package gossip

import (
	"crypto/rand"
	"errors"
	"fmt"
	"net/netip"
	"time"

	"github.com/panjf2000/gnet/v2"

	"aitbc/netio/gossip/noise"
)

// errDuplicate closes the losing connection of two to the same node key;
// errShutdown closes connections when the transport stops.
var (
	errDuplicate = errors.New("duplicate connection")
	errShutdown  = errors.New("transport closed")
)

// serverEvents and clientEvents adapt gnet's callbacks for the listening
// engine and for the engine our dialed connections are enrolled in. Both
// feed the same connection handling.
type serverEvents struct {
	gnet.BuiltinEventEngine
	t      *Transport
	booted chan error
}

func (e *serverEvents) OnBoot(eng gnet.Engine) gnet.Action {
	err := e.t.booted(eng)
	e.booted <- err
	if err != nil {
		return gnet.Shutdown
	}
	return gnet.None
}

func (e *serverEvents) OnOpen(c gnet.Conn) ([]byte, gnet.Action) {
	return e.t.onOpen(c, newPeer(e.t, false))
}

func (e *serverEvents) OnTraffic(c gnet.Conn) gnet.Action { return e.t.onTraffic(c) }

func (e *serverEvents) OnClose(c gnet.Conn, err error) gnet.Action { return e.t.onClose(c, err) }

type clientEvents struct {
	gnet.BuiltinEventEngine
	t *Transport
}

func (e *clientEvents) OnOpen(c gnet.Conn) ([]byte, gnet.Action) {
	p, ok := c.Context().(*peer)
	if !ok {
		return nil, gnet.Close
	}
	return e.t.onOpen(c, p)
}

func (e *clientEvents) OnTraffic(c gnet.Conn) gnet.Action { return e.t.onTraffic(c) }

func (e *clientEvents) OnClose(c gnet.Conn, err error) gnet.Action { return e.t.onClose(c, err) }

// onOpen registers a new connection and, dialing, sends Noise message 1.
func (t *Transport) onOpen(c gnet.Conn, p *peer) ([]byte, gnet.Action) {
	now := time.Now()
	p.c = c
	if ra := c.RemoteAddr(); ra != nil {
		p.addr = ra.String()
		if ap, err := netip.ParseAddrPort(p.addr); err == nil {
			p.ip = ap.Addr().Unmap()
		}
	}
	p.openedAt = now
	p.lastRecv.Store(now.UnixNano())
	p.bucket = newTokenBucket(t.cfg.RateBytesPerSec, t.cfg.RateBurstBytes, now.UnixNano())
	c.SetContext(p)
	close(p.opened)

	var err error
	t.mu.Lock()
	switch {
	case t.closed:
		err = errShutdown
	case p.pin == "" && len(t.conns) >= t.cfg.MaxPeers+len(t.configured)+len(*t.validators.Load()):
		// Dials to pinned peers always proceed (their slots are
		// reserved). Others, inbound ones included, may hold the
		// connections left: MaxPeers for strangers, plus room for the
		// configured ids and the validators, whose inbound connections
		// we cannot tell from strangers' until their handshakes end
		// (establish).
		err = ErrTooManyPeers
	case !p.outbound && t.bans.ipBanned(p.ip, now):
		err = ErrBanned
	case !p.outbound && t.connsFromLocked(p.ip) >= t.cfg.MaxConnsPerAddr:
		err = fmt.Errorf("%w: %d connections from %v", ErrAddrLimit, t.cfg.MaxConnsPerAddr, p.ip)
	default:
		t.conns[p] = struct{}{}
	}
	t.mu.Unlock()
	if err != nil {
		if errors.Is(err, errShutdown) {
			p.setReason(err)
		} else {
			t.failHandshake(p, err)
		}
		return nil, gnet.Close
	}

	hs, err := noise.NewHandshake(p.outbound, t.static, rand.Reader)
	if err != nil {
		t.failHandshake(p, err)
		return nil, gnet.Close
	}
	p.hs = hs
	if !p.outbound {
		p.state = hsWaitMsg1 // the dialer speaks first
		return nil, gnet.None
	}
	msg1, err := hs.WriteMessage1()
	if err != nil {
		t.failHandshake(p, err)
		return nil, gnet.Close
	}
	p.dialerEph = hs.DialerEphemeral()
	p.state = hsWaitMsg2
	return handshakeFrame(msg1), gnet.None
}

// onClose forgets a connection. It runs for every opened connection,
// however it ended.
func (t *Transport) onClose(c gnet.Conn, err error) gnet.Action {
	p, ok := c.Context().(*peer)
	if !ok {
		return gnet.None
	}
	p.markGone()
	t.mu.Lock()
	delete(t.conns, p)
	wasPeer := p.established.Load() && t.peers[p.id] == p
	if wasPeer {
		delete(t.peers, p.id)
		t.publishPeersLocked()
		t.uncountPeerLocked(p)
	}
	shutdown := t.closed
	t.mu.Unlock()

	reason := p.closeReason()
	if reason == nil && shutdown {
		reason = errShutdown
	}
	switch {
	case p.established.Load():
		if reason == nil {
			reason = err
		}
		if wasPeer {
			t.log.Info("gossip peer disconnected", "peer", p.id, "addr", p.addr, "err", reason)
		}
	case reason == nil && !shutdown:
		cause := ErrClosedEarly
		if err != nil {
			cause = fmt.Errorf("%w: %w", ErrClosedEarly, err)
		}
		t.failHandshake(p, cause)
	}
	close(p.done)
	return gnet.None
}

// failHandshake counts and logs a connection refused during the
// handshake, once per connection. The caller closes it.
func (t *Transport) failHandshake(p *peer, err error) {
	if !p.setReason(err) {
		return
	}
	t.ctr.handshakeFailed(err)
	t.log.Info("gossip handshake failed", "addr", p.addr, "direction", p.direction(), "err", err)
}

// connsFromLocked counts the inbound connections from ip (t.mu held).
func (t *Transport) connsFromLocked(ip netip.Addr) int {
	n := 0
	for c := range t.conns {
		if !c.outbound && c.ip == ip {
			n++
		}
	}
	return n
}

// countPeerLocked counts an established peer in the gauges and, for a
// stranger, against MaxPeers; uncountPeerLocked undoes it when the peer
// goes or is replaced by a newer connection of the same node (t.mu held).
func (t *Transport) countPeerLocked(p *peer) {
	t.ctr.peers(p.outbound).Inc()
	t.ctr.kinds[p.kind].Inc()
	if p.stranger {
		t.strangers++
	}
}

func (t *Transport) uncountPeerLocked(p *peer) {
	t.ctr.peers(p.outbound).Dec()
	t.ctr.kinds[p.kind].Dec()
	if p.stranger {
		t.strangers--
	}
}
