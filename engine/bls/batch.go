package bls

import (
	"crypto/sha256"
	"encoding/binary"
	"math/big"

	bls12381 "github.com/consensys/gnark-crypto/ecc/bls12-381"
)

// batchDST separates the coefficient hash of VerifySameMessage from every
// other use of SHA-256 in the protocol.
const batchDST = "AITBC_BLS_BATCH_V1"

// VerifySameMessage reports whether every sigs[i] is keys[i]'s signature
// over the one message msg, with one pairing product however many there
// are:
//
//	e(-G1, Σ rᵢ·sigᵢ) · e(Σ rᵢ·pkᵢ, H(msg)) == 1
//
// r₀ = 1 and the other rᵢ are 64-bit coefficients hashed from msg, every
// key and every signature, so a signer cannot make its invalid signature
// cancel another one's (as it could in a plain sum, where σ₁+Δ and σ₂−Δ
// pass): that takes about 2^64 hashes of grinding. Fixing one coefficient
// loses nothing (the small-exponents test): if only the first signature
// is off, the sum is off by its error; if another one is, exactly one
// value of its coefficient cancels the rest, hit with probability 2^-64,
// and one scalar multiplication in G1 and one in G2 are saved per batch. The verdict is the same as
// verifying each signature on its own, except with that probability;
// it is a pure function of its inputs (no randomness). Malformed,
// off-subgroup or identity signatures, or lengths that differ, or none at
// all, verify false. Keys must hold verified proofs of possession (every
// validator key does).
func VerifySameMessage(keys []*PreparedKey, msg []byte, sigs []Signature) bool {
	return verifySameMessage(nil, keys, msg, sigs)
}

func verifySameMessage(c *SigMemo, keys []*PreparedKey, msg []byte, sigs []Signature) bool {
	n := len(keys)
	if n == 0 || n != len(sigs) {
		return false
	}
	if n == 1 {
		return c.Verify(keys[0], msg, sigs[0])
	}
	pts := make([]*bls12381.G2Affine, n)
	for i := range sigs {
		p, err := c.decode(sigs[i])
		if err != nil {
			return false
		}
		pts[i] = p
	}
	seed := sha256.New()
	seed.Write([]byte(batchDST))
	var lenBuf [8]byte
	binary.BigEndian.PutUint64(lenBuf[:], uint64(len(msg)))
	seed.Write(lenBuf[:])
	seed.Write(msg)
	for i := range keys {
		seed.Write(keys[i].pk[:])
		seed.Write(sigs[i][:])
	}
	root := seed.Sum(nil)
	var sigAcc bls12381.G2Jac
	var keyAcc bls12381.G1Jac
	r := new(big.Int)
	for i := range n {
		var s bls12381.G2Jac
		s.FromAffine(pts[i])
		var k bls12381.G1Jac
		k.FromAffine(&keys[i].p)
		if i > 0 { // r₀ = 1: one coefficient may be fixed (see above)
			h := sha256.New()
			h.Write(root)
			binary.BigEndian.PutUint64(lenBuf[:], uint64(i))
			h.Write(lenBuf[:])
			c := binary.BigEndian.Uint64(h.Sum(nil)) | 1 // never zero
			r.SetUint64(c)
			s.ScalarMultiplication(&s, r)
			k.ScalarMultiplication(&k, r)
		}
		if i == 0 {
			sigAcc, keyAcc = s, k
		} else {
			sigAcc.AddAssign(&s)
			keyAcc.AddAssign(&k)
		}
	}
	var sig bls12381.G2Affine
	sig.FromJacobian(&sigAcc)
	var key bls12381.G1Affine
	key.FromJacobian(&keyAcc)
	if sig.IsInfinity() || key.IsInfinity() {
		return false
	}
	return verifyHashed(&key, verifyHashes.get(msg, SigDST), &sig)
}
