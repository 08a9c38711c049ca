package bls

import (
	"errors"
	"fmt"
	"math/big"
	"math/rand/v2"
	"sync"
	"testing"

	bls12381 "github.com/consensys/gnark-crypto/ecc/bls12-381"
	"github.com/consensys/gnark-crypto/ecc/bls12-381/fp"
	"github.com/consensys/gnark-crypto/ecc/bls12-381/fr"
)

// testKeys derives n deterministic keys.
func testKeys(t testing.TB, n int) []*SecretKey {
	t.Helper()
	r := rand.NewChaCha8([32]byte{'b', 'l', 's'})
	out := make([]*SecretKey, n)
	for i := range out {
		sk, err := GenerateKey(r)
		if err != nil {
			t.Fatal(err)
		}
		out[i] = sk
	}
	return out
}

func TestSignVerify(t *testing.T) {
	sks := testKeys(t, 2)
	msg := []byte("hello")
	sig := Sign(sks[0], msg)
	pk := sks[0].PublicKey()
	if !Verify(pk, msg, sig) {
		t.Fatal("valid signature rejected")
	}
	k, err := pk.Prepare()
	if err != nil || !k.Verify(msg, sig) || k.Bytes() != pk {
		t.Fatalf("prepared verify failed: %v", err)
	}
	// Round trip of the secret key encoding.
	sk2, err := SecretKeyFromBytes(sks[0].Bytes())
	if err != nil || sk2.PublicKey() != pk {
		t.Fatalf("secret key round trip: %v", err)
	}
}

func TestTamper(t *testing.T) {
	sks := testKeys(t, 2)
	msg := []byte("block 42")
	pk := sks[0].PublicKey()
	sig := Sign(sks[0], msg)

	flip := func(b []byte, i int) { b[i] ^= 0x01 }
	badMsg := append([]byte(nil), msg...)
	flip(badMsg, 0)
	badSig := sig
	flip(badSig[:], 50)
	badPK := pk
	flip(badPK[:], 47)

	cases := []struct {
		name string
		pk   PublicKey
		msg  []byte
		sig  Signature
	}{
		{"other message", pk, badMsg, sig},
		{"flipped signature bit", pk, msg, badSig},
		{"flipped key bit", badPK, msg, sig},
		{"other signer", sks[1].PublicKey(), msg, sig},
		{"signature of other key", pk, msg, Sign(sks[1], msg)},
		{"zero key", PublicKey{}, msg, sig},
		{"zero signature", pk, msg, Signature{}},
		{"identity key", identityPK(), msg, sig},
		{"identity signature", pk, msg, identitySig()},
		{"proof of possession as signature", pk, pk[:], ProvePossession(sks[0])},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if Verify(c.pk, c.msg, c.sig) {
				t.Fatal("tampered input verified")
			}
		})
	}
}

func TestPossession(t *testing.T) {
	sks := testKeys(t, 2)
	pk := sks[0].PublicKey()
	pop := ProvePossession(sks[0])
	if !VerifyPossession(pk, pop) {
		t.Fatal("valid proof rejected")
	}
	if VerifyPossession(sks[1].PublicKey(), pop) {
		t.Fatal("proof accepted for another key")
	}
	// A plain signature over the key bytes is not a proof (different DST).
	if VerifyPossession(pk, Sign(sks[0], pk[:])) {
		t.Fatal("signature under the message DST accepted as a proof")
	}
	if VerifyPossession(identityPK(), identitySig()) {
		t.Fatal("identity proof accepted")
	}
}

// TestRogueKey shows why aggregation requires proofs of possession: an
// attacker who picks pk_r = a·G1 - pk_v can forge an "aggregate" of itself
// and a victim, but cannot prove possession of pk_r.
func TestRogueKey(t *testing.T) {
	sks := testKeys(t, 2)
	victim, attacker := sks[0], sks[1]
	var pv, pa, pr bls12381.G1Affine
	if _, err := pv.SetBytes(victim.PublicKey().bytes()); err != nil {
		t.Fatal(err)
	}
	if _, err := pa.SetBytes(attacker.PublicKey().bytes()); err != nil {
		t.Fatal(err)
	}
	pr.Sub(&pa, &pv)
	rogue := PublicKey(pr.Bytes())
	msg := []byte("steal")
	forged := Sign(attacker, msg)
	if !VerifyAggregate([]PublicKey{victim.PublicKey(), rogue}, msg, forged) {
		t.Fatal("setup: rogue aggregate should verify without PoP checks")
	}
	if VerifyPossession(rogue, ProvePossession(attacker)) {
		t.Fatal("rogue key proved possession")
	}
	var popRogue Signature
	func() {
		h := hashToG2(rogue[:], PoPDST)
		var s bls12381.G2Affine
		s.ScalarMultiplication(&h, &attacker.s)
		popRogue = Signature(s.Bytes())
	}()
	if VerifyPossession(rogue, popRogue) {
		t.Fatal("rogue key proved possession with the attacker's scalar")
	}
}

func (pk PublicKey) bytes() []byte { return pk[:] }

func TestAggregate(t *testing.T) {
	sks := testKeys(t, 5)
	msg := []byte("commit h=7 r=0")
	pks := make([]PublicKey, len(sks))
	sigs := make([]Signature, len(sks))
	for i, sk := range sks {
		pks[i] = sk.PublicKey()
		sigs[i] = Sign(sk, msg)
	}
	agg, err := AggregateSignatures(sigs)
	if err != nil {
		t.Fatal(err)
	}
	if !VerifyAggregate(pks, msg, agg) {
		t.Fatal("aggregate rejected")
	}
	apk, err := AggregatePublicKeys(pks)
	if err != nil {
		t.Fatal(err)
	}
	if !Verify(apk, msg, agg) {
		t.Fatal("aggregate key does not verify aggregate signature")
	}
	// Order does not matter.
	rev := []PublicKey{pks[4], pks[3], pks[2], pks[1], pks[0]}
	if !VerifyAggregate(rev, msg, agg) {
		t.Fatal("aggregate rejected for permuted keys")
	}
	// One of one is a plain signature.
	one, err := AggregateSignatures(sigs[:1])
	if err != nil || one != sigs[0] || !VerifyAggregate(pks[:1], msg, one) {
		t.Fatalf("aggregate of one: %v", err)
	}

	if VerifyAggregate(pks[:4], msg, agg) {
		t.Fatal("aggregate verified with a signer missing")
	}
	if VerifyAggregate(append(pks[:5:5], pks[0]), msg, agg) {
		t.Fatal("aggregate verified with a key counted twice")
	}
	if VerifyAggregate(pks, []byte("other"), agg) {
		t.Fatal("aggregate verified for another message")
	}
	if VerifyAggregate(nil, msg, agg) {
		t.Fatal("aggregate verified with no keys")
	}
	if VerifyAggregate([]PublicKey{pks[0], {}}, msg, agg) {
		t.Fatal("aggregate verified with a malformed key")
	}
	if _, err := AggregateSignatures(nil); !errors.Is(err, ErrEmpty) {
		t.Fatalf("empty aggregate: %v", err)
	}
	if _, err := AggregatePublicKeys(nil); !errors.Is(err, ErrEmpty) {
		t.Fatalf("empty key aggregate: %v", err)
	}
	if _, err := AggregateSignatures([]Signature{sigs[0], {}}); !errors.Is(err, ErrInvalidPoint) {
		t.Fatalf("aggregate with malformed signature: %v", err)
	}
	if _, err := AggregatePublicKeys([]PublicKey{pks[0], identityPK()}); !errors.Is(err, ErrIdentity) {
		t.Fatalf("aggregate with identity key: %v", err)
	}
	// A key and its negation sum to the identity.
	var p bls12381.G1Affine
	if _, err := p.SetBytes(pks[0][:]); err != nil {
		t.Fatal(err)
	}
	p.Neg(&p)
	if _, err := AggregatePublicKeys([]PublicKey{pks[0], PublicKey(p.Bytes())}); !errors.Is(err, ErrIdentity) {
		t.Fatalf("aggregate to identity: %v", err)
	}
}

func TestSecretKeyFromBytes(t *testing.T) {
	r := fr.Modulus()
	enc := func(v *big.Int) []byte { b := make([]byte, 32); v.FillBytes(b); return b }
	cases := []struct {
		name string
		in   []byte
		want error
	}{
		{"one", enc(big.NewInt(1)), nil},
		{"r-1", enc(new(big.Int).Sub(r, big.NewInt(1))), nil},
		{"zero", make([]byte, 32), ErrInvalidSecretKey},
		{"r", enc(r), ErrInvalidSecretKey},
		{"all ones", []byte("\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff"), ErrInvalidSecretKey},
		{"short", make([]byte, 31), ErrInvalidLength},
		{"long", make([]byte, 33), ErrInvalidLength},
		{"nil", nil, ErrInvalidLength},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := SecretKeyFromBytes(c.in)
			if !errors.Is(err, c.want) && !(c.want == nil && err == nil) {
				t.Fatalf("err = %v, want %v", err, c.want)
			}
			var de *DecodeError
			if c.want != nil && !errors.As(err, &de) {
				t.Fatalf("err %T is not a *DecodeError", err)
			}
		})
	}
	if _, err := KeyGen(make([]byte, 31)); !errors.Is(err, ErrInvalidSecretKey) {
		t.Fatalf("short ikm: %v", err)
	}
	if _, err := GenerateKey(&shortReader{}); err == nil {
		t.Fatal("GenerateKey with a failing reader succeeded")
	}
}

type shortReader struct{}

func (*shortReader) Read([]byte) (int, error) { return 0, errors.New("no entropy") }

func identityPK() PublicKey  { var p PublicKey; p[0] = 0xc0; return p }
func identitySig() Signature { var s Signature; s[0] = 0xc0; return s }

// notInG1 is a compressed point on the curve outside the r-torsion subgroup.
func notInG1() PublicKey {
	var f fp.Element
	f.SetUint64(5)
	j := bls12381.GeneratePointNotInG1(f)
	var a bls12381.G1Affine
	a.FromJacobian(&j)
	return PublicKey(a.Bytes())
}

func notInG2() Signature {
	var f bls12381.E2
	f.A0.SetUint64(7)
	f.A1.SetUint64(3)
	j := bls12381.GeneratePointNotInG2(f)
	var a bls12381.G2Affine
	a.FromJacobian(&j)
	return Signature(a.Bytes())
}

// xNotOnCurve returns a compressed G1 encoding whose x has no y
// (x³+4 is a quadratic non-residue).
func xNotOnCurve() PublicKey {
	for x := uint64(1); ; x++ {
		var fx, y2, four fp.Element
		fx.SetUint64(x)
		four.SetUint64(4)
		y2.Square(&fx).Mul(&y2, &fx).Add(&y2, &four)
		if y2.Legendre() == -1 {
			var pk PublicKey
			b := fx.Bytes()
			copy(pk[:], b[:])
			pk[0] |= 0x80
			return pk
		}
	}
}

func TestDecodePublicKey(t *testing.T) {
	good := testKeys(t, 1)[0].PublicKey()
	uncompressed := good
	uncompressed[0] &^= 0x80
	badMask := good
	badMask[0] |= 0x20 | 0x40 // infinity flag on a non-zero point
	xTooBig := good
	for i := 1; i < 48; i++ {
		xTooBig[i] = 0xff
	}
	xTooBig[0] = 0x80 | 0x1f
	infNonZero := identityPK()
	infNonZero[47] = 1
	cases := []struct {
		name string
		in   []byte
		want error
	}{
		{"valid", good[:], nil},
		{"short", good[:47], ErrInvalidLength},
		{"long", append(good[:], 0), ErrInvalidLength},
		{"zero bytes", make([]byte, 48), ErrInvalidPoint},
		{"identity", func() []byte { p := identityPK(); return p[:] }(), ErrIdentity},
		{"identity with garbage", infNonZero[:], ErrInvalidPoint},
		{"uncompressed flag", uncompressed[:], ErrInvalidPoint},
		{"infinity flag on a point", badMask[:], ErrInvalidPoint},
		{"x >= p", xTooBig[:], ErrInvalidPoint},
		{"not on curve", func() []byte { p := xNotOnCurve(); return p[:] }(), ErrInvalidPoint},
		{"not in subgroup", func() []byte { p := notInG1(); return p[:] }(), ErrInvalidPoint},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			pk, err := PublicKeyFromBytes(c.in)
			if c.want == nil {
				if err != nil || pk != good {
					t.Fatalf("err = %v", err)
				}
				return
			}
			if !errors.Is(err, c.want) {
				t.Fatalf("err = %v, want %v", err, c.want)
			}
			if len(c.in) == PublicKeySize && Verify(PublicKey(c.in), []byte("m"), Sign(testKeys(t, 1)[0], []byte("m"))) {
				t.Fatal("invalid key verified")
			}
		})
	}
}

func TestDecodeSignature(t *testing.T) {
	good := Sign(testKeys(t, 1)[0], []byte("m"))
	uncompressed := good
	uncompressed[0] &^= 0x80
	cases := []struct {
		name string
		in   []byte
		want error
	}{
		{"valid", good[:], nil},
		{"short", good[:95], ErrInvalidLength},
		{"long", append(good[:], 0), ErrInvalidLength},
		{"zero bytes", make([]byte, 96), ErrInvalidPoint},
		{"identity", func() []byte { s := identitySig(); return s[:] }(), ErrIdentity},
		{"uncompressed flag", uncompressed[:], ErrInvalidPoint},
		{"not in subgroup", func() []byte { s := notInG2(); return s[:] }(), ErrInvalidPoint},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			sig, err := SignatureFromBytes(c.in)
			if c.want == nil {
				if err != nil || sig != good {
					t.Fatalf("err = %v", err)
				}
				return
			}
			if !errors.Is(err, c.want) {
				t.Fatalf("err = %v, want %v", err, c.want)
			}
		})
	}
}

// TestConcurrentVerify exercises the shared key cache under -race.
func TestConcurrentVerify(t *testing.T) {
	sks := testKeys(t, 3)
	msg := []byte("m")
	pks := make([]PublicKey, len(sks))
	sigs := make([]Signature, len(sks))
	for i, sk := range sks {
		pks[i], sigs[i] = sk.PublicKey(), Sign(sk, msg)
	}
	agg, err := AggregateSignatures(sigs)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	fails := make(chan int, 4)
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if !VerifyAggregate(pks, msg, agg) || !Verify(pks[g%3], msg, sigs[g%3]) {
				fails <- g
			}
		}()
	}
	wg.Wait()
	close(fails)
	for g := range fails {
		t.Errorf("goroutine %d: verification failed", g)
	}
}

// The verify path's hash cache changes no verdict: with H(msg) cached, a
// signature by another key, on another message, or under the other DST
// (a proof of possession is not a vote signature) still fails, and the
// cache never grows past hashCacheSize.
func TestHashCacheChangesNoVerdict(t *testing.T) {
	ks := testKeys(t, 2)
	msg := []byte("a vote's sign bytes")
	good := Sign(ks[0], msg)
	for pass := 0; pass < 2; pass++ { // the second pass hits the cache
		if !Verify(ks[0].PublicKey(), msg, good) {
			t.Fatalf("pass %d: a good signature failed", pass)
		}
		if Verify(ks[1].PublicKey(), msg, good) {
			t.Fatalf("pass %d: another key's signature verified", pass)
		}
		if Verify(ks[0].PublicKey(), []byte("another message"), good) {
			t.Fatalf("pass %d: a signature verified for another message", pass)
		}
		pk := ks[0].PublicKey()
		if VerifyPossession(pk, Sign(ks[0], pk[:])) {
			t.Fatalf("pass %d: a signature under the vote DST passed as a proof of possession", pass)
		}
		if !VerifyPossession(pk, ProvePossession(ks[0])) {
			t.Fatalf("pass %d: a good proof of possession failed", pass)
		}
	}
	for i := 0; i < 2*hashCacheSize; i++ {
		Verify(ks[0].PublicKey(), fmt.Appendf(nil, "m%d", i), good)
	}
	verifyHashes.mu.Lock()
	n := len(verifyHashes.m)
	verifyHashes.mu.Unlock()
	if n > hashCacheSize {
		t.Fatalf("%d hashes cached, bound %d", n, hashCacheSize)
	}
}

// TestSignSharesTheSlotHash: signing leaves the message's hash in the
// verify path's cache, so the peers' votes of the slot do not hash it
// again; and a signature made through the cache verifies as before.
func TestSignSharesTheSlotHash(t *testing.T) {
	ks := testKeys(t, 1)
	msg := []byte("a slot's sign bytes, signed first")
	verifyHashes.mu.Lock()
	clear(verifyHashes.m)
	verifyHashes.mu.Unlock()
	sig := Sign(ks[0], msg)
	key := string(append(append([]byte(SigDST), 0), msg...))
	verifyHashes.mu.Lock()
	h, ok := verifyHashes.m[key]
	verifyHashes.mu.Unlock()
	if !ok {
		t.Fatal("Sign did not leave the message's hash in the cache")
	}
	if want := hashToG2(msg, SigDST); !h.Equal(&want) {
		t.Fatal("cached hash differs from hashToG2")
	}
	if !Verify(ks[0].PublicKey(), msg, sig) {
		t.Fatal("signature made through the cache does not verify")
	}
}
