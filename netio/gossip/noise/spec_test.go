package noise

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"testing"

	"aitbc/engine/validators/valtest"
	"aitbc/netio/gossip/internal/gossiptest"
)

// The worked examples of docs/spec.md §16.7 that are this layer's: the
// identities, the three handshake frames and the first sealed frames
// (netio/gossip checks the frame codec's).
func TestSpecNoiseVectors(t *testing.T) {
	gossiptest.CheckVectors(t, gossiptest.NoiseVector, sessionVectors(t))
}

// vectorSeed is SHA-256(label): a vector's private key.
func vectorSeed(label string) []byte {
	seed := sha256.Sum256([]byte(label))
	return seed[:]
}

// sessionVectors runs the handshake of docs/spec.md §16.7 with fixed
// keys and returns its messages and the first sealed frames.
func sessionVectors(t testing.TB) map[string][]byte {
	// Static keys are X25519 keys whose private key is SHA-256(label); the
	// ephemeral keys are the only randomness a handshake draws.
	ini := newSide(t, true, bytes.NewReader(vectorSeed("aitbc gossip vector initiator static")), bytes.NewReader(vectorSeed("aitbc gossip vector initiator ephemeral")))
	res := newSide(t, false, bytes.NewReader(vectorSeed("aitbc gossip vector responder static")), bytes.NewReader(vectorSeed("aitbc gossip vector responder ephemeral")))
	idI := NewIdentity(nodeKey(1), ini.static.Public(), testChainID, testGenesis, 0).Encode()
	idR := NewIdentity(nodeKey(2), res.static.Public(), testChainID, testGenesis, 9070).Encode()
	out := map[string][]byte{"identity.responder": idR}
	// The responder's identity had it held validator key 0 of the test set.
	_, val := valtest.Validator(0, 1)
	vid := NewIdentity(nodeKey(2), res.static.Public(), testChainID, testGenesis, 9070)
	vid.Validator = NewValidatorProof(val.BLS, vid.NodeKey[:], res.static.Public(), testChainID, testGenesis)
	out["identity.validator"] = vid.Encode()

	x := exchange(t, ini.hs, res.hs, idI, idR)
	out["handshake.msg1"] = frame(0x05, x.m1)
	out["handshake.msg2"] = frame(0x05, x.m2)
	out["handshake.msg3"] = frame(0x05, x.m3)

	// PING with nonce 7; late is the initiator's sending cipher at frame 0.
	ping := frame(0x03, binary.BigEndian.AppendUint64(nil, 7))
	late := *x.si.send
	sealed, err := x.si.Seal(nil, ping)
	must(t, err)
	out["session.ping"] = sealed
	// The same PING as frame number 2^20, the first under the rekeyed key.
	late.n = rekeyEvery - 1
	must(t, late.advance())
	rekeyed, err := late.seal(nil, ping)
	must(t, err)
	out["session.ping.rekeyed"] = rekeyed

	// The responder opens what the initiator sealed, and nothing else.
	plain, err := x.sr.Open(nil, sealed)
	if err != nil || !bytes.Equal(plain, ping[lenPrefix:]) {
		t.Fatalf("open: %x %v", plain, err)
	}
	if _, err := x.sr.Open(nil, sealed); err == nil {
		t.Fatal("a replayed frame opened")
	}
	return out
}
