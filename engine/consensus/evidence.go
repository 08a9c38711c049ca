package consensus

import (
	"fmt"

	"aitbc/engine/bls"
	"aitbc/engine/types"
	"aitbc/engine/validators"
)

// maxEvidencePerHeight bounds the slots the core remembers having reported
// in one height. Past it, further evidence of that height is dropped (and
// logged): one piece per faulty slot is all an operator or a slashing rule
// needs, and a faulty validator can only fill the table with its own.
const maxEvidencePerHeight = 1024

// evidenceSlot is what one piece of evidence is about: a validator's
// proposal (kind 0) or vote of a type in a round of the current height.
// The core keeps the first message of a slot for the whole height, so at
// most one pair per slot exists to report: this dedup also dedups by
// evidence hash.
type evidenceSlot struct {
	round uint32
	kind  uint8
	index int
}

// reportEquivocation emits evidence that validator idx signed both first
// (already stored, so verified) and second (verified by the caller) for
// one slot of the current height, once per slot.
func (c *Core) reportEquivocation(slot evidenceSlot, build func(v validators.Validator) (*types.Evidence, error)) {
	if _, seen := c.evSeen[slot]; seen {
		return
	}
	if len(c.evSeen) >= maxEvidencePerHeight {
		c.log.Warn("evidence table full; dropping evidence", "height", c.height, "round", slot.round, "validator", slot.index)
		return
	}
	ev, err := build(c.vals.Get(slot.index))
	if err != nil {
		// Cannot happen: both messages passed Step's checks for one slot
		// and differ in what is signed. Evidence is not consensus state,
		// so this is logged rather than halting the node.
		c.log.Error("cannot build evidence", "height", c.height, "round", slot.round, "validator", slot.index, "err", err)
		return
	}
	c.evSeen[slot] = struct{}{}
	c.out.Evidence = append(c.out.Evidence, ev)
}

func (c *Core) reportVotes(first, second *types.Vote) {
	c.reportEquivocation(evidenceSlot{first.Round, uint8(first.Type), int(first.ValidatorIndex)}, func(v validators.Validator) (*types.Evidence, error) {
		return types.NewDuplicateVoteEvidence(first, second, v.Address, v.BLSPubKey)
	})
}

func (c *Core) reportProposals(first, second *types.Proposal, proposer int) {
	c.reportEquivocation(evidenceSlot{first.Round, 0, proposer}, func(v validators.Validator) (*types.Evidence, error) {
		return types.NewDuplicateProposalEvidence(first, second, uint32(proposer), v.Address, v.BLSPubKey)
	})
}

// VerifyEvidence checks evidence as docs/spec.md §14.12 says anyone can,
// given the chain id and the validator set that decides ev.Height():
// ValidateBasic; the validator at ev.ValidatorIndex has ev's address and
// BLS key (and, for a duplicate proposal, is the proposer of the round);
// both messages' signatures verify under that key over their own sign
// bytes. A failure wraps ErrBadEvidence.
func VerifyEvidence(chainID string, set *validators.Set, ev *types.Evidence) error {
	fail := func(format string, a ...any) error {
		return fmt.Errorf("%w: %s", ErrBadEvidence, fmt.Sprintf(format, a...))
	}
	if set == nil {
		return fail("nil validator set")
	}
	if err := ev.ValidateBasic(); err != nil {
		return fmt.Errorf("%w: %w", ErrBadEvidence, err)
	}
	idx := int(ev.ValidatorIndex)
	if idx >= set.Size() {
		return fail("validator_index %d, set of %d", idx, set.Size())
	}
	v := set.Get(idx)
	if v.Address != ev.Validator || v.BLSPubKey != bls.PublicKey(ev.BLSPubKey) {
		return fail("validator %d of the set is %s, evidence names %s", idx, v.Address, ev.Validator)
	}
	var err error
	switch ev.Kind {
	case types.DuplicateVote:
		if err = set.VerifyVote(chainID, ev.VoteA); err == nil {
			err = set.VerifyVote(chainID, ev.VoteB)
		}
	case types.DuplicateProposal:
		if p := set.Proposer(ev.Height(), ev.Round()); p != idx {
			return fail("validator %d is not the proposer of height %d round %d (%d is)", idx, ev.Height(), ev.Round(), p)
		}
		if err = set.VerifyProposal(chainID, ev.ProposalA); err == nil {
			err = set.VerifyProposal(chainID, ev.ProposalB)
		}
	}
	if err != nil {
		return fmt.Errorf("%w: %w", ErrBadEvidence, err)
	}
	return nil
}
