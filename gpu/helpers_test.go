package gpu

import (
	"bytes"
	"crypto/ed25519"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"testing"

	"filippo.io/edwards25519"
)

// vecDir holds the published test vectors (see its SOURCES.md).
const vecDir = "../testdata/ed25519"

// smallOrderEncodings are the 14 encodings that decode to one of the 8
// points of small order: the 8 canonical ones and 6 non-canonical ones
// (y >= p, or x = 0 with the sign bit set). They are the encodings behind
// the ZIP-215 test vectors (14 x 14 (A, R) pairs).
var smallOrderEncodings = []string{
	"0100000000000000000000000000000000000000000000000000000000000000", // identity
	"ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", // order 2
	"0000000000000000000000000000000000000000000000000000000000000000", // order 4
	"0000000000000000000000000000000000000000000000000000000000000080", // order 4
	"c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a", // order 8
	"c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa", // order 8
	"26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05", // order 8
	"26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85", // order 8
	"0100000000000000000000000000000000000000000000000000000000000080", // identity, x = -0
	"ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff", // order 2, x = -0
	"eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", // identity, y = p+1
	"eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff", // identity, y = p+1, x = -0
	"edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", // order 4, y = p
	"edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff", // order 4, y = p
}

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatalf("bad hex %q: %v", s, err)
	}
	return b
}

// pointInfo describes an encoding the way the ZIP-215 rule sees it.
type pointInfo struct {
	decodes, canonical, smallOrder bool
}

func inspectPoint(enc []byte) pointInfo {
	p, err := new(edwards25519.Point).SetBytes(enc)
	if err != nil {
		return pointInfo{}
	}
	cofactored := new(edwards25519.Point).MultByCofactor(p)
	return pointInfo{
		decodes:    true,
		canonical:  bytes.Equal(p.Bytes(), enc),
		smallOrder: cofactored.Equal(edwards25519.NewIdentityPoint()) == 1,
	}
}

// canonicalS reports S < L.
func canonicalS(sig []byte) bool {
	_, err := new(edwards25519.Scalar).SetCanonicalBytes(sig[32:])
	return err == nil
}

// signer makes reproducible keys and signatures; the seed is logged so a
// failure can be replayed.
type signer struct {
	rng *rand.Rand
}

func newSigner(t testing.TB, seed uint64) *signer {
	t.Logf("signer seed %d", seed)
	return &signer{rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))}
}

func (s *signer) bytes(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(s.rng.Uint32())
	}
	return b
}

// item returns a valid signature over a random message of length n.
func (s *signer) item(n int) Item {
	priv := ed25519.NewKeyFromSeed(s.bytes(ed25519.SeedSize))
	msg := s.bytes(n)
	return Item{PubKey: priv.Public().(ed25519.PublicKey), Msg: msg, Sig: ed25519.Sign(priv, msg)}
}

func (s *signer) items(n int) []Item {
	out := make([]Item, n)
	for i := range out {
		out[i] = s.item(i % 200)
	}
	return out
}

// flipBit returns a copy of b with bit i flipped.
func flipBit(b []byte, i int) []byte {
	c := bytes.Clone(b)
	c[i/8] ^= 1 << (i % 8)
	return c
}

// describe prints an item for failure messages.
func describe(it Item) string {
	return fmt.Sprintf("pk=%x msg=%x sig=%x", it.PubKey, it.Msg, it.Sig)
}
