package consensus

import (
	"slices"

	"aitbc/engine/types"
)

// voteSet holds one vote type of one round: a validator's first vote and
// up to maxConflicts conflicting ones (an equivocation), each counted for
// the block it names. Counting an equivocator's votes for every block it
// signed is safe (two quorums for different blocks would still need a
// third of the power to sign both) and keeps it from splitting honest
// nodes' tallies by sending each a different first vote: a proof of lock
// another node forwards then counts here too.
type voteSet struct {
	votes     []*types.Vote   // first vote, by validator index
	conflicts [][]*types.Vote // later conflicting votes, by validator index
	power     uint64          // power of the validators present (each once)
	byHash    map[types.Hash]uint64
}

// maxConflicts bounds the conflicting votes kept per validator and slot.
const maxConflicts = 2

func newVoteSet(n int) *voteSet {
	return &voteSet{votes: make([]*types.Vote, n), conflicts: make([][]*types.Vote, n), byHash: make(map[types.Hash]uint64)}
}

// addConflict counts a verified vote that conflicts with the validator's
// first one, unless it repeats a kept one or the validator has
// maxConflicts already.
func (vs *voteSet) addConflict(v *types.Vote, weight uint64) {
	i := v.ValidatorIndex
	for _, c := range vs.conflicts[i] {
		if c.BlockHash == v.BlockHash {
			return
		}
	}
	if len(vs.conflicts[i]) >= maxConflicts {
		return
	}
	vs.conflicts[i] = append(vs.conflicts[i], v)
	vs.byHash[v.BlockHash] += weight
}

func (vs *voteSet) add(v *types.Vote, weight uint64) {
	vs.votes[v.ValidatorIndex] = v
	vs.power += weight
	vs.byHash[v.BlockHash] += weight
}

func (vs *voteSet) powerFor(h types.Hash) uint64 { return vs.byHash[h] }

// quorumBlock returns the non-nil block holding at least q power, if any.
// It scans in validator order, so the answer never depends on map order
// (and at most one block can hold a quorum anyway).
func (vs *voteSet) quorumBlock(q uint64) (types.Hash, bool) {
	if vs.power < q {
		return types.Hash{}, false
	}
	for i, v := range vs.votes {
		if v != nil && !v.BlockHash.IsZero() && vs.byHash[v.BlockHash] >= q {
			return v.BlockHash, true
		}
		for _, c := range vs.conflicts[i] {
			if !c.BlockHash.IsZero() && vs.byHash[c.BlockHash] >= q {
				return c.BlockHash, true
			}
		}
	}
	return types.Hash{}, false
}

// forBlock lists the votes for h in validator order (a validator has at
// most one vote for a given block).
func (vs *voteSet) forBlock(h types.Hash) []*types.Vote {
	var out []*types.Vote
	for i, v := range vs.votes {
		if v != nil && v.BlockHash == h {
			out = append(out, v)
			continue
		}
		for _, c := range vs.conflicts[i] {
			if c.BlockHash == h {
				out = append(out, c)
				break
			}
		}
	}
	return out
}

// roundState is everything seen for one round of the current height, and
// which "for the first time" rules of Algorithm 1 have fired in it.
type roundState struct {
	proposal   *types.Proposal
	untimely   bool // the proposal arrived outside the time rule's window: prevote nil on it
	prevotes   *voteSet
	precommits *voteSet

	polkaSeen     bool // line 36 fired
	prevoteWait   bool // line 34 fired
	precommitWait bool // line 47 fired
}

func (rs *roundState) votes(t types.VoteType) *voteSet {
	if t == types.Prevote {
		return rs.prevotes
	}
	return rs.precommits
}

// rounds maps round numbers to state, with the numbers kept sorted so that
// every scan is in round order.
type rounds struct {
	n     int // validator count
	m     map[uint32]*roundState
	order []uint32
}

func newRounds(n int) rounds { return rounds{n: n, m: make(map[uint32]*roundState)} }

func (rr *rounds) get(r uint32) *roundState { return rr.m[r] }

func (rr *rounds) getOrCreate(r uint32) *roundState {
	if rs := rr.m[r]; rs != nil {
		return rs
	}
	rs := &roundState{prevotes: newVoteSet(rr.n), precommits: newVoteSet(rr.n)}
	rr.m[r] = rs
	i, _ := slices.BinarySearch(rr.order, r)
	rr.order = slices.Insert(rr.order, i, r)
	return rs
}
