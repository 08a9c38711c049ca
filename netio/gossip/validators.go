package gossip

import "aitbc/engine/bls"

// A validator proves its key in the handshake (noise.ValidatorProof).
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
