package consensus

import (
	"errors"
	"math"

	"aitbc/engine/types"
	"aitbc/engine/validators"
)

const (
	// roundWindow is how many rounds beyond the current one are stored in
	// full. A verified message further ahead only records its round, which
	// is enough for the round-skip rule; memory stays bounded however many
	// rounds a faulty validator invents.
	roundWindow = 10
	// maxRound is the highest round; POL rounds are int32 on the wire.
	maxRound = math.MaxInt32
)

// nextKey deduplicates buffered next-height messages: one proposal per
// round, one vote per (type, round, validator).
type nextKey struct {
	kind  uint8 // 0 proposal, else the vote type
	round uint32
	index int
}

// nextSlot is where a key's first buffered message is, and whether a
// second, conflicting one is buffered too (replayed after the first, it
// is found as an equivocation, with evidence, when the height starts).
type nextSlot struct {
	first    int // index in Core.next
	conflict bool
}

type bufferedMsg struct {
	m        Message
	verifier *validators.Set // the set that verified it
}

func (c *Core) verifyVote(v *types.Vote, preverified bool, set *validators.Set) error {
	if preverified {
		return nil
	}
	if err := set.VerifyVote(c.cfg.ChainID, v); err != nil {
		sentinel := ErrBadSignature
		if errors.Is(err, validators.ErrUnknownValidator) {
			sentinel = ErrNotValidator
		}
		return &RejectError{Msg: "vote", Height: v.Height, Round: v.Round, Validator: int(v.ValidatorIndex), Err: &causeError{sentinel, err}}
	}
	return nil
}

func (c *Core) onVote(v *types.Vote, preverified bool) error {
	if v == nil {
		return reject("vote", c.height, c.round, -1, ErrInvalid, "nil vote")
	}
	idx := int(v.ValidatorIndex)
	rej := func(s error, format string, a ...any) error {
		return reject("vote", v.Height, v.Round, idx, s, format, a...)
	}
	switch {
	case v.Type != types.Prevote && v.Type != types.Precommit:
		return rej(ErrInvalid, "vote type %d", v.Type)
	case v.Round > maxRound:
		return rej(ErrInvalid, "round above %d", maxRound)
	case v.Height == c.height && c.step == stepCommit && v.Type == types.Precommit:
		return c.keepLate(v)
	case v.Height < c.height || v.Height == c.height && c.step == stepCommit:
		return rej(ErrStale, "deciding height %d", c.height)
	case v.Height == c.height+1:
		return c.bufferNext(&VoteMsg{Vote: v}, nextKey{uint8(v.Type), v.Round, idx}, func(set *validators.Set) error {
			return c.verifyVote(v, false, set)
		})
	case v.Height > c.height+1:
		return rej(ErrFuture, "deciding height %d", c.height)
	case idx >= c.vals.Size():
		return rej(ErrNotValidator, "index %d, set of %d", idx, c.vals.Size())
	}
	if rs := c.rounds.get(v.Round); rs != nil {
		if old := rs.votes(v.Type).votes[idx]; old != nil {
			if old.BlockHash == v.BlockHash {
				return rej(ErrDuplicate, "")
			}
			if err := c.verifyVote(v, preverified, c.vals); err != nil {
				return err
			}
			c.reportVotes(old, v)
			rs.votes(v.Type).addConflict(v, c.vals.Weight(idx))
			return rej(ErrEquivocation, "%s for %s after one for %s", v.Type, v.BlockHash, old.BlockHash)
		}
	}
	if err := c.verifyVote(v, preverified, c.vals); err != nil {
		return err
	}
	// Our own votes (only we can sign them: they come from our WAL) are
	// kept at any round, or a far-round vote replayed after a restart
	// would not stop us signing a different one when we get there.
	if uint64(v.Round) > uint64(c.round)+roundWindow && idx != c.selfIdx {
		c.noteFarRound(idx, v.Round)
		return nil
	}
	c.rounds.getOrCreate(v.Round).votes(v.Type).add(v, c.vals.Weight(idx))
	// Our own precommit (replayed from the WAL after a restart) means we
	// were locked on its block: restore the lock so we never prevote
	// against it without a newer proof of lock.
	if idx == c.selfIdx && v.Type == types.Precommit && !v.BlockHash.IsZero() && int64(v.Round) > int64(c.lockedRound) {
		c.lockedRound, c.lockedHash = int32(v.Round), v.BlockHash
	}
	c.resumeOwnRound(idx, v.Round)
	return nil
}

// resumeOwnRound moves the core to round r when it is behind a message of
// its own for r (replayed from the WAL after a restart, or echoed back by
// a peer): we were at round r already, and a correct process never goes
// back to an earlier round — rules there could lock, and so later vote,
// against what we signed in r.
func (c *Core) resumeOwnRound(idx int, r uint32) {
	if idx == c.selfIdx && idx >= 0 && r > c.round && c.step != stepCommit {
		c.log.Debug("resuming at own round", "height", c.height, "round", r)
		c.startRound(r)
	}
}

func (c *Core) onProposal(m *ProposalMsg, preverified bool) error {
	if m == nil || m.Proposal == nil || m.Block == nil {
		return reject("proposal", c.height, c.round, -1, ErrInvalid, "nil proposal or block")
	}
	p := m.Proposal
	rej := func(s error, format string, a ...any) error {
		return reject("proposal", p.Height, p.Round, -1, s, format, a...)
	}
	switch {
	case p.Round > maxRound:
		return rej(ErrInvalid, "round above %d", maxRound)
	case p.POLRound < -1 || p.POLRound >= 0 && uint32(p.POLRound) >= p.Round:
		return rej(ErrInvalid, "pol_round %d", p.POLRound)
	case p.BlockHash.IsZero():
		return rej(ErrInvalid, "zero block hash")
	case m.Block.Header.Height != p.Height || m.Block.Header.ChainID != c.cfg.ChainID:
		return rej(ErrInvalid, "block is for chain %q height %d", m.Block.Header.ChainID, m.Block.Header.Height)
	case p.Height < c.height || p.Height == c.height && c.step == stepCommit:
		return rej(ErrStale, "deciding height %d", c.height)
	case p.Height > c.height+1:
		return rej(ErrFuture, "deciding height %d", c.height)
	case m.Block.Hash() != p.BlockHash:
		return rej(ErrInvalid, "block hash %s, proposal says %s", m.Block.Hash(), p.BlockHash)
	}
	if p.Height == c.height && uint64(p.Round) > uint64(c.round)+roundWindow &&
		(c.selfIdx < 0 || c.vals.VerifyProposalBy(c.cfg.ChainID, p, c.selfIdx) != nil) {
		// Nothing another's proposal this far ahead could do (rule 55
		// counts the votes of that round) is worth finding its proposer,
		// which costs a walk of the rotation as long as the round: refuse
		// it unread. Our own (replayed from the WAL) is kept: it resumes
		// us at its round and stops us building a second one there.
		return rej(ErrFuture, "round beyond %d of round %d", roundWindow, c.round)
	}
	verify := func(set *validators.Set) error {
		if err := set.VerifyProposal(c.cfg.ChainID, p); err != nil {
			return &RejectError{Msg: "proposal", Height: p.Height, Round: p.Round, Validator: set.Proposer(p.Height, p.Round), Err: &causeError{ErrBadSignature, err}}
		}
		return nil
	}
	if p.Height == c.height+1 {
		if err := c.bufferNext(m, nextKey{0, p.Round, 0}, verify); err != nil {
			return err
		}
		// The next height's proposer has moved on: in responsive mode,
		// so do we (the proposal is replayed when the height starts).
		c.requestProceed()
		return nil
	}
	if rs := c.rounds.get(p.Round); rs != nil && rs.proposal != nil {
		if *rs.proposal == *p {
			return rej(ErrDuplicate, "")
		}
		if !preverified {
			if err := verify(c.vals); err != nil {
				return err
			}
		}
		c.reportProposals(rs.proposal, p, c.vals.Proposer(p.Height, p.Round))
		return rej(ErrEquivocation, "second proposal %s (pol_round %d) after %s (pol_round %d)", p.BlockHash, p.POLRound, rs.proposal.BlockHash, rs.proposal.POLRound)
	}
	if !preverified {
		if err := verify(c.vals); err != nil {
			return err
		}
	}
	proposer := c.vals.Proposer(p.Height, p.Round)
	if p.POLRound < 0 && m.Block.Header.Proposer != c.vals.Get(proposer).Address {
		// A fresh block pays its fees to the round's proposer (a
		// re-proposal carries the block of the round it cites).
		return rej(ErrInvalid, "block proposer %s, round %d's proposer is %s", m.Block.Header.Proposer, p.Round, c.vals.Get(proposer).Address)
	}
	rs := c.rounds.getOrCreate(p.Round)
	rs.proposal = p
	rs.untimely = m.Untimely && p.POLRound < 0
	if proposer == c.selfIdx && c.building && c.buildRnd == p.Round {
		// Our own proposal replayed from the WAL: never build a second one.
		c.cancelBuild()
	}
	c.resumeOwnRound(proposer, p.Round)
	e := c.blocks[p.BlockHash]
	if e == nil {
		e = &blockEntry{block: m.Block}
		c.blocks[p.BlockHash] = e
	}
	if e.validity == validityUnknown && p.Round >= c.round {
		e.validity = validityPending
		c.out.Validate = append(c.out.Validate, m.Block)
	}
	return nil
}

// bufferNext keeps a verified message of the next height for replay when
// that height starts. It is verified against the next set when the caller
// has installed one, else the current set (re-verified on replay if the
// set changed).
func (c *Core) bufferNext(m Message, key nextKey, verify func(*validators.Set) error) error {
	h, r := c.height+1, key.round
	if r > roundWindow {
		return reject("next-height message", h, r, -1, ErrFuture, "round beyond %d of a height not started", roundWindow)
	}
	slot, taken := c.nextKey[key]
	if taken && (slot.conflict || sameMessage(c.next[slot.first].m, m)) {
		return reject("next-height message", h, r, -1, ErrDuplicate, "")
	}
	set := c.vals
	if c.nextVals != nil {
		set = c.nextVals
	}
	if key.kind != 0 && key.index >= set.Size() {
		return reject("vote", h, r, key.index, ErrNotValidator, "index %d, set of %d", key.index, set.Size())
	}
	if err := verify(set); err != nil {
		return err
	}
	if taken {
		slot.conflict = true
	} else {
		slot.first = len(c.next)
	}
	c.nextKey[key] = slot
	c.next = append(c.next, bufferedMsg{m: m, verifier: set})
	return nil
}

// sameMessage reports whether two buffered messages of one slot sign the
// same thing (a re-send), as opposed to conflicting.
func sameMessage(a, b Message) bool {
	switch a := a.(type) {
	case *VoteMsg:
		b, ok := b.(*VoteMsg)
		return ok && a.Vote.BlockHash == b.Vote.BlockHash
	case *ProposalMsg:
		b, ok := b.(*ProposalMsg)
		return ok && *a.Proposal == *b.Proposal
	}
	return false
}

func (c *Core) noteFarRound(idx int, r uint32) {
	if idx >= 0 && idx < len(c.farRound) && r > c.farRound[idx] {
		c.farRound[idx] = r
	}
}

func (c *Core) onProceed(m *Proceed) error {
	switch {
	case m == nil:
		return reject("proceed", c.height, c.round, -1, ErrInvalid, "nil")
	case !c.cfg.Responsive:
		return reject("proceed", m.Height, c.round, -1, ErrInvalid, "not in responsive mode")
	case m.Height != c.height || c.step != stepCommit:
		return reject("proceed", m.Height, c.round, -1, ErrStale, "not waiting after a commit of height %d", m.Height)
	}
	c.requestProceed()
	return nil
}

func (c *Core) onBlockBuilt(m *BlockBuilt) error {
	if m == nil || m.Block == nil {
		return reject("block-built", c.height, c.round, -1, ErrInvalid, "nil block")
	}
	rej := func(s error, format string, a ...any) error {
		return reject("block-built", m.Height, m.Round, -1, s, format, a...)
	}
	switch {
	case !c.building || m.Height != c.height || m.Round != c.buildRnd:
		return rej(ErrStale, "no build outstanding for it")
	case m.Block.Header.Height != c.height || m.Block.Header.ChainID != c.cfg.ChainID:
		return rej(ErrInvalid, "block is for chain %q height %d", m.Block.Header.ChainID, m.Block.Header.Height)
	}
	c.building = false
	c.propose(m.Block, -1)
	return nil
}

func (c *Core) onBlockValidated(m *BlockValidated) error {
	if m == nil {
		return reject("block-validated", c.height, c.round, -1, ErrInvalid, "nil")
	}
	e := c.blocks[m.Hash]
	if e == nil || e.validity != validityPending {
		return reject("block-validated", c.height, c.round, -1, ErrStale, "block %s is not awaiting validation", m.Hash)
	}
	if m.Valid {
		e.validity = validityValid
	} else {
		e.validity = validityInvalid
		c.log.Warn("proposed block is invalid", "height", c.height, "round", c.round, "block", m.Hash)
	}
	return nil
}

func (c *Core) onCommitMsg(m *CommitMsg) error {
	if m == nil || m.Block == nil || m.Cert == nil {
		return reject("commit", c.height, c.round, -1, ErrInvalid, "nil block or certificate")
	}
	h := m.Cert.Height
	rej := func(s error, format string, a ...any) error {
		return reject("commit", h, m.Cert.Round, -1, s, format, a...)
	}
	// A certificate for the next height while we wait out the commit
	// timeout means the network has moved on without us: a node catching
	// up by block sync takes it at once instead of one block per block
	// time (which would never catch up with a live chain).
	skipWait := h == c.height+1 && c.step == stepCommit
	switch {
	case h < c.height || h == c.height && c.step == stepCommit:
		return rej(ErrStale, "deciding height %d", c.height)
	case h > c.height && !skipWait:
		return rej(ErrFuture, "deciding height %d", c.height)
	case m.Block.Header.Height != h || m.Block.Header.ChainID != c.cfg.ChainID || m.Block.Hash() != m.Cert.BlockHash:
		return rej(ErrInvalid, "block does not match the certificate")
	}
	set := c.vals
	if skipWait && c.nextVals != nil {
		set = c.nextVals
	}
	if err := set.VerifyCommit(c.cfg.ChainID, m.Cert); err != nil {
		return &RejectError{Msg: "commit", Height: h, Round: m.Cert.Round, Validator: -1, Err: &causeError{ErrBadSignature, err}}
	}
	if skipWait {
		// The certificate decides the height: its buffered proposals and
		// votes are moot (and would only ask the caller to validate a
		// block it is about to commit).
		c.next, c.nextKey = nil, make(map[nextKey]nextSlot)
		c.startHeight(h)
	}
	if c.blocks[m.Cert.BlockHash] == nil {
		c.blocks[m.Cert.BlockHash] = &blockEntry{block: m.Block}
	}
	c.decide(m.Block, m.Cert, true)
	return nil
}
