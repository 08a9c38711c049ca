package bls

import (
	"encoding/hex"
	"fmt"
	"sync"

	bls12381 "github.com/consensys/gnark-crypto/ecc/bls12-381"
)

// PublicKey is a compressed G1 point. The zero value is not a valid key.
type PublicKey [PublicKeySize]byte

// Signature is a compressed G2 point. The zero value is not a valid signature.
type Signature [SignatureSize]byte

func (pk PublicKey) String() string { return "0x" + hex.EncodeToString(pk[:]) }
func (s Signature) String() string  { return "0x" + hex.EncodeToString(s[:]) }

// compressedFlag is the top bit of the first byte of a compressed point.
const compressedFlag = 0x80

// PublicKeyFromBytes parses and fully validates a compressed public key.
func PublicKeyFromBytes(b []byte) (PublicKey, error) {
	var pk PublicKey
	if len(b) != PublicKeySize {
		return pk, &DecodeError{What: "public key", Err: ErrInvalidLength, Info: fmt.Sprintf("%d bytes, want %d", len(b), PublicKeySize)}
	}
	copy(pk[:], b)
	if _, err := pk.Prepare(); err != nil {
		return PublicKey{}, err
	}
	return pk, nil
}

// SignatureFromBytes parses and fully validates a compressed signature.
func SignatureFromBytes(b []byte) (Signature, error) {
	var sig Signature
	if len(b) != SignatureSize {
		return sig, &DecodeError{What: "signature", Err: ErrInvalidLength, Info: fmt.Sprintf("%d bytes, want %d", len(b), SignatureSize)}
	}
	copy(sig[:], b)
	if _, err := decodeSignature(sig); err != nil {
		return Signature{}, err
	}
	return sig, nil
}

// PreparedKey is a decompressed, validated public key, ready for pairing.
// Prepare keys once and reuse them: decompression costs a square root and a
// subgroup check.
type PreparedKey struct {
	p  bls12381.G1Affine
	pk PublicKey
}

// Bytes returns the compressed key.
func (k *PreparedKey) Bytes() PublicKey { return k.pk }

// Prepare decompresses and validates pk.
func (pk PublicKey) Prepare() (*PreparedKey, error) {
	k := &PreparedKey{pk: pk}
	if pk[0]&compressedFlag == 0 {
		return nil, &DecodeError{What: "public key", Err: ErrInvalidPoint, Info: "not compressed"}
	}
	if _, err := k.p.SetBytes(pk[:]); err != nil {
		return nil, &DecodeError{What: "public key", Err: ErrInvalidPoint, Info: err.Error()}
	}
	if k.p.IsInfinity() {
		return nil, &DecodeError{What: "public key", Err: ErrIdentity}
	}
	return k, nil
}

func decodeSignature(sig Signature) (*bls12381.G2Affine, error) {
	if sig[0]&compressedFlag == 0 {
		return nil, &DecodeError{What: "signature", Err: ErrInvalidPoint, Info: "not compressed"}
	}
	p := new(bls12381.G2Affine)
	if _, err := p.SetBytes(sig[:]); err != nil {
		return nil, &DecodeError{What: "signature", Err: ErrInvalidPoint, Info: err.Error()}
	}
	if p.IsInfinity() {
		return nil, &DecodeError{What: "signature", Err: ErrIdentity}
	}
	return p, nil
}

// keyCacheSize bounds the prepared-key cache; when full it starts over, so
// an adversary feeding fresh keys costs only re-decompression.
const keyCacheSize = 4096

var keyCache = struct {
	sync.Mutex
	m map[PublicKey]*PreparedKey
}{m: make(map[PublicKey]*PreparedKey)}

// cachedPrepare is Prepare through the cache. Only valid keys are cached.
func cachedPrepare(pk PublicKey) (*PreparedKey, error) {
	keyCache.Lock()
	k := keyCache.m[pk]
	keyCache.Unlock()
	if k != nil {
		return k, nil
	}
	k, err := pk.Prepare()
	if err != nil {
		return nil, err
	}
	keyCache.Lock()
	if len(keyCache.m) >= keyCacheSize {
		clear(keyCache.m)
	}
	keyCache.m[pk] = k
	keyCache.Unlock()
	return k, nil
}
