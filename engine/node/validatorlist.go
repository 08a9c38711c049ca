package node

import (
	"bytes"
	"slices"

	"aitbc/engine/bls"
	"aitbc/engine/types"
	"aitbc/engine/validators"
)

// announceValidators gives the transport the validator keys whose proof
// earns a peer a reserved slot (engine.Gossip.SetValidators, docs/adr/011):
// those of the set deciding head+1 and, on a pos or hybrid chain, of the
// next epoch's set once it is elected, so that a staker elected for the
// next epoch is counted a validator by its peers a whole epoch before it
// signs, and one that left stops being counted when its last epoch ends.
// It calls the transport only when one of the two sets changed: at start
// (after restore installed the stored sets) and after a commit that
// installed an elected set or entered a new epoch; on a poa chain that is
// once, with the genesis set. Owner only.
func (m *Machine) announceValidators(head uint64) {
	sets := [2]*validators.Set{m.setAt(head + 1)}
	if m.hist.Staking() {
		if next := m.hist.EpochOf(head+1) + 1; m.hist.Epoch(next) != nil {
			sets[1] = m.setAt(next*m.gen.Params.EpochLength + 1)
		}
	}
	var hashes [2]types.Hash
	for i, s := range sets {
		if s != nil {
			hashes[i] = s.Hash()
		}
	}
	if m.announced != nil && *m.announced == hashes {
		return
	}
	m.announced = &hashes
	m.gossip.SetValidators(validatorKeys(sets[:]...))
}

// validatorKeys is the union of the sets' BLS keys, sorted and without
// duplicates, so the list depends only on the sets (nil ones are skipped).
func validatorKeys(sets ...*validators.Set) []bls.PublicKey {
	var keys []bls.PublicKey
	for _, s := range sets {
		if s == nil {
			continue
		}
		for i := range s.Size() {
			keys = append(keys, s.Get(i).BLSPubKey)
		}
	}
	slices.SortFunc(keys, func(a, b bls.PublicKey) int { return bytes.Compare(a[:], b[:]) })
	return slices.Compact(keys)
}
