package node

import (
	"math"
	"slices"

	"aitbc/engine"
	"aitbc/engine/consensus"
	"aitbc/engine/types"
)

// maxStepBatch bounds the peer messages the loop takes from its inbox at
// once (stepPeers).
const maxStepBatch = 64

// maxHeld bounds the peers' votes held for a joint check (holdVote); a
// full pool is released at once.
const maxHeld = 256

// heldVote is a peer's vote waiting for the others of its slot.
type heldVote struct {
	peer engine.PeerID
	msg  *consensus.VoteMsg
	tick uint64 // the core's Ticks when it was held
}

// releaseAll is the releaseHeld cutoff that releases every held vote.
const releaseAll = math.MaxUint64

// Peers' votes are checked as one aggregate per quorum (docs/spec.md
// §14.9): a vote of the height and round being decided whose signature
// the core would check is held, not checked, until the power held for
// its slot (type, round, block) and the power the core counted already
// reach a quorum, or those of its round and type in all do (a quorum of
// mixed votes starts a timeout); the slot's held votes are then checked
// together, one pairing product (validators.Set.VerifyVoteBatch, which
// bisects a failed batch), and stepped. A vote still held at the second
// tick after it came is released then, so a vote waits at most two
// TickIntervals. Not one: with ticks every 10 ms, the next tick often came
// between two peers' votes of a slot, and each was then checked alone.
// Holding a vote that cannot reach a quorum longer delays no rule (it and
// what was counted cannot trigger one); it delays only its relay.
// In a set of four, a slot's quorum is our own vote and two peers': the
// first peer's vote waits for the second (or the tick), the two are
// checked in one product, and the third is not checked at all: a third
// prevote is surplus (dropSurplus) and a late third precommit is kept
// unchecked for the next block's last commit once the block is decided.
// Holding changes no verdict and no rule: the core still counts only
// checked votes, a vote the batch does not clear is checked by the core
// alone (so a forger is found and its peer alone penalized), and a forged
// vote can only make a slot's check come sooner.

// stepPeers steps a batch of queued peer messages in order, each followed
// by a settle, holding the votes holdVote takes; then it releases the
// held votes that can be checked together (owner only).
func (m *Machine) stepPeers(batch []peerMsg) {
	for _, q := range batch {
		if m.dropSurplus(q.msg) || m.holdVote(q.peer, q.msg) {
			continue
		}
		m.stepPeer(q.peer, q.msg)
		m.settle()
	}
	m.releaseHeld(0)
}

// dropSurplus drops, unchecked, a peer's prevote for a block whose
// prevotes the core has counted a quorum of already
// (consensus.Core.Surplus), and reports whether it did. Not stepped, it
// is neither relayed nor held against its peer.
func (m *Machine) dropSurplus(msg consensus.Message) bool {
	vm, ok := msg.(*consensus.VoteMsg)
	if !ok || vm == nil || !m.core.Surplus(vm.Vote) {
		return false
	}
	m.m.VotesSurplus.Inc()
	return true
}

// holdVote holds a peer's vote of the height and round being decided
// that the core would check, and reports whether it did.
func (m *Machine) holdVote(peer engine.PeerID, msg consensus.Message) bool {
	vm, ok := msg.(*consensus.VoteMsg)
	if !ok || vm == nil || !m.core.NeedsSignatureCheck(vm.Vote) {
		return false
	}
	if _, _, current := m.core.Tally(vm.Vote); !current {
		return false
	}
	if len(m.held) >= maxHeld {
		m.releaseHeld(releaseAll)
	}
	m.held = append(m.held, heldVote{peer: peer, msg: vm, tick: m.core.Ticks()})
	return true
}

// releaseHeld checks and steps held votes: those held since a tick before
// the cutoff before (releaseAll: every one, for a full pool), those no
// longer of the height and round being decided, and those whose slot or
// round can reach a quorum with what the core counted. Stepping can move
// the core on, so it looks again until nothing more is due.
func (m *Machine) releaseHeld(before uint64) {
	for len(m.held) > 0 && !m.halted() {
		due := m.dueVotes(before)
		if len(due) == 0 {
			return
		}
		m.stepChecked(due)
	}
}

// dueVotes removes from m.held and returns the votes releaseHeld(before)
// steps now, in arrival order.
func (m *Machine) dueVotes(before uint64) []heldVote {
	if before == releaseAll {
		due := m.held
		m.held = nil
		return due
	}
	set := m.core.Validators()
	// The power held for each slot and for each round and type, each
	// validator once (a vote relayed twice, or forged in its name, counts
	// once), in one pass over the pool.
	type roundKey struct {
		typ    types.VoteType
		height uint64
		round  uint32
	}
	type slotKey struct {
		roundKey
		block types.Hash
	}
	type inRound struct {
		round roundKey
		idx   uint32
	}
	type inSlot struct {
		slot slotKey
		idx  uint32
	}
	heldAll := make(map[roundKey]uint64)
	heldFor := make(map[slotKey]uint64)
	seenRound := make(map[inRound]bool, len(m.held))
	seenSlot := make(map[inSlot]bool, len(m.held))
	for _, h := range m.held {
		v := h.msg.Vote
		rk := roundKey{v.Type, v.Height, v.Round}
		sk := slotKey{rk, v.BlockHash}
		w := set.Weight(int(v.ValidatorIndex))
		if r := (inRound{rk, v.ValidatorIndex}); !seenRound[r] {
			seenRound[r] = true
			heldAll[rk] += w
		}
		if sl := (inSlot{sk, v.ValidatorIndex}); !seenSlot[sl] {
			seenSlot[sl] = true
			heldFor[sk] += w
		}
	}
	q := set.Quorum()
	var due, keep []heldVote
	for _, h := range m.held {
		v := h.msg.Vote
		forBlock, all, current := m.core.Tally(v)
		rk := roundKey{v.Type, v.Height, v.Round}
		if h.tick < before || !current || forBlock+heldFor[slotKey{rk, v.BlockHash}] >= q || all+heldAll[rk] >= q {
			due = append(due, h)
		} else {
			keep = append(keep, h)
		}
	}
	m.held = keep
	return due
}

// stepChecked checks the votes of each slot among due together and steps
// every vote in order, each followed by a settle: one the batch cleared
// as checked, the others for the core to check alone.
func (m *Machine) stepChecked(due []heldVote) {
	due = slices.DeleteFunc(due, func(h heldVote) bool { return m.dropSurplus(h.msg) })
	if len(due) == 0 {
		return
	}
	set := m.core.Validators()
	votes := make([]*types.Vote, len(due))
	for i, h := range due {
		votes[i] = h.msg.Vote
	}
	var ok []bool
	if len(votes) > 1 {
		ok = set.VerifyVoteBatch(m.chainID, votes)
		n := 0
		for _, v := range ok {
			if v {
				n++
			}
		}
		m.m.VotesBatchChecked.Add(float64(n))
	}
	for i, h := range due {
		if ok != nil && ok[i] {
			m.stepPeerChecked(h.peer, h.msg, set)
		} else {
			m.stepPeer(h.peer, h.msg)
		}
		m.settle()
	}
}
