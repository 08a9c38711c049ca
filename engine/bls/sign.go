package bls

import (
	bls12381 "github.com/consensys/gnark-crypto/ecc/bls12-381"
)

// Domain separation tags (RFC 9380 hash_to_curve, IETF BLS POP ciphersuite).
const (
	SigDST = "BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_"
	PoPDST = "BLS_POP_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_"
)

var negG1Gen bls12381.G1Affine

func init() {
	_, _, g1, _ := bls12381.Generators()
	negG1Gen.Neg(&g1)
}

func hashToG2(msg []byte, dst string) bls12381.G2Affine {
	h, err := bls12381.HashToG2(msg, []byte(dst))
	if err != nil {
		// Only a DST over 255 bytes fails; ours are constants.
		panic("bls: hash to G2: " + err.Error())
	}
	return h
}

// sign hashes msg through the verify path's cache: a validator signs the
// same bytes as every other vote of its slot, so its own signature and
// its peers' votes share one hash to G2 (signing hashed apart, and a
// slot cost two hashes).
func sign(sk *SecretKey, msg []byte, dst string) Signature {
	h := verifyHashes.get(msg, dst)
	var s bls12381.G2Affine
	s.ScalarMultiplication(&h, &sk.s)
	return Signature(s.Bytes())
}

// Sign signs msg: sk·H(msg) in G2.
func Sign(sk *SecretKey, msg []byte) Signature { return sign(sk, msg, SigDST) }

// Verify reports whether sig is pk's signature over msg. Malformed,
// off-curve, off-subgroup or identity keys and signatures verify false.
func Verify(pk PublicKey, msg []byte, sig Signature) bool {
	k, err := cachedPrepare(pk)
	if err != nil {
		return false
	}
	return k.Verify(msg, sig)
}

// Verify is Verify with an already prepared key.
func (k *PreparedKey) Verify(msg []byte, sig Signature) bool {
	return verifyPoint(nil, &k.p, msg, sig, SigDST)
}

// verifyPoint checks e(pk, H(msg)) == e(G1, sig) as one product of two
// pairings: e(-G1, sig) · e(pk, H(msg)) == 1.
func verifyPoint(c *SigMemo, pk *bls12381.G1Affine, msg []byte, sig Signature, dst string) bool {
	s, err := c.decode(sig)
	if err != nil {
		return false
	}
	return verifyHashed(pk, verifyHashes.get(msg, dst), s)
}

// verifyHashed checks e(-G1, s) · e(pk, h) == 1 for h = H(msg).
func verifyHashed(pk *bls12381.G1Affine, h bls12381.G2Affine, s *bls12381.G2Affine) bool {
	ok, err := bls12381.PairingCheck([]bls12381.G1Affine{negG1Gen, *pk}, []bls12381.G2Affine{*s, h})
	return err == nil && ok
}

// ProvePossession signs the compressed public key under the PoP DST.
func ProvePossession(sk *SecretKey) Signature {
	pk := sk.PublicKey()
	return sign(sk, pk[:], PoPDST)
}

// VerifyPossession checks a proof of possession for pk.
func VerifyPossession(pk PublicKey, pop Signature) bool {
	k, err := pk.Prepare()
	if err != nil {
		return false
	}
	return verifyPoint(nil, &k.p, pk[:], pop, PoPDST)
}
