package types

import "encoding/hex"

// Under ZIP-215 (docs/spec.md §12) a public key of small order verifies a
// "signature" that anyone can make: with A of order dividing 8, [8][k]A is
// the identity, so R = [S]B satisfies the equation for every message. An
// account, coordinator or validator with such a key could be spent or
// impersonated by anyone, so the chain refuses them where a key is named.
//
// The eight points of small order have exactly these 14 encodings that
// ZIP-215 decoding accepts: canonical y with either sign bit where x = 0
// is allowed to carry one (identity, order 2), both sign bits for the
// order-4 and order-8 points, and the non-canonical y + p forms that fit in
// 255 bits (y = 0 and y = 1, i.e. p and p + 1).
var smallOrderKeys = func() map[[PubKeyLen]byte]struct{} {
	m := make(map[[PubKeyLen]byte]struct{}, 14)
	for _, h := range []string{
		"0100000000000000000000000000000000000000000000000000000000000000", // identity
		"0100000000000000000000000000000000000000000000000000000000000080", // identity, x = -0
		"eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", // identity, y = p+1
		"eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff", // identity, y = p+1, x = -0
		"ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", // order 2
		"ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff", // order 2, x = -0
		"0000000000000000000000000000000000000000000000000000000000000000", // order 4
		"0000000000000000000000000000000000000000000000000000000000000080", // order 4
		"edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", // order 4, y = p
		"edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff", // order 4, y = p
		"c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a", // order 8
		"c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa", // order 8
		"26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05", // order 8
		"26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85", // order 8
	} {
		var k [PubKeyLen]byte
		hex.Decode(k[:], []byte(h))
		m[k] = struct{}{}
	}
	return m
}()

// IsSmallOrderKey reports whether pk is an encoding of a point of small
// order, for which anyone can produce a valid signature.
func IsSmallOrderKey(pk []byte) bool {
	if len(pk) != PubKeyLen {
		return false
	}
	_, ok := smallOrderKeys[[PubKeyLen]byte(pk)]
	return ok
}
