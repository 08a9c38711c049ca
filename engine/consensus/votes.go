package consensus

import (
	"slices"

	"aitbc/engine/types"
)

// voteSet holds one vote type of one round: at most one vote per validator.
type voteSet struct {
	votes  []*types.Vote // by validator index
	power  uint64        // power of all votes present
	byHash map[types.Hash]uint64
}

func newVoteSet(n int) *voteSet {
	return &voteSet{votes: make([]*types.Vote, n), byHash: make(map[types.Hash]uint64)}
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
	for _, v := range vs.votes {
		if v != nil && !v.BlockHash.IsZero() && vs.byHash[v.BlockHash] >= q {
			return v.BlockHash, true
		}
	}
	return types.Hash{}, false
}

// forBlock lists the votes for h in validator order.
func (vs *voteSet) forBlock(h types.Hash) []*types.Vote {
	var out []*types.Vote
	for _, v := range vs.votes {
		if v != nil && v.BlockHash == h {
			out = append(out, v)
		}
	}
	return out
}

// roundState is everything seen for one round of the current height, and
// which "for the first time" rules of Algorithm 1 have fired in it.
type roundState struct {
	proposal   *types.Proposal
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
