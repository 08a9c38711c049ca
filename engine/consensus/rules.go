package consensus

import (
	"fmt"
	"slices"

	"aitbc/engine/types"
)

// evaluate applies the "upon" rules of Algorithm 1 until none fires. Every
// firing moves the state forward (a step, a round, a flag), so it ends.
func (c *Core) evaluate() {
	for i := 0; c.applyRule(); i++ {
		if i > 1<<20 {
			panic("consensus: rules do not converge")
		}
	}
}

// applyRule fires at most one rule and reports whether one fired.
func (c *Core) applyRule() bool {
	if c.step == stepCommit {
		return false
	}
	if c.ruleDecide() || c.ruleSkipRound() {
		return true
	}
	rs := c.rounds.get(c.round)
	if rs == nil {
		return false
	}
	q := c.vals.Quorum()
	switch c.step {
	case stepPropose:
		if c.ruleProposal(rs) {
			return true
		}
	case stepPrevote:
		if c.rulePolka(rs) {
			return true
		}
		if rs.prevotes.powerFor(types.ZeroHash) >= q { // line 44
			c.signVote(types.Precommit, types.ZeroHash)
			c.setStep(stepPrecommit)
			return true
		}
		if !rs.prevoteWait && rs.prevotes.power >= q { // line 34
			rs.prevoteWait = true
			c.schedule(timerPrevote, c.cfg.timeout(c.cfg.TimeoutPrevote, c.round))
			return true
		}
	case stepPrecommit:
		if c.rulePolka(rs) {
			return true
		}
	}
	if !rs.precommitWait && rs.precommits.power >= q { // line 47
		rs.precommitWait = true
		c.schedule(timerPrecommit, c.cfg.timeout(c.cfg.TimeoutPrecommit, c.round))
		return true
	}
	return false
}

func (c *Core) validity(h types.Hash) validity {
	if e := c.blocks[h]; e != nil {
		return e.validity
	}
	return validityUnknown
}

// ruleProposal is lines 22-33: prevote on the current round's proposal.
// It waits while the block's validity is unknown, and for a proposal that
// cites a POL round, until that round's prevotes justify it.
func (c *Core) ruleProposal(rs *roundState) bool {
	p := rs.proposal
	if p == nil {
		return false
	}
	if rs.untimely {
		// A fresh proposal outside the time rule's window (PBTS): nil at
		// once, whatever the block's validity.
		c.signVote(types.Prevote, types.ZeroHash)
		c.setStep(stepPrevote)
		return true
	}
	v := c.validity(p.BlockHash)
	if v != validityValid && v != validityInvalid {
		return false
	}
	vote := types.ZeroHash
	if p.POLRound < 0 { // line 22
		if v == validityValid && (c.lockedRound == -1 || c.lockedHash == p.BlockHash) {
			vote = p.BlockHash
		}
	} else { // line 28
		pol := c.rounds.get(uint32(p.POLRound))
		if pol == nil || pol.prevotes.powerFor(p.BlockHash) < c.vals.Quorum() {
			return false
		}
		if v == validityValid && (c.lockedRound <= p.POLRound || c.lockedHash == p.BlockHash) {
			vote = p.BlockHash
		}
	}
	c.signVote(types.Prevote, vote)
	c.setStep(stepPrevote)
	return true
}

// rulePolka is line 36: a valid proposal with 2/3 prevotes in this round
// locks it (if we are still at prevote) and makes it the valid value.
func (c *Core) rulePolka(rs *roundState) bool {
	p := rs.proposal
	if rs.polkaSeen || p == nil || c.validity(p.BlockHash) != validityValid ||
		rs.prevotes.powerFor(p.BlockHash) < c.vals.Quorum() {
		return false
	}
	rs.polkaSeen = true
	if c.step == stepPrevote {
		// Locks only move to newer rounds. (A correct core is never below
		// its lock's round; resumeOwnRound keeps a restarted one there.)
		if int32(c.round) >= c.lockedRound || c.lockedHash == p.BlockHash {
			c.lockedRound, c.lockedHash = int32(c.round), p.BlockHash
			c.signVote(types.Precommit, p.BlockHash)
		} else {
			c.signVote(types.Precommit, types.ZeroHash)
		}
		c.setStep(stepPrecommit)
	}
	c.validRound, c.validHash = int32(c.round), p.BlockHash
	return true
}

// ruleDecide is line 49: 2/3 precommits for a block we have, in any round,
// decide the height. (Algorithm 1 also asks valid(v); 2/3 precommits mean
// an honest validator found it valid, and the pipeline executes every
// committed block anyway.)
func (c *Core) ruleDecide() bool {
	q := c.vals.Quorum()
	for _, r := range c.rounds.order {
		rs := c.rounds.get(r)
		h, ok := rs.precommits.quorumBlock(q)
		if !ok {
			continue
		}
		e := c.blocks[h]
		if e == nil {
			continue // wait for the block (a proposal or a CommitMsg)
		}
		cert, err := c.vals.MakeCommit(c.height, r, h, rs.precommits.forBlock(h))
		if err != nil {
			panic(fmt.Sprintf("consensus: aggregating verified precommits: %v", err))
		}
		c.decide(e.block, cert, false)
		return true
	}
	return false
}

// MissingDecision reports a block of the current height that Quorum
// precommitted in some round but whose body this core does not hold (it
// never arrived, or its proposal was refused): rule 49 waits for it. The
// caller fetches it (block sync: the certified block of this height) and
// steps it in as a CommitMsg. A pure read; ok is false once decided.
func (c *Core) MissingDecision() (hash types.Hash, round uint32, ok bool) {
	if c.step == stepCommit {
		return types.Hash{}, 0, false
	}
	q := c.vals.Quorum()
	for _, r := range c.rounds.order {
		if h, found := c.rounds.get(r).precommits.quorumBlock(q); found && c.blocks[h] == nil {
			return h, r, true
		}
	}
	return types.Hash{}, 0, false
}

// ruleSkipRound is line 55: messages of a higher round from validators
// holding more than 1/3 of the power (so at least one correct validator is
// there) move us to the highest such round.
func (c *Core) ruleSkipRound() bool {
	f1 := c.vals.OneThird()
	target, found := c.round, false
	for _, r := range c.rounds.order {
		if r > c.round && c.senderPower(r) >= f1 {
			target, found = r, true
		}
	}
	if r, ok := c.farHint(f1); ok && r > target {
		target, found = r, true
	}
	if !found {
		return false
	}
	c.startRound(target)
	return true
}

// senderPower is the power of the distinct validators with any message in round r.
func (c *Core) senderPower(r uint32) uint64 {
	rs := c.rounds.get(r)
	proposer := -1
	if rs.proposal != nil {
		proposer = c.vals.Proposer(c.height, r)
	}
	var p uint64
	for i := range rs.prevotes.votes {
		if rs.prevotes.votes[i] != nil || rs.precommits.votes[i] != nil || i == proposer {
			p += c.vals.Weight(i)
		}
	}
	return p
}

// farHint returns the highest round R beyond the window such that the
// validators seen at round R or later hold at least f1.
func (c *Core) farHint(f1 uint64) (uint32, bool) {
	type seen struct {
		round uint32
		index int
	}
	var s []seen
	for i, r := range c.farRound {
		if r > c.round {
			s = append(s, seen{r, i})
		}
	}
	slices.SortStableFunc(s, func(a, b seen) int {
		switch {
		case a.round > b.round:
			return -1
		case a.round < b.round:
			return 1
		}
		return a.index - b.index
	})
	var p uint64
	for _, e := range s {
		p += c.vals.Weight(e.index)
		if p >= f1 {
			return e.round, true
		}
	}
	return 0, false
}
