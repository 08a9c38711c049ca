package node

import (
	"aitbc/engine"
	"aitbc/engine/consensus"
)

// relayAccepted passes a peer's proposal or vote that the core has just
// accepted on to our other peers (engine.Gossip.RelayConsensus), so that
// validators need not form a full mesh: a line, a ring or a validator
// behind sentries still hears every message. Only what the core accepted
// is relayed (signature verified, new, of the height being decided or the
// next): a duplicate, a stale or future message, an equivocation or a bad
// signature is never passed on, so a peer cannot use us as an amplifier
// for what it could not get accepted itself.
func (m *Machine) relayAccepted(peer engine.PeerID, msg consensus.Message) {
	if !m.peered || !m.relayable(msg) {
		return
	}
	m.gossip.RelayConsensus(peer, []consensus.Message{msg})
}

// relayRounds is how far ahead of our round a relayed vote may be: the
// consensus core's round window (the rounds it keeps in full), so that
// every vote we relay is one our peers' cores keep too.
const relayRounds = 10

// relayable reports whether an accepted message is one a receiver will
// accept too, so that relaying it can never earn us a penalty. The core
// buffers a next-height proposal on its signature alone and checks the
// block's proposer when that height starts; a receiver already deciding
// that height checks it at once and penalizes the sender of a mismatch.
// Such a proposal (signed by the round's proposer over a block naming
// someone else: only a faulty proposer makes one) is kept here but not
// relayed. The check walks the rotation for at most the core's round
// window, as the core's own check does.
//
// A vote of the height being decided is relayed only up to relayRounds
// rounds ahead of ours. The core accepts any verified vote further ahead
// (it notes the round for the round-skip rule), so without this bound a
// faulty validator could have every node relay an unbounded stream of
// distinct far-round votes. Liveness does not need them relayed: the
// votes make our core skip ahead, and from there the validators' votes
// of their round are within reach and relayed.
func (m *Machine) relayable(msg consensus.Message) bool {
	pm, ok := msg.(*consensus.ProposalMsg)
	if !ok {
		vm, ok := msg.(*consensus.VoteMsg)
		if !ok {
			return false
		}
		v := vm.Vote
		return v.Height != m.core.Height() || uint64(v.Round) <= uint64(m.core.Round())+relayRounds
	}
	p := pm.Proposal
	if p.Height <= m.core.Height() || p.POLRound >= 0 {
		return true
	}
	set := m.setAt(p.Height)
	return pm.Block.Header.Proposer == set.Get(set.Proposer(p.Height, p.Round)).Address
}
