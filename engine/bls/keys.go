package bls

import (
	"crypto/hkdf"
	"crypto/sha256"
	"fmt"
	"io"
	"math/big"

	bls12381 "github.com/consensys/gnark-crypto/ecc/bls12-381"
	"github.com/consensys/gnark-crypto/ecc/bls12-381/fr"
)

// Sizes of the encodings.
const (
	SecretKeySize = 32
	PublicKeySize = 48
	SignatureSize = 96
	// MinIKMSize is the least input keying material KeyGen accepts.
	MinIKMSize = 32
)

// SecretKey is a scalar in [1, r). Its encoding is 32 bytes big-endian.
type SecretKey struct {
	s big.Int
}

// keygenSalt is the initial salt of the IETF KeyGen procedure.
const keygenSalt = "BLS-SIG-KEYGEN-SALT-"

// GenerateKey derives a key with KeyGen from 32 bytes read from r
// (crypto/rand.Reader in production).
func GenerateKey(r io.Reader) (*SecretKey, error) {
	ikm := make([]byte, MinIKMSize)
	if _, err := io.ReadFull(r, ikm); err != nil {
		return nil, fmt.Errorf("bls: read key material: %w", err)
	}
	return KeyGen(ikm)
}

// KeyGen is the KeyGen procedure of draft-irtf-cfrg-bls-signature-05
// (section 2.3) with an empty key_info: HKDF-SHA-256 over ikm || 0x00, 48
// bytes of output reduced mod r, re-salting with SHA-256 until non-zero.
// Equal ikm gives equal keys, which tests and devnets rely on.
func KeyGen(ikm []byte) (*SecretKey, error) {
	if len(ikm) < MinIKMSize {
		return nil, fmt.Errorf("%w: key material %d bytes < %d", ErrInvalidSecretKey, len(ikm), MinIKMSize)
	}
	const l = 48
	secret := append(append([]byte(nil), ikm...), 0)
	salt := []byte(keygenSalt)
	sk := new(SecretKey)
	for sk.s.Sign() == 0 {
		sum := sha256.Sum256(salt)
		salt = sum[:]
		prk, err := hkdf.Extract(sha256.New, secret, salt)
		if err != nil {
			return nil, fmt.Errorf("bls: keygen: %w", err)
		}
		okm, err := hkdf.Expand(sha256.New, prk, string([]byte{0, l}), l)
		if err != nil {
			return nil, fmt.Errorf("bls: keygen: %w", err)
		}
		sk.s.SetBytes(okm)
		sk.s.Mod(&sk.s, fr.Modulus())
	}
	return sk, nil
}

// SecretKeyFromBytes parses a 32-byte big-endian scalar in [1, r).
func SecretKeyFromBytes(b []byte) (*SecretKey, error) {
	if len(b) != SecretKeySize {
		return nil, &DecodeError{What: "secret key", Err: ErrInvalidLength, Info: fmt.Sprintf("%d bytes, want %d", len(b), SecretKeySize)}
	}
	sk := new(SecretKey)
	sk.s.SetBytes(b)
	if sk.s.Sign() == 0 || sk.s.Cmp(fr.Modulus()) >= 0 {
		return nil, &DecodeError{What: "secret key", Err: ErrInvalidSecretKey, Info: "not in [1, r)"}
	}
	return sk, nil
}

// Bytes returns the 32-byte big-endian encoding.
func (sk *SecretKey) Bytes() []byte {
	out := make([]byte, SecretKeySize)
	sk.s.FillBytes(out)
	return out
}

// PublicKey returns sk·G1 compressed.
func (sk *SecretKey) PublicKey() PublicKey {
	var p bls12381.G1Affine
	p.ScalarMultiplicationBase(&sk.s)
	return PublicKey(p.Bytes())
}
