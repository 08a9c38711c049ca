package gossip

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/netip"
	"time"

	"github.com/panjf2000/gnet/v2"

	"aitbc/engine"
	"aitbc/engine/types"
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

// onOpen registers a new connection and sends our HELLO.
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
		n := c.InboundBuffered()
		if n < lenPrefix {
			break
		}
		hdr, err := c.Peek(lenPrefix)
		if err != nil {
			break
		}
		max := t.cfg.MaxFrameBytes + noise.TagLen
		if p.sess == nil {
			max = maxHandshakeFrame
		}
		l, err := frameLen(hdr, max)
		if err != nil {
			t.streamError(p, err)
			return gnet.Close
		}
		if n < lenPrefix+l {
			break
		}
		buf, err := c.Peek(lenPrefix + l)
		if err != nil {
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
		if act := t.onFrame(p, MsgType(frame[0]), frame[1:], lenPrefix+len(buf), now); act != gnet.None {
			return act // the connection is closing: no need to consume the frame
		}
		_, _ = c.Discard(lenPrefix + l)
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

// onHandshake advances the Noise_XX exchange (noise.Handshake) by one
// message:
//
//	dialer (initiator)              listener (responder)
//	-> e                            hsWaitMsg1
//	hsWaitMsg2                      <- e, ee, s, es, identity
//	-> s, se, identity              hsWaitMsg3 -> established
//	hsWaitConfirm -> established    <- PING (sealed)
//
// Each side checks the other's identity (chain, genesis, version and
// the node key's signature over the Noise static key the peer just
// proved it holds) before it trusts it. The dialer checks before it
// reveals its own identity.
func (t *Transport) onHandshake(p *peer, typ MsgType, payload []byte) gnet.Action {
	if typ == msgHelloV1 {
		t.failHandshake(p, fmt.Errorf("%w: a version 1 HELLO (we speak %d)", ErrVersion, ProtocolVersion))
		return gnet.Close
	}
	if typ != MsgHandshake {
		t.failHandshake(p, &FrameError{Type: typ, Field: "type", Err: ErrUnknownType, Info: "want handshake"})
		return gnet.Close
	}
	switch p.state {
	case hsWaitMsg1:
		if err := p.hs.ReadMessage1(payload); err != nil {
			t.failHandshake(p, err)
			return gnet.Close
		}
		p.dialerEph = p.hs.DialerEphemeral()
		msg2, err := p.hs.WriteMessage2(t.identity)
		if err != nil {
			t.failHandshake(p, err)
			return gnet.Close
		}
		if _, err := p.c.Write(handshakeFrame(msg2)); err != nil {
			return gnet.Close // gnet closed it already
		}
		p.state = hsWaitMsg3
		return gnet.None
	case hsWaitMsg2:
		idb, err := p.hs.ReadMessage2(payload)
		if err != nil {
			t.failHandshake(p, err)
			return gnet.Close
		}
		if err := t.acceptIdentity(p, idb); err != nil {
			t.failHandshake(p, err)
			return gnet.Close
		}
		msg3, sess, err := p.hs.WriteMessage3(t.identity)
		if err != nil {
			t.failHandshake(p, err)
			return gnet.Close
		}
		p.sess = sess
		if _, err := p.c.Write(handshakeFrame(msg3)); err != nil {
			return gnet.Close
		}
		// The listener may still refuse us (a ban, its allow list): we
		// count the peer only once its first sealed frame arrives.
		p.state = hsWaitConfirm
		return gnet.None
	case hsWaitMsg3:
		idb, sess, err := p.hs.ReadMessage3(payload)
		if err != nil {
			t.failHandshake(p, err)
			return gnet.Close
		}
		p.sess = sess
		if err := t.acceptIdentity(p, idb); err != nil {
			t.failHandshake(p, err)
			return gnet.Close
		}
		return t.establish(p)
	}
	return gnet.Close
}

// acceptIdentity decodes and checks the peer's identity and records it.
func (t *Transport) acceptIdentity(p *peer, b []byte) error {
	id, err := noise.DecodeIdentity(b)
	if err != nil {
		return err
	}
	if err := id.Check(p.hs.PeerStatic(), t.cfg.ChainID, t.cfg.GenesisHash, t.pub[:]); err != nil {
		return err
	}
	pid := engine.PeerID(hex.EncodeToString(id.NodeKey[:]))
	if id.Validator != nil {
		if !t.validators.Load().has(id.Validator.Key) {
			// Not a key of the current list (a staker not elected, a
			// validator that left, or a list we have not been given
			// yet): the proof is not checked and never trusted later;
			// the peer is an ordinary one, with nothing held against it.
			id.Validator = nil
		} else if err := id.Validator.Check(id.NodeKey[:], p.hs.PeerStatic(), t.cfg.ChainID, t.cfg.GenesisHash); err != nil {
			// The node key signed this identity over the static key Noise
			// authenticated: the bad proof is its holder's doing, not a
			// third party's, so it counts against that key and address
			// (each try costs us a pairing check).
			t.penalizeAt(pid, p.ip, err)
			return err
		}
	}
	switch {
	case p.pin != "" && pid != p.pin:
		return fmt.Errorf("%w: %s answered as %s", ErrWrongKey, p.pin, pid)
	case !p.outbound && t.allow != nil && !t.allow[pid]:
		return fmt.Errorf("%w: %s", ErrNotAllowed, pid)
	}
	now := time.Now()
	t.mu.Lock()
	banned := t.bans.keyBanned(pid, now)
	churn := !p.outbound && !t.configured[pid] && !t.bans.newKey(p.ip, pid, now, t.cfg.MaxNewKeysPerAddr)
	t.mu.Unlock()
	if banned {
		return fmt.Errorf("%w: %s", ErrBanned, pid)
	}
	if churn {
		return fmt.Errorf("%w: over %d new node ids a minute from %v", ErrAddrLimit, t.cfg.MaxNewKeysPerAddr, p.ip)
	}
	p.ident = id
	return nil
}

// establish registers a peer whose handshake completed. Of two connections
// to one node key exactly one survives, by a rule both ends compute alike:
// the one whose (dialer key, dialer ephemeral key) is smaller. With opposite
// directions that is the connection dialed by the smaller key.
func (t *Transport) establish(p *peer) gnet.Action {
	now := time.Now()
	h := p.ident
	p.hs = nil // the handshake state holds keys no longer needed
	id := engine.PeerID(hex.EncodeToString(h.NodeKey[:]))
	var tag [len(p.tag)]byte
	if p.outbound {
		copy(tag[:], t.pub[:])
	} else {
		copy(tag[:], h.NodeKey[:])
	}
	copy(tag[types.PubKeyLen:], p.dialerEph[:])

	t.mu.Lock()
	if t.closed {
		t.mu.Unlock()
		p.setReason(errShutdown)
		return gnet.Close
	}
	if t.bans.keyBanned(id, now) {
		t.mu.Unlock()
		t.failHandshake(p, fmt.Errorf("%w: %s", ErrBanned, id))
		return gnet.Close
	}
	// The ID is set even on the losing connection: its dialer reads it
	// (after done) to wait for the surviving one instead of redialing.
	p.id = id
	if h.Validator != nil { // verified by acceptIdentity
		p.validatorKey = &h.Validator.Key
	}
	old := t.peers[id]
	// The list may have changed since acceptIdentity checked the key.
	kind := peerKindOf(t.configured[id], t.isValidatorLocked(p), p.outbound)
	stranger := isStrangerKind(kind)
	if stranger && (old == nil || !old.stranger) && t.strangers >= t.cfg.MaxPeers {
		// Strangers never take the slots reserved for configured peers
		// and validators.
		t.mu.Unlock()
		t.failHandshake(p, fmt.Errorf("%w: %d peers not configured", ErrTooManyPeers, t.cfg.MaxPeers))
		return gnet.Close
	}
	if old != nil && bytes.Compare(old.tag[:], tag[:]) < 0 {
		t.mu.Unlock()
		p.setReason(errDuplicate)
		t.log.Debug("gossip duplicate connection closed", "peer", id, "addr", p.addr)
		return gnet.Close
	}
	p.pub, p.listenPort, p.since, p.tag, p.kind, p.stranger = h.NodeKey, h.ListenPort, now, tag, kind, stranger
	p.initQueue()
	p.state = hsDone
	p.established.Store(true)
	t.peers[id] = p
	t.publishPeersLocked()
	t.ctr.m.Handshakes.Inc()
	if old != nil {
		t.uncountPeerLocked(old)
	}
	t.countPeerLocked(p)
	t.mu.Unlock()

	if old != nil {
		t.log.Debug("gossip duplicate connection closed", "peer", id, "addr", old.addr)
		old.close(errDuplicate)
	}
	if !p.outbound {
		// Our first sealed frame tells the dialer we accepted it (§16.2).
		p.send(pingFrame(MsgPing, 0), MsgPing)
	}
	if st := t.lastStatus.Load(); st != nil {
		p.send(*st, MsgStatus)
	}
	t.log.Info("gossip peer connected", "peer", id, "addr", p.addr, "direction", p.direction())
	return gnet.None
}

// onMessage decodes and delivers one message of an established peer. A
// decoding error is returned (the caller drops the frame and penalizes);
// a handler's rejection is counted here.
func (t *Transport) onMessage(p *peer, typ MsgType, payload []byte, now int64) error {
	h := t.handler
	var herr error
	switch typ {
	case MsgPing:
		nonce, err := decodePing(typ, payload)
		if err != nil {
			return err
		}
		p.send(pingFrame(MsgPong, nonce), MsgPong)
	case MsgPong:
		if _, err := decodePing(typ, payload); err != nil {
			return err
		}
	case MsgStatus:
		m, err := decodeStatus(payload)
		if err != nil {
			return err
		}
		if herr = h.HandleStatus(p.id, m.height, m.hash); herr == nil {
			p.announce(m.height)
		}
	case MsgProposal:
		if key, ok := proposalKey(payload); ok {
			t.heard.add(key, p.id)
		}
		if t.dedup.observe(sha256.Sum256(payload), p.id, now, int64(t.cfg.DedupWindow)) {
			t.ctr.dropped(dropDedup)
			return nil
		}
		m, err := decodeProposal(payload)
		if err != nil {
			return err
		}
		herr = h.HandleConsensus(p.id, m)
	case MsgVote:
		key := sha256.Sum256(payload) // the vote's relay key too (relayFrame)
		t.heard.add(key, p.id)
		if t.dedup.observe(key, p.id, now, int64(t.cfg.DedupWindow)) {
			t.ctr.dropped(dropDedup)
			return nil
		}
		m, err := decodeVote(payload)
		if err != nil {
			return err
		}
		herr = h.HandleConsensus(p.id, m)
	case MsgTxs:
		txs, hashes, err := decodeTxs(payload)
		if err != nil {
			return err
		}
		fresh := txs[:0]
		t.dedup.mu.Lock()
		for i, tx := range txs {
			if !t.dedup.observeLocked(hashes[i], p.id, now, 0) {
				fresh = append(fresh, tx)
			}
		}
		t.dedup.mu.Unlock()
		if len(fresh) == 0 {
			t.ctr.dropped(dropDedup)
			return nil
		}
		herr = h.HandleTxs(p.id, fresh)
	case MsgBlockReq:
		m, err := decodeBlockReq(payload)
		if err != nil {
			return err
		}
		herr = h.HandleBlockRequest(p.id, m.from, m.count)
	case MsgBlocks:
		blocks, err := decodeBlocks(payload)
		if err != nil {
			return err
		}
		herr = h.HandleBlocks(p.id, blocks)
	case MsgEvidence:
		evs, err := decodeEvidence(payload)
		if err != nil {
			return err
		}
		herr = h.HandleEvidence(p.id, evs)
	default:
		return &FrameError{Type: typ, Field: "type", Err: ErrUnknownType}
	}
	if herr != nil {
		if errors.Is(herr, engine.ErrBadPeerMessage) {
			t.penalize(p.id, herr)
		} else {
			t.log.Warn("gossip handler failed", "peer", p.id, "type", typ.String(), "err", herr)
		}
	}
	return nil
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
