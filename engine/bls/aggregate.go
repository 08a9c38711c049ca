package bls

import (
	bls12381 "github.com/consensys/gnark-crypto/ecc/bls12-381"
)

// AggregateSignatures adds signatures in G2. Every input is validated.
func AggregateSignatures(sigs []Signature) (Signature, error) {
	return aggregateSignatures(nil, sigs)
}

func aggregateSignatures(c *SigMemo, sigs []Signature) (Signature, error) {
	if len(sigs) == 0 {
		return Signature{}, ErrEmpty
	}
	var acc bls12381.G2Jac
	for i := range sigs {
		p, err := c.decode(sigs[i])
		if err != nil {
			return Signature{}, err
		}
		if i == 0 {
			acc.FromAffine(p)
		} else {
			acc.AddMixed(p)
		}
	}
	var out bls12381.G2Affine
	out.FromJacobian(&acc)
	if out.IsInfinity() {
		return Signature{}, ErrIdentity
	}
	agg := Signature(out.Bytes())
	if c != nil {
		c.remember(agg, &out)
	}
	return agg, nil
}

// AggregatePublicKeys adds public keys in G1. Every input is validated.
// Only keys with a verified proof of possession may be aggregated.
func AggregatePublicKeys(pks []PublicKey) (PublicKey, error) {
	keys := make([]*PreparedKey, len(pks))
	for i, pk := range pks {
		k, err := cachedPrepare(pk)
		if err != nil {
			return PublicKey{}, err
		}
		keys[i] = k
	}
	p, err := sumKeys(keys)
	if err != nil {
		return PublicKey{}, err
	}
	return PublicKey(p.Bytes()), nil
}

func sumKeys(keys []*PreparedKey) (*bls12381.G1Affine, error) {
	if len(keys) == 0 {
		return nil, ErrEmpty
	}
	var acc bls12381.G1Jac
	acc.FromAffine(&keys[0].p)
	for _, k := range keys[1:] {
		acc.AddMixed(&k.p)
	}
	out := new(bls12381.G1Affine)
	out.FromJacobian(&acc)
	if out.IsInfinity() {
		return nil, ErrIdentity
	}
	return out, nil
}

// VerifyAggregate checks an aggregate signature by the holders of pks over
// one common msg with a single pairing check. Keys are decompressed through
// a bounded cache, so verifying commits of one validator set repeatedly
// costs one decompression per key in total.
func VerifyAggregate(pks []PublicKey, msg []byte, sig Signature) bool {
	keys := make([]*PreparedKey, len(pks))
	for i, pk := range pks {
		k, err := cachedPrepare(pk)
		if err != nil {
			return false
		}
		keys[i] = k
	}
	return VerifyAggregatePrepared(keys, msg, sig)
}

// VerifyAggregatePrepared is VerifyAggregate with prepared keys: the keys
// are summed in G1 and the sum checked with one pairing product.
func VerifyAggregatePrepared(keys []*PreparedKey, msg []byte, sig Signature) bool {
	return verifyAggregatePrepared(nil, keys, msg, sig)
}

func verifyAggregatePrepared(c *SigMemo, keys []*PreparedKey, msg []byte, sig Signature) bool {
	p, err := sumKeys(keys)
	if err != nil {
		return false
	}
	s, err := c.decodeKeep(sig, false)
	if err != nil {
		return false
	}
	return verifyHashed(p, verifyHashes.get(msg, SigDST), s)
}
