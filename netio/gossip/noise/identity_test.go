package noise

import (
	"bytes"
	"crypto/ed25519"
	"errors"
	"testing"

	"aitbc/engine/types"
	"aitbc/netio/gossip/internal/gossiptest"
)

// sampleIdentities are valid identity payloads: a node's, and a
// validator's (with its proof).
func sampleIdentities(t testing.TB) map[string][]byte {
	_, sks := gossiptest.ValidatorSet(t)
	static := bytes.Repeat([]byte{9}, 32)
	id := NewIdentity(nodeKey(1), static, testChainID, testGenesis, 9070)
	v := NewIdentity(nodeKey(2), static, testChainID, testGenesis, 0)
	v.Validator = NewValidatorProof(sks[0], v.NodeKey[:], static, testChainID, testGenesis)
	return map[string][]byte{"node": id.Encode(), "validator": v.Encode()}
}

func TestIdentityRoundTrip(t *testing.T) {
	for name, b := range sampleIdentities(t) {
		id, err := DecodeIdentity(b)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !bytes.Equal(id.Encode(), b) {
			t.Errorf("%s: re-encoding differs", name)
		}
		if len(b) > maxIdentityLen {
			t.Errorf("%s: %d bytes, limit %d", name, len(b), maxIdentityLen)
		}
	}
}

// Every strict prefix and every one-byte extension of a valid identity
// is malformed (an *IdentityError), never accepted or panicking; except
// a validator's cut before its proof, which is a node's identity.
func TestIdentityRejectsTruncationAndTrailingBytes(t *testing.T) {
	for name, b := range sampleIdentities(t) {
		for n := 0; n < len(b); n++ {
			if name == "validator" && n == len(b)-validatorProofLen {
				continue
			}
			if _, err := DecodeIdentity(b[:n]); !isMalformed(err) {
				t.Fatalf("%s cut at %d: err %v", name, n, err)
			}
		}
		if _, err := DecodeIdentity(append(bytes.Clone(b), 0)); !isMalformed(err) {
			t.Errorf("%s with a trailing byte: err %v", name, err)
		}
	}
}

func isMalformed(err error) bool {
	var ie *IdentityError
	return errors.As(err, &ie) && errors.Is(err, ErrMalformed)
}

func TestIdentityLimits(t *testing.T) {
	long := append([]byte{0, ProtocolVersion, 0, 65}, bytes.Repeat([]byte{'a'}, 65)...)
	if _, err := DecodeIdentity(long); !isMalformed(err) {
		t.Errorf("chain_id over 64: %v", err)
	}
	// A chain id the engine/types rule refuses keeps its error as Cause.
	bad := NewIdentity(nodeKey(1), make([]byte, KeyLen), "bad chain!", testGenesis, 0).Encode()
	_, err := DecodeIdentity(bad)
	var ie *IdentityError
	if !errors.As(err, &ie) || ie.Field != "chain_id" || ie.Cause == nil {
		t.Errorf("chain_id with a space: %v", err)
	}
	// A small-order node key, for which ZIP-215 accepts forgeries.
	small := NewIdentity(nodeKey(1), make([]byte, KeyLen), testChainID, testGenesis, 0)
	small.NodeKey = [32]byte{1} // the identity point
	if _, err := DecodeIdentity(small.Encode()); !errors.As(err, &ie) || ie.Field != "pubkey" {
		t.Errorf("small-order key: %v", err)
	}
}

// The version is read first: a later version with another layout is a
// version mismatch, not a malformed identity.
func TestIdentityVersionIsCheckedFirst(t *testing.T) {
	_, err := DecodeIdentity([]byte{0, 3, 0xff}) // version 3, then garbage
	if !errors.Is(err, ErrVersion) {
		t.Errorf("err = %v, want ErrVersion", err)
	}
}

// Check refuses, each with its error, another chain, another genesis,
// our own key, and a signature that is not the node key's over the
// static key the handshake authenticated: a valid identity replayed by
// a node with another static key (a man in the middle) does not pass.
func TestIdentityCheck(t *testing.T) {
	static, other := bytes.Repeat([]byte{9}, 32), bytes.Repeat([]byte{8}, 32)
	self := nodeKey(2).Public().(ed25519.PublicKey)
	id := NewIdentity(nodeKey(1), static, testChainID, testGenesis, 9070)
	if err := id.Check(static, testChainID, testGenesis, self); err != nil {
		t.Fatal(err)
	}
	forged := *id
	forged.Sign(nodeKey(3), static)
	cases := []struct {
		name string
		err  error
		want error
	}{
		{"another chain", id.Check(static, testChainID+"x", testGenesis, self), ErrWrongChain},
		{"another genesis", id.Check(static, testChainID, types.Hash{1}, self), ErrWrongGenesis},
		{"self", id.Check(static, testChainID, testGenesis, id.NodeKey[:]), ErrSelf},
		{"replayed over another static key", id.Check(other, testChainID, testGenesis, self), ErrBadAuth},
		{"signed by another key", forged.Check(static, testChainID, testGenesis, self), ErrBadAuth},
	}
	for _, tc := range cases {
		if !errors.Is(tc.err, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, tc.err, tc.want)
		}
	}
}
