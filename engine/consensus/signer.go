package consensus

import "aitbc/engine/bls"

// Signer signs consensus messages with a validator's BLS key. It is an
// interface so that a remote signer can replace the local key.
type Signer interface {
	PublicKey() bls.PublicKey
	Sign(msg []byte) bls.Signature
}

// KeySigner is a Signer over a local secret key.
type KeySigner struct {
	sk *bls.SecretKey
	pk bls.PublicKey
}

// NewKeySigner wraps sk.
func NewKeySigner(sk *bls.SecretKey) *KeySigner { return &KeySigner{sk: sk, pk: sk.PublicKey()} }

// PublicKey returns the key's public half.
func (s *KeySigner) PublicKey() bls.PublicKey { return s.pk }

// Sign signs msg.
func (s *KeySigner) Sign(msg []byte) bls.Signature { return bls.Sign(s.sk, msg) }
