package node

import (
	"aitbc/engine/consensus"
	"aitbc/engine/types"
)

// maxStepBatch bounds the peer messages the loop takes from its inbox at
// once (stepPeers).
const maxStepBatch = 64

// stepPeers steps a batch of queued peer messages in order, each followed
// by a settle, as one stepPeer each would; but first the signatures of
// the votes the core would check are checked together, one pairing
// product per slot (validators.Set.VerifyVoteBatch): the votes of a slot
// arrive together, and a slot of three checks in half the time of three
// single checks. A vote the batch does not clear (alone in its slot, or a
// bad signature bisection could not isolate) is checked by the core as
// before, so a faulty signer is still found and its peer penalized
// (owner only).
func (m *Machine) stepPeers(batch []peerMsg) {
	set := m.core.Validators()
	var votes []*types.Vote
	var at []int // batch index of votes[k]
	for i, q := range batch {
		if vm, ok := q.msg.(*consensus.VoteMsg); ok && vm != nil && m.core.NeedsSignatureCheck(vm.Vote) {
			votes = append(votes, vm.Vote)
			at = append(at, i)
		}
	}
	checked := make([]bool, len(batch))
	if len(votes) > 1 {
		ok := set.VerifyVoteBatch(m.chainID, votes)
		n := 0
		for k, v := range ok {
			if v {
				checked[at[k]] = true
				n++
			}
		}
		m.m.VotesBatchChecked.Add(float64(n))
	}
	for i, q := range batch {
		if checked[i] {
			m.stepPeerChecked(q.peer, q.msg, set)
		} else {
			m.stepPeer(q.peer, q.msg)
		}
		m.settle()
	}
}
