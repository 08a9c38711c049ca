package gossip

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/panjf2000/gnet/v2"

	"aitbc/engine"
	"aitbc/engine/types"
	"aitbc/netio/gossip/noise"
)

// The transport's side of the handshake: it drives a noise.Handshake one
// HANDSHAKE frame at a time, decides what the peer's proven identity
// gets (pins, allow list, bans, churn limits, validator slots) and
// registers the peer.

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
