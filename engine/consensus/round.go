package consensus

import (
	"aitbc/engine/types"
)

// startHeight resets the per-height state and starts round 0 (Algorithm 1,
// lines 10 and 54), then replays messages buffered for this height.
func (c *Core) startHeight(h uint64) {
	if c.nextVals != nil {
		c.vals, c.nextVals = c.nextVals, nil
	}
	c.selfIdx = -1
	if c.self != nil {
		if i, ok := c.vals.IndexOfBLS(c.self.PublicKey()); ok {
			c.selfIdx = i
		}
	}
	n := c.vals.Size()
	c.height = h
	c.lockedRound, c.lockedHash = -1, types.ZeroHash
	c.validRound, c.validHash = -1, types.ZeroHash
	c.rounds = newRounds(n)
	c.blocks = make(map[types.Hash]*blockEntry)
	c.building = false
	c.farRound = make([]uint32, n)
	c.timers = [numTimers]timer{}
	buffered := c.next
	c.next, c.nextKey = nil, make(map[nextKey]nextSlot)
	c.evSeen = make(map[evidenceSlot]struct{})
	c.log.Debug("new height", "height", h, "validators", n, "self", c.selfIdx)
	c.startRound(0)
	for _, b := range buffered {
		var err error
		switch m := b.m.(type) {
		case *VoteMsg:
			err = c.onVote(m.Vote, b.verifier == c.vals)
		case *ProposalMsg:
			err = c.onProposal(m, b.verifier == c.vals)
		}
		if err != nil {
			c.log.Debug("drop buffered message", "height", h, "err", err)
		}
	}
}

// startRound is StartRound of Algorithm 1 (lines 11-21). Every node,
// proposer included, arms the propose timeout: the proposer's block
// building is asynchronous and may never answer.
func (c *Core) startRound(r uint32) {
	c.round = r
	c.setStep(stepPropose)
	c.metrics.markRound(c.height, r)
	c.cancelBuild()
	c.schedule(timerPropose, c.cfg.timeout(c.cfg.TimeoutPropose, r))
	if c.selfIdx < 0 || c.vals.Proposer(c.height, r) != c.selfIdx {
		return
	}
	rs := c.rounds.get(r)
	switch {
	case rs != nil && rs.proposal != nil:
		// Already proposed in this round (replayed from the WAL).
	case c.validRound >= 0 && c.blocks[c.validHash] != nil:
		c.propose(c.blocks[c.validHash].block, c.validRound)
	default:
		c.building, c.buildRnd = true, r
		c.out.BuildBlock = &BuildRequest{Height: c.height, Round: r, LastCommit: c.lastCommitForBuild()}
	}
}

func (c *Core) cancelBuild() {
	if c.building && c.out.BuildBlock != nil && c.out.BuildBlock.Round == c.buildRnd {
		c.out.BuildBlock = nil
	}
	c.building = false
}

// propose signs and emits our proposal of block for the current round.
func (c *Core) propose(block *types.Block, polRound int32) {
	p := &types.Proposal{Height: c.height, Round: c.round, POLRound: polRound, BlockHash: block.Hash()}
	p.Sig = c.self.Sign(p.SignBytes(c.cfg.ChainID))
	m := &ProposalMsg{Proposal: p, Block: block}
	c.out.Persist = append(c.out.Persist, m)
	c.out.Send = append(c.out.Send, m)
	c.out.Send = append(c.out.Send, c.polVotes(p)...)
	c.rounds.getOrCreate(c.round).proposal = p
	if e := c.blocks[p.BlockHash]; e != nil {
		e.validity = validityValid
	} else {
		c.blocks[p.BlockHash] = &blockEntry{block: block, validity: validityValid}
	}
	c.log.Debug("propose", "height", c.height, "round", c.round, "block", p.BlockHash, "pol_round", polRound)
}

// signVote signs and emits our vote of type t for hash (zero: nil) in the
// current round, unless we already have a vote there, in which case that
// vote stands: the core never signs two votes for one (height, round, type).
func (c *Core) signVote(t types.VoteType, hash types.Hash) {
	if c.selfIdx < 0 {
		return
	}
	vs := c.rounds.getOrCreate(c.round).votes(t)
	if vs.votes[c.selfIdx] != nil {
		return
	}
	v := &types.Vote{Type: t, Height: c.height, Round: c.round, BlockHash: hash, ValidatorIndex: uint32(c.selfIdx)}
	v.Sig = c.self.Sign(v.SignBytes(c.cfg.ChainID))
	vs.add(v, c.vals.Weight(c.selfIdx))
	m := &VoteMsg{Vote: v}
	c.out.Persist = append(c.out.Persist, m)
	c.out.Send = append(c.out.Send, m)
}

func (c *Core) setStep(s step) {
	c.step = s
	if s == stepPrevote || s == stepPrecommit {
		c.schedule(timerRebroadcast, c.cfg.timeout(c.cfg.TimeoutPrecommit, c.round))
	}
	c.out.Events = append(c.out.Events, Event{Height: c.height, Round: c.round, Step: s.String()})
	c.log.Debug("step", "height", c.height, "round", c.round, "step", s.String())
}

// decide records the decision for the current height (line 49-54) and
// starts the commit wait.
func (c *Core) decide(block *types.Block, cert *types.CommitCert, fromSync bool) {
	c.out.Committed = append(c.out.Committed, Commit{Block: block, Cert: cert})
	c.lastCommit, c.late, c.lateSet = cert, nil, c.vals
	c.cancelBuild()
	c.step = stepCommit
	c.out.Events = append(c.out.Events, Event{Height: c.height, Round: cert.Round, Step: stepCommit.String()})
	c.timers = [numTimers]timer{}
	c.schedule(timerCommit, uint64(c.cfg.TimeoutCommit))
	c.committedAt, c.proceed = c.now, false
	c.metrics.markCommit(cert.Round, fromSync)
	c.log.Debug("commit", "height", c.height, "round", cert.Round, "block", cert.BlockHash, "txs", len(block.Txs), "signers", cert.Signers.Count(), "sync", fromSync)
}

// requestProceed ends the commit wait early in responsive mode: now if
// TimeoutCommitMin ticks have passed since the decision, else when they
// have.
func (c *Core) requestProceed() {
	if !c.cfg.Responsive || c.step != stepCommit || c.proceed {
		return
	}
	c.proceed = true
	min := c.committedAt + uint64(c.cfg.TimeoutCommitMin)
	if c.now >= min {
		c.startHeight(c.height + 1)
		return
	}
	c.schedule(timerCommitMin, min-c.now)
}

// polVotes are the prevotes that justify a proposal's POL round: sent with
// the proposal, so that a validator that missed them (and so cannot apply
// line 28) gets the proof of lock from the proposer itself.
func (c *Core) polVotes(p *types.Proposal) []Message {
	if p.POLRound < 0 {
		return nil
	}
	rs := c.rounds.get(uint32(p.POLRound))
	if rs == nil {
		return nil
	}
	var out []Message
	for _, v := range rs.prevotes.forBlock(p.BlockHash) {
		out = append(out, &VoteMsg{Vote: v})
	}
	return out
}

// maxLatePerValidator bounds the late precommits kept per validator (a
// forged one in a validator's name cannot keep its real one out).
const maxLatePerValidator = 2

// keepLate keeps a peer's precommit for the block decided at this height
// that came after the decision, unchecked, for the next block's last
// commit (lastCommitForBuild); it is never counted or relayed. The answer
// is always a rejection (ErrStale: no rule uses it; ErrDuplicate: its
// signer is in the certificate or it is kept already).
func (c *Core) keepLate(v *types.Vote) error {
	idx := int(v.ValidatorIndex)
	rej := func(s error, format string, a ...any) error {
		return reject("vote", v.Height, v.Round, idx, s, format, a...)
	}
	lc := c.lastCommit
	switch {
	case lc == nil || c.lateSet == nil || lc.Height != v.Height || lc.Round != v.Round || lc.BlockHash != v.BlockHash:
		return rej(ErrStale, "deciding height %d", c.height)
	case idx >= c.lateSet.Size():
		return rej(ErrNotValidator, "index %d, set of %d", idx, c.lateSet.Size())
	case lc.Signers.Get(idx):
		return rej(ErrDuplicate, "in the certificate")
	case len(c.late) >= maxLatePerValidator*c.lateSet.Size():
		return rej(ErrStale, "late precommits full")
	}
	kept := 0
	for _, o := range c.late {
		if o.ValidatorIndex == v.ValidatorIndex {
			if o.Sig == v.Sig {
				return rej(ErrDuplicate, "kept already")
			}
			kept++
		}
	}
	if kept >= maxLatePerValidator {
		return rej(ErrStale, "late precommits of validator %d full", idx)
	}
	c.late = append(c.late, v)
	return rej(ErrStale, "decided; kept for the next block's last commit")
}

// lastCommitForBuild is the certificate a block built now carries: the
// decision's, extended with the late precommits that check against the
// set that signed it (validators.Set.ExtendCommit). Only a proposer pays
// for the checks, once.
func (c *Core) lastCommitForBuild() *types.CommitCert {
	if len(c.late) > 0 && c.lateSet != nil && c.lastCommit != nil {
		ext, n := c.lateSet.ExtendCommit(c.cfg.ChainID, c.lastCommit, c.late)
		c.late = nil
		if n > 0 {
			c.log.Debug("last commit extended with late precommits", "height", ext.Height, "added", n, "signers", ext.Signers.Count())
			c.lastCommit = ext
		}
	}
	return c.lastCommit
}
