package gossip

import (
	"encoding/binary"
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
// validator key cannot make one.
//
// Which keys count is the transport's current validator list: the keys
// of the set deciding the current height and of the next elected set,
// which the node gives it at start and after every election
// (Transport.SetValidators; Config.Validators until then). A node sends
// its proof whatever the list, so a staker proves its key from its first
// connection on. A peer counts as a validator, with a slot of its own
// like a configured peer that strangers filling MaxPeers cannot take,
// while both hold:
//
//   - its proof was verified in its handshake, which happens only when
//     the key was in the list then: a proof naming another key costs no
//     pairing check, fails nothing, and leaves an ordinary peer; and
//   - the key is in the current list.
//
// The second is re-evaluated against every new list for the connections
// open (reclassifyLocked): a peer whose key left the list becomes an
// ordinary peer at once, and one whose verified key comes back is a
// validator again. A proof that was not verified is never trusted later:
// a peer connected while its key was outside the list stays ordinary
// until it reconnects, and then its proof is checked. A demoted validator
// keeps its connection even when strangers already fill MaxPeers; until
// enough of them leave, new strangers are refused.

// ValidatorProofDomain prefixes what a validator key signs in the
// handshake, so the signature can never pass for a vote or proposal.
const ValidatorProofDomain = "AITBC/gossip/validator/v2\x00"

// validatorProofLen is the optional trailer of an identity payload.
const validatorProofLen = bls.PublicKeySize + bls.SignatureSize

// validatorProof is a validator key and its signature over
// validatorProofSignBytes.
type validatorProof struct {
	key bls.PublicKey
	sig bls.Signature
}

// validatorProofSignBytes is what a validator key signs:
//
//	ValidatorProofDomain || node_key[32] || noise_static[32] ||
//	u16 len(chain_id) || chain_id || genesis_hash[32]
func validatorProofSignBytes(nodeKey, static []byte, chainID string, genesis types.Hash) []byte {
	b := make([]byte, 0, len(ValidatorProofDomain)+types.PubKeyLen+noiseKeyLen+2+len(chainID)+types.HashLen)
	b = append(b, ValidatorProofDomain...)
	b = append(b, nodeKey...)
	b = append(b, static...)
	b = binary.BigEndian.AppendUint16(b, uint16(len(chainID)))
	b = append(b, chainID...)
	return append(b, genesis[:]...)
}

func newValidatorProof(sk *bls.SecretKey, nodeKey, static []byte, chainID string, genesis types.Hash) *validatorProof {
	return &validatorProof{key: sk.PublicKey(), sig: bls.Sign(sk, validatorProofSignBytes(nodeKey, static, chainID, genesis))}
}

// checkValidatorProof checks a proof's signature over the peer's node key
// and Noise static key. The caller checks first that the key is one of
// the validator set's (Transport.acceptIdentity), so only a proof naming
// a real validator key costs a pairing check.
func checkValidatorProof(p *validatorProof, nodeKey, static []byte, chainID string, genesis types.Hash) error {
	if !bls.Verify(p.key, validatorProofSignBytes(nodeKey, static, chainID, genesis), p.sig) {
		return fmt.Errorf("%w: the signature of %s does not verify", ErrBadValidatorProof, p.key)
	}
	return nil
}

// keySet is an immutable set of validator keys (Transport.validators).
type keySet map[bls.PublicKey]struct{}

func newKeySet(keys []bls.PublicKey) *keySet {
	s := make(keySet, len(keys))
	for _, k := range keys {
		s[k] = struct{}{}
	}
	return &s
}

func (s *keySet) has(k bls.PublicKey) bool { _, ok := (*s)[k]; return ok }

// SetValidators replaces the validator list (engine.Gossip): from now
// on a handshake verifies a proof only of these keys, and the open
// connections are counted again against them (see above). It returns at
// once; safe from any goroutine.
func (t *Transport) SetValidators(keys []bls.PublicKey) {
	set := newKeySet(keys)
	t.mu.Lock()
	defer t.mu.Unlock()
	t.validators.Store(set)
	for _, p := range t.peers {
		t.reclassifyLocked(p)
	}
}

// isValidatorLocked reports whether p counts as a validator now: it
// proved a key in its handshake and the key is in the current list
// (t.mu held).
func (t *Transport) isValidatorLocked(p *peer) bool {
	return p.validatorKey != nil && t.validators.Load().has(*p.validatorKey)
}

// reclassifyLocked gives an established peer the kind the current
// validator list makes it, moving it between the kinds' counts; a
// demoted validator counts against MaxPeers from now on, even past it
// (t.mu held).
func (t *Transport) reclassifyLocked(p *peer) {
	kind := peerKindOf(t.configured[p.id], t.isValidatorLocked(p), p.outbound)
	if kind == p.kind {
		return
	}
	t.uncountPeerLocked(p)
	was := p.kind
	p.kind, p.stranger = kind, isStrangerKind(kind)
	t.countPeerLocked(p)
	t.log.Info("gossip peer kind changed with the validator list", "peer", p.id, "was", was, "kind", kind)
}
