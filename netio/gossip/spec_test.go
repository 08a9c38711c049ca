package gossip

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"strings"
	"testing"

	"aitbc/engine/types"
	"aitbc/engine/validators/valtest"
)

// The worked examples of docs/spec.md §16 live in fenced blocks labelled
// "gossip-vector NAME" (not "vector", which engine/types owns). Each is
// rebuilt from the code here.
const gossipFence = "```gossip-vector "

func TestSpecGossipVectors(t *testing.T) {
	doc, err := os.ReadFile("../../docs/spec.md")
	if err != nil {
		t.Fatalf("read the spec: %v", err)
	}
	head, err := types.ParseHash("0x1edb8accd3daebbbecea58c0a0c32a0e34ec7a6de5d086b9efbcb46330bf52dc")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]byte{
		"status.frame": statusFrame(2, head),
	}
	for k, v := range sessionVectors(t) {
		want[k] = v
	}
	got := map[string][]byte{}
	var label string
	var body strings.Builder
	sc := bufio.NewScanner(bytes.NewReader(doc))
	for sc.Scan() {
		line := sc.Text()
		switch {
		case label == "" && strings.HasPrefix(line, gossipFence):
			label = strings.TrimSpace(strings.TrimPrefix(line, gossipFence))
			body.Reset()
		case label != "" && strings.TrimSpace(line) == "```":
			b, err := hex.DecodeString(body.String())
			if err != nil {
				t.Fatalf("vector %s: %v", label, err)
			}
			got[label] = b
			label = ""
		case label != "":
			if i := strings.Index(line, "#"); i >= 0 {
				line = line[:i]
			}
			body.WriteString(strings.Join(strings.Fields(line), ""))
		}
	}
	for name, w := range want {
		g, ok := got[name]
		if !ok {
			t.Errorf("vector %s missing from the spec", name)
			continue
		}
		if !bytes.Equal(g, w) {
			t.Errorf("vector %s:\n spec %x\n code %x", name, g, w)
		}
	}
	for name := range got {
		if _, ok := want[name]; !ok {
			t.Errorf("vector %s in the spec has no generator", name)
		}
	}
	// The example decodes back to what it describes.
	typ, p, n, err := splitFrame(got["status.frame"], DefaultConfig().MaxFrameBytes)
	if err != nil || typ != MsgStatus || n != len(got["status.frame"]) {
		t.Fatalf("split: %v %v %d", typ, err, n)
	}
	if m, err := decodeStatus(p); err != nil || m.height != 2 || m.hash != head {
		t.Errorf("decoded %+v %v", m, err)
	}
}

// vectorSeed is SHA-256(label): a vector's private key.
func vectorSeed(label string) []byte {
	seed := sha256.Sum256([]byte(label))
	return seed[:]
}

// vectorKey is the X25519 key pair whose private key is SHA-256(label).
func vectorKey(t testing.TB, label string) Static {
	k, err := NewStatic(bytes.NewReader(vectorSeed(label)))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// sessionVectors runs the handshake of docs/spec.md §16.7 with fixed
// keys and returns its messages and the first sealed frames.
func sessionVectors(t testing.TB) map[string][]byte {
	is, rs := vectorKey(t, "aitbc gossip vector initiator static"), vectorKey(t, "aitbc gossip vector responder static")
	// The ephemeral keys are the only randomness a handshake draws.
	ie, re := bytes.NewReader(vectorSeed("aitbc gossip vector initiator ephemeral")), bytes.NewReader(vectorSeed("aitbc gossip vector responder ephemeral"))
	ini, err := NewHandshake(true, is, ie)
	if err != nil {
		t.Fatal(err)
	}
	res, err := NewHandshake(false, rs, re)
	if err != nil {
		t.Fatal(err)
	}
	idI := NewIdentity(nodeKey(1), is.Public(), testChainID, testGenesis, 0).Encode()
	idR := NewIdentity(nodeKey(2), rs.Public(), testChainID, testGenesis, 9070).Encode()
	out := map[string][]byte{"identity.responder": idR}
	// The responder's identity had it held validator key 0 of the test set.
	_, val := valtest.Validator(0, 1)
	vid := NewIdentity(nodeKey(2), rs.Public(), testChainID, testGenesis, 9070)
	vid.Validator = NewValidatorProof(val.BLS, vid.NodeKey[:], rs.Public(), testChainID, testGenesis)
	out["identity.validator"] = vid.Encode()

	m1, err := ini.WriteMessage1()
	must(t, err)
	must(t, res.ReadMessage1(m1))
	m2, err := res.WriteMessage2(idR)
	must(t, err)
	got, err := ini.ReadMessage2(m2)
	must(t, err)
	if !bytes.Equal(got, idR) {
		t.Fatal("message 2 payload")
	}
	m3, send, err := ini.WriteMessage3(idI)
	must(t, err)
	got, recv, err := res.ReadMessage3(m3)
	must(t, err)
	if !bytes.Equal(got, idI) {
		t.Fatal("message 3 payload")
	}
	out["handshake.msg1"] = handshakeFrame(m1)
	out["handshake.msg2"] = handshakeFrame(m2)
	out["handshake.msg3"] = handshakeFrame(m3)

	// PING with nonce 7; late is the initiator's sending cipher at frame 0.
	ping := pingFrame(MsgPing, 7)
	late := *send.send
	sealed, err := send.Seal(nil, ping)
	must(t, err)
	out["session.ping"] = sealed
	// The same PING as frame number 2^20, the first under the rekeyed key.
	late.n = rekeyEvery - 1
	must(t, late.advance())
	rekeyed, err := late.seal(nil, ping)
	must(t, err)
	out["session.ping.rekeyed"] = rekeyed

	// The responder opens what the initiator sealed, and nothing else.
	plain, err := recv.Open(nil, sealed)
	if err != nil || !bytes.Equal(plain, ping[lenPrefix:]) {
		t.Fatalf("open: %x %v", plain, err)
	}
	if _, err := recv.Open(nil, sealed); err == nil {
		t.Fatal("a replayed frame opened")
	}
	return out
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
