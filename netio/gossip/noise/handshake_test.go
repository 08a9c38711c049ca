package noise

import (
	"bytes"
	"errors"
	"testing"
)

// A handshake between two sides: each learns the other's static key and
// the dialer's ephemeral key, and their sessions open what the other
// seals, in both directions.
func TestHandshake(t *testing.T) {
	ini, res := newSide(t, true, nil, nil), newSide(t, false, nil, nil)
	x := exchange(t, ini.hs, res.hs, []byte("initiator"), []byte("responder"))
	if !bytes.Equal(ini.hs.PeerStatic(), res.static.Public()) || !bytes.Equal(res.hs.PeerStatic(), ini.static.Public()) {
		t.Error("static keys")
	}
	if e := ini.hs.DialerEphemeral(); e != res.hs.DialerEphemeral() || e == ([KeyLen]byte{}) {
		t.Error("dialer ephemeral keys differ")
	}
	for i, dir := range []struct{ seal, open *Session }{{x.si, x.sr}, {x.sr, x.si}} {
		for n := range 3 {
			f := frame(0x10, []byte{byte(i), byte(n)})
			sealed, err := dir.seal.Seal(nil, f)
			must(t, err)
			if len(sealed) != len(f)+TagLen || bytes.Contains(sealed, f[lenPrefix:]) {
				t.Fatalf("sealed %x", sealed)
			}
			plain, err := dir.open.Open(nil, sealed)
			if err != nil || !bytes.Equal(plain, f[lenPrefix:]) {
				t.Fatalf("direction %d frame %d: %x %v", i, n, plain, err)
			}
		}
	}
}

// Messages out of turn, or for the other side, fail as ErrNoise, and a
// failed handshake stays failed.
func TestHandshakeOutOfTurn(t *testing.T) {
	ini, res := newSide(t, true, nil, nil), newSide(t, false, nil, nil)
	if _, err := res.hs.WriteMessage1(); !errors.Is(err, ErrNoise) {
		t.Errorf("the responder wrote message 1: %v", err)
	}
	if _, err := res.hs.WriteMessage2(nil); !errors.Is(err, ErrNoise) {
		t.Errorf("a failed handshake went on: %v", err)
	}
	ini2 := newSide(t, true, nil, nil)
	if _, _, err := ini2.hs.WriteMessage3(nil); !errors.Is(err, ErrNoise) {
		t.Errorf("message 3 first: %v", err)
	}
	_, err := ini.hs.WriteMessage1()
	must(t, err)
	if _, err := ini.hs.WriteMessage1(); !errors.Is(err, ErrNoise) {
		t.Errorf("message 1 twice: %v", err)
	}
}

// A message altered on the way fails to decrypt (ErrNoise): the
// responder's s and identity, the initiator's s and identity.
func TestHandshakeAlteredMessages(t *testing.T) {
	for _, which := range []int{2, 3} {
		ini, res := newSide(t, true, nil, nil), newSide(t, false, nil, nil)
		m1, err := ini.hs.WriteMessage1()
		must(t, err)
		must(t, res.hs.ReadMessage1(m1))
		m2, err := res.hs.WriteMessage2([]byte("responder"))
		must(t, err)
		if which == 2 {
			m2[len(m2)-1] ^= 1
			if _, err := ini.hs.ReadMessage2(m2); !errors.Is(err, ErrNoise) {
				t.Errorf("altered message 2: %v", err)
			}
			continue
		}
		_, err = ini.hs.ReadMessage2(m2)
		must(t, err)
		m3, _, err := ini.hs.WriteMessage3([]byte("initiator"))
		must(t, err)
		m3[KeyLen] ^= 1
		if _, s, err := res.hs.ReadMessage3(m3); !errors.Is(err, ErrNoise) || s != nil {
			t.Errorf("altered message 3: %v", err)
		}
	}
}

// A relay that forwards each side's messages to a third party it
// handshakes with (here: the responder's message 2 fed to another
// initiator) gets nothing to decrypt: message 2 depends on message 1's
// ephemeral key.
func TestHandshakeSplicedMessageFails(t *testing.T) {
	ini, res, other := newSide(t, true, nil, nil), newSide(t, false, nil, nil), newSide(t, true, nil, nil)
	m1, err := ini.hs.WriteMessage1()
	must(t, err)
	_, err = other.hs.WriteMessage1()
	must(t, err)
	must(t, res.hs.ReadMessage1(m1))
	m2, err := res.hs.WriteMessage2([]byte("responder"))
	must(t, err)
	if _, err := other.hs.ReadMessage2(m2); !errors.Is(err, ErrNoise) {
		t.Fatalf("a message 2 for another initiator decrypted: %v", err)
	}
}

// Sealed frames open only once, in order, unaltered; a short one is
// ErrFrameSize; both directions rekey at the same frame; a direction
// never reuses its last nonce.
func TestSession(t *testing.T) {
	ini, res := newSide(t, true, nil, nil), newSide(t, false, nil, nil)
	x := exchange(t, ini.hs, res.hs, nil, nil)
	f1, f2 := frame(0x10, []byte{1}), frame(0x10, []byte{2})
	for _, short := range [][]byte{nil, {0, 0, 0}, {0, 0, 0, 0}} {
		if _, err := x.si.Seal(nil, short); !errors.Is(err, ErrFrameSize) {
			t.Errorf("seal of a %d-byte frame: %v", len(short), err)
		}
	}
	s1, err := x.si.Seal(nil, f1)
	must(t, err)
	s2, err := x.si.Seal(nil, f2)
	must(t, err)
	if _, err := x.sr.Open(nil, s2); !errors.Is(err, ErrFrameAuth) {
		t.Errorf("reordered: %v", err)
	}
	flipped := bytes.Clone(s1)
	flipped[lenPrefix] ^= 1
	if _, err := x.sr.Open(nil, flipped); !errors.Is(err, ErrFrameAuth) {
		t.Errorf("flipped: %v", err)
	}
	longer := bytes.Clone(s1)
	longer[3]++ // the length is associated data
	if _, err := x.sr.Open(nil, longer); !errors.Is(err, ErrFrameAuth) {
		t.Errorf("length altered: %v", err)
	}
	if _, err := x.sr.Open(nil, s1[:lenPrefix+TagLen]); !errors.Is(err, ErrFrameSize) {
		t.Errorf("short: %v", err)
	}
	if _, err := x.sr.Open(nil, s1); err != nil {
		t.Fatal(err)
	}
	if _, err := x.sr.Open(nil, s1); !errors.Is(err, ErrFrameAuth) {
		t.Errorf("replayed: %v", err)
	}

	// Across a rekey: both ends at frame 2^20 - 1.
	x = exchange(t, newSide(t, true, nil, nil).hs, newSide(t, false, nil, nil).hs, nil, nil)
	x.si.send.n, x.sr.recv.n = rekeyEvery-1, rekeyEvery-1
	key := x.si.send.key
	for range 2 {
		s, err := x.si.Seal(nil, f1)
		must(t, err)
		if _, err := x.sr.Open(nil, s); err != nil {
			t.Fatalf("across the rekey: %v", err)
		}
	}
	if x.si.send.key == key || x.si.send.key != x.sr.recv.key {
		t.Error("keys after the rekey")
	}

	// The last nonce.
	x.si.send.n = maxFrameNonce + 1
	if _, err := x.si.Seal(nil, f1); !errors.Is(err, ErrNonceExhausted) {
		t.Errorf("seal past the last nonce: %v", err)
	}
	x.sr.recv.n = maxFrameNonce + 1
	if _, err := x.sr.Open(nil, s1); !errors.Is(err, ErrNonceExhausted) {
		t.Errorf("open past the last nonce: %v", err)
	}
}
