package noise

import (
	"fmt"

	"aitbc/engine/bls"
	"aitbc/engine/types"
)

// A validator proves in the handshake that it holds a validator key of
// the chain (docs/spec.md §16.2, docs/adr/011): its identity carries,
// after the node key's signature, its BLS public key and that key's
// signature over the node key and the Noise static key of this
// connection's side. The proof names the node key, so it cannot be lifted
// into another node's handshake, and a node that does not hold the
// validator key cannot make one. Which keys count, and what a validator
// peer gets, is netio/gossip's business (its validators.go).

// ValidatorProofDomain prefixes what a validator key signs in the
// handshake, so the signature can never pass for a vote or proposal.
const ValidatorProofDomain = "AITBC/gossip/validator/v2\x00"

// validatorProofLen is the optional trailer of an identity payload.
const validatorProofLen = bls.PublicKeySize + bls.SignatureSize

// ValidatorProof is a validator key and its signature over the node key,
// the Noise static key, chain and genesis.
type ValidatorProof struct {
	Key bls.PublicKey
	Sig bls.Signature
}

// validatorProofSignBytes is what a validator key signs:
//
//	ValidatorProofDomain || node_key[32] || noise_static[32] ||
//	u16 len(chain_id) || chain_id || genesis_hash[32]
func validatorProofSignBytes(nodeKey, static []byte, chainID string, genesis types.Hash) []byte {
	b := make([]byte, 0, len(ValidatorProofDomain)+types.PubKeyLen+KeyLen+2+len(chainID)+types.HashLen)
	b = append(b, ValidatorProofDomain...)
	b = append(b, nodeKey...)
	b = append(b, static...)
	return appendChain(b, chainID, genesis)
}

// NewValidatorProof signs with sk the node key and the Noise static key
// of one side of a handshake (an Identity's Validator).
func NewValidatorProof(sk *bls.SecretKey, nodeKey, static []byte, chainID string, genesis types.Hash) *ValidatorProof {
	return &ValidatorProof{Key: sk.PublicKey(), Sig: bls.Sign(sk, validatorProofSignBytes(nodeKey, static, chainID, genesis))}
}

// Check checks a proof's signature over the peer's node key and Noise
// static key (ErrBadValidatorProof). It costs a pairing check: a caller
// looks first whether Key is one it cares about (netio/gossip checks it
// is in the validator list), so only a proof naming a real validator key
// costs one.
func (p *ValidatorProof) Check(nodeKey, static []byte, chainID string, genesis types.Hash) error {
	if !bls.Verify(p.Key, validatorProofSignBytes(nodeKey, static, chainID, genesis), p.Sig) {
		return fmt.Errorf("%w: the signature of %s does not verify", ErrBadValidatorProof, p.Key)
	}
	return nil
}
