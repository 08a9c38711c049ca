package noise

import (
	"bytes"
	"errors"
	"testing"

	"aitbc/engine/bls"
	"aitbc/netio/gossip/internal/gossiptest"
)

// A validator's identity carries its proof and round-trips; a truncated
// proof is malformed.
func TestValidatorIdentityRoundTrip(t *testing.T) {
	_, sks := gossiptest.ValidatorSet(t)
	static := bytes.Repeat([]byte{9}, 32)
	id := NewIdentity(nodeKey(1), static, testChainID, testGenesis, 9070)
	id.Validator = NewValidatorProof(sks[2], id.NodeKey[:], static, testChainID, testGenesis)
	b := id.Encode()
	if len(b) > maxIdentityLen {
		t.Fatalf("identity of %d bytes, limit %d", len(b), maxIdentityLen)
	}
	got, err := DecodeIdentity(b)
	if err != nil || got.Validator == nil || *got.Validator != *id.Validator || !bytes.Equal(got.Encode(), b) {
		t.Fatalf("decoded %+v, %v", got, err)
	}
	for _, cut := range []int{1, bls.SignatureSize, validatorProofLen - 1} {
		if _, err := DecodeIdentity(b[:len(b)-cut]); !errors.Is(err, ErrMalformed) {
			t.Errorf("identity cut by %d bytes: %v, want malformed", cut, err)
		}
	}
}

// A proof checks only signed by the key it names over the node key, the
// Noise static key, chain and genesis of this connection's side.
func TestValidatorProofBindsNodeAndSession(t *testing.T) {
	pks, sks := gossiptest.ValidatorSet(t)
	node, static := bytes.Repeat([]byte{1}, 32), bytes.Repeat([]byte{2}, 32)
	p := NewValidatorProof(sks[1], node, static, testChainID, testGenesis)
	if err := p.Check(node, static, testChainID, testGenesis); err != nil {
		t.Fatal(err)
	}
	other := bytes.Repeat([]byte{3}, 32)
	cases := map[string]error{
		"another node key":      p.Check(other, static, testChainID, testGenesis),
		"another static key":    p.Check(node, other, testChainID, testGenesis),
		"another chain":         p.Check(node, static, testChainID+"x", testGenesis),
		"another genesis":       p.Check(node, static, testChainID, [32]byte{1}),
		"another's key claimed": (&ValidatorProof{Key: pks[0], Sig: p.Sig}).Check(node, static, testChainID, testGenesis),
	}
	for name, err := range cases {
		if !errors.Is(err, ErrBadValidatorProof) {
			t.Errorf("%s: %v, want ErrBadValidatorProof", name, err)
		}
	}
}
