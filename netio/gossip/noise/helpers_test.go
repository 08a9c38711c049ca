package noise

import (
	"bytes"
	"crypto/rand"
	"encoding/binary"
	"io"
	"testing"

	"aitbc/netio/gossip/internal/gossiptest"
)

// The test chain and node keys are shared with netio/gossip's tests and
// the spec's examples.
const testChainID = gossiptest.ChainID

var testGenesis = gossiptest.Genesis

var nodeKey = gossiptest.NodeKey

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// frame is a plaintext gossip frame: u32 length || type || payload. (The
// frame types are netio/gossip's; these tests need only HANDSHAKE 0x05,
// PING 0x03 and STATUS 0x10.)
func frame(typ byte, payload []byte) []byte {
	b := binary.BigEndian.AppendUint32(nil, uint32(1+len(payload)))
	return append(append(b, typ), payload...)
}

// side is one end of a test handshake: its keys and Handshake.
type side struct {
	static Static
	hs     *Handshake
}

// newSide starts a side with the static key drawn from keyRNG and the
// ephemeral from ephRNG (crypto/rand where nil).
func newSide(t testing.TB, initiator bool, keyRNG, ephRNG io.Reader) side {
	t.Helper()
	if keyRNG == nil {
		keyRNG = rand.Reader
	}
	if ephRNG == nil {
		ephRNG = rand.Reader
	}
	s, err := NewStatic(keyRNG)
	must(t, err)
	hs, err := NewHandshake(initiator, s, ephRNG)
	must(t, err)
	return side{s, hs}
}

// transcript is a completed handshake: its three messages and both ends'
// sessions.
type transcript struct {
	m1, m2, m3 []byte
	si, sr     *Session
}

// exchange runs the handshake between ini and res, the responder sending
// idR and the initiator idI, and checks that each side reads the other's
// payload.
func exchange(t testing.TB, ini, res *Handshake, idI, idR []byte) transcript {
	t.Helper()
	var x transcript
	var err error
	x.m1, err = ini.WriteMessage1()
	must(t, err)
	must(t, res.ReadMessage1(x.m1))
	x.m2, err = res.WriteMessage2(idR)
	must(t, err)
	got, err := ini.ReadMessage2(x.m2)
	must(t, err)
	if !bytes.Equal(got, idR) {
		t.Fatal("message 2 payload")
	}
	x.m3, x.si, err = ini.WriteMessage3(idI)
	must(t, err)
	got, x.sr, err = res.ReadMessage3(x.m3)
	must(t, err)
	if !bytes.Equal(got, idI) {
		t.Fatal("message 3 payload")
	}
	return x
}
