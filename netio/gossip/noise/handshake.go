package noise

import (
	"fmt"
	"io"

	flynn "github.com/flynn/noise"
)

// KeyLen is the size of a Noise (X25519) public key: a static key, or the
// ephemeral key of message 1.
const KeyLen = 32

// prologue is mixed into every handshake hash: a handshake with a
// program speaking another protocol fails at its first encrypted field.
const prologue = "AITBC/gossip/v2"

// suite is Noise_XX_25519_ChaChaPoly_SHA256 (docs/adr/007).
var suite = flynn.NewCipherSuite(flynn.DH25519, flynn.CipherChaChaPoly, flynn.HashSHA256)

// Static is a Noise static key pair. A transport draws one when it is
// built and keeps it as long as the process lives: the node key's
// signature over it (Identity), not the key itself, is the node's
// identity.
type Static struct{ dh flynn.DHKey }

// NewStatic draws a static key pair from rng (crypto/rand.Reader; a
// fixed reader only in tests).
func NewStatic(rng io.Reader) (Static, error) {
	k, err := flynn.DH25519.GenerateKeypair(rng)
	if err != nil {
		return Static{}, fmt.Errorf("gossip: noise static key: %w", err)
	}
	return Static{k}, nil
}

// Public is the public key that identities sign (KeyLen bytes).
func (s Static) Public() []byte { return s.dh.Public }

// Handshake is one side of the Noise_XX exchange (docs/spec.md §16.2):
//
//	-> e                                  initiator: WriteMessage1, responder: ReadMessage1
//	<- e, ee, s, es, identity(responder)  responder: WriteMessage2, initiator: ReadMessage2
//	-> s, se, identity(initiator)         initiator: WriteMessage3, responder: ReadMessage3
//
// The side that dialed is the initiator. Messages 2 and 3 carry an
// identity payload (Identity.Encode) encrypted; the caller decodes and
// checks the peer's (DecodeIdentity, Identity.Check with PeerStatic)
// before it trusts it, and the initiator before it sends message 3.
// Message 3 completes the handshake on both sides with a Session.
//
// Every error is ErrNoise: a message that fails to decrypt or parse, or a
// call out of turn (the wrong side, or the wrong message next). After an
// error the handshake is dead and every later call fails. A Handshake is
// not safe for concurrent use.
type Handshake struct {
	hs        *flynn.HandshakeState
	initiator bool
	next      int // the number of the next message; 0 once dead
}

// NewHandshake starts one side of Noise_XX with the static key; its
// ephemeral key is drawn from rng (fixed only by the spec vector test).
func NewHandshake(initiator bool, static Static, rng io.Reader) (*Handshake, error) {
	hs, err := flynn.NewHandshakeState(flynn.Config{
		CipherSuite:   suite,
		Random:        rng,
		Pattern:       flynn.HandshakeXX,
		Initiator:     initiator,
		Prologue:      []byte(prologue),
		StaticKeypair: static.dh,
	})
	if err != nil {
		return nil, fmt.Errorf("gossip: noise handshake: %w", err)
	}
	return &Handshake{hs: hs, initiator: initiator, next: 1}, nil
}

// turn checks that message n is next and that this side writes it
// (write) or reads it: the initiator writes messages 1 and 3.
func (h *Handshake) turn(n int, write bool) error {
	if h.next != n || write != (h.initiator == (n != 2)) {
		h.next = 0
		return fmt.Errorf("%w: message %d out of turn", ErrNoise, n)
	}
	return nil
}

// done records the outcome of message n: the next one, or a dead
// handshake and the error as ErrNoise.
func (h *Handshake) done(n int, err error) error {
	if err != nil {
		h.next = 0
		return fmt.Errorf("%w: message %d: %w", ErrNoise, n, err)
	}
	h.next = n + 1
	return nil
}

// WriteMessage1 is the initiator's first message (its ephemeral key).
func (h *Handshake) WriteMessage1() ([]byte, error) {
	if err := h.turn(1, true); err != nil {
		return nil, err
	}
	msg, _, _, err := h.hs.WriteMessage(nil, nil)
	return msg, h.done(1, err)
}

// ReadMessage1 reads the initiator's first message.
func (h *Handshake) ReadMessage1(msg []byte) error {
	if err := h.turn(1, false); err != nil {
		return err
	}
	_, _, _, err := h.hs.ReadMessage(nil, msg)
	return h.done(1, err)
}

// WriteMessage2 is the responder's message, carrying its identity
// payload.
func (h *Handshake) WriteMessage2(identity []byte) ([]byte, error) {
	if err := h.turn(2, true); err != nil {
		return nil, err
	}
	msg, _, _, err := h.hs.WriteMessage(nil, identity)
	return msg, h.done(2, err)
}

// ReadMessage2 reads the responder's message and returns its identity
// payload; PeerStatic is then the responder's static key.
func (h *Handshake) ReadMessage2(msg []byte) (identity []byte, err error) {
	if err := h.turn(2, false); err != nil {
		return nil, err
	}
	identity, _, _, err = h.hs.ReadMessage(nil, msg)
	return identity, h.done(2, err)
}

// WriteMessage3 is the initiator's last message, carrying its identity
// payload; the handshake is complete and s the initiator's session.
func (h *Handshake) WriteMessage3(identity []byte) (msg []byte, s *Session, err error) {
	if err := h.turn(3, true); err != nil {
		return nil, nil, err
	}
	msg, c1, c2, err := h.hs.WriteMessage(nil, identity)
	if err == nil {
		s, err = newSession(true, c1, c2)
	}
	return msg, s, h.done(3, err)
}

// ReadMessage3 reads the initiator's last message and returns its
// identity payload; PeerStatic is then the initiator's static key, the
// handshake is complete and s the responder's session.
func (h *Handshake) ReadMessage3(msg []byte) (identity []byte, s *Session, err error) {
	if err := h.turn(3, false); err != nil {
		return nil, nil, err
	}
	identity, c1, c2, err := h.hs.ReadMessage(nil, msg)
	if err == nil {
		s, err = newSession(false, c1, c2)
	}
	return identity, s, h.done(3, err)
}

// PeerStatic is the static key the peer proved it holds: the responder's
// after ReadMessage2, the initiator's after ReadMessage3; nil before.
func (h *Handshake) PeerStatic() []byte { return h.hs.PeerStatic() }

// DialerEphemeral is the initiator's ephemeral key, known to both sides
// once message 1 is written or read (netio/gossip breaks the tie between
// two connections of one pair with it, docs/spec.md §16.2). Before that
// it is all zeros.
func (h *Handshake) DialerEphemeral() [KeyLen]byte {
	var e [KeyLen]byte
	if h.initiator {
		copy(e[:], h.hs.LocalEphemeral().Public)
	} else {
		copy(e[:], h.hs.PeerEphemeral())
	}
	return e
}
