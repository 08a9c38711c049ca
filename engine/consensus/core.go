package consensus

import (
	"errors"
	"fmt"
	"io"
	"log/slog"

	"aitbc/engine/types"
	"aitbc/engine/validators"
)

// Start says where the core begins: the next height to decide and the
// certificate of the block before it (nil at height 1).
type Start struct {
	Height     uint64
	LastCommit *types.CommitCert
}

type step uint8

const (
	stepPropose step = iota + 1
	stepPrevote
	stepPrecommit
	stepCommit // decided; waiting TimeoutCommit ticks for the next height
)

func (s step) String() string {
	switch s {
	case stepPropose:
		return "propose"
	case stepPrevote:
		return "prevote"
	case stepPrecommit:
		return "precommit"
	case stepCommit:
		return "commit"
	}
	return "none"
}

type validity uint8

const (
	validityUnknown validity = iota // not asked for
	validityPending                 // in Ready.Validate, no answer yet
	validityValid
	validityInvalid
)

type blockEntry struct {
	block    *types.Block
	validity validity
}

// Core is the Tendermint state machine of one node. It is not safe for
// concurrent use; one goroutine owns it (see the package documentation).
type Core struct {
	cfg      Config
	vals     *validators.Set
	nextVals *validators.Set
	self     Signer
	selfIdx  int // -1: not a validator of the current set
	log      *slog.Logger
	metrics  *Metrics

	height     uint64
	round      uint32
	step       step
	lastCommit *types.CommitCert
	// late are peers' precommits for lastCommit's block that came after
	// the decision, unchecked (at most 2 per validator of lateSet, the set
	// that signed it); a proposer checks them and extends lastCommit with
	// them when it builds the next block (lastCommitForBuild).
	late    []*types.Vote
	lateSet *validators.Set
	// Responsive mode (Config.Responsive): the tick of the last decision,
	// and whether the commit wait is to end at TimeoutCommitMin.
	committedAt uint64
	proceed     bool

	lockedRound int32 // -1: not locked
	lockedHash  types.Hash
	validRound  int32 // -1: no valid value
	validHash   types.Hash

	rounds   rounds
	blocks   map[types.Hash]*blockEntry // lookups only
	building bool                       // a BuildRequest for (height, buildRound) is outstanding
	buildRnd uint32
	farRound []uint32 // per validator: highest round seen beyond the window

	next    []bufferedMsg // verified messages of height+1, replayed when it starts
	nextKey map[nextKey]nextSlot

	evSeen map[evidenceSlot]struct{} // slots of this height already reported as evidence

	now    uint64
	timers [numTimers]timer

	out  Ready
	mark readyMark
}

// New returns a core that starts deciding start.Height. self is nil for a
// node that does not vote; a signer whose key is not in vals is treated the
// same way. The first Ready already holds the start of round 0.
func New(cfg Config, vals *validators.Set, self Signer, start Start, log *slog.Logger) (*Core, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if vals == nil {
		return nil, fmt.Errorf("consensus: nil validator set")
	}
	switch {
	case start.Height == 0:
		return nil, fmt.Errorf("consensus: start height 0; heights start at 1")
	case start.Height == 1 && start.LastCommit != nil:
		return nil, fmt.Errorf("consensus: start at height 1 with a last commit")
	case start.Height > 1 && (start.LastCommit == nil || start.LastCommit.Height != start.Height-1):
		return nil, fmt.Errorf("consensus: start at height %d needs the commit of height %d", start.Height, start.Height-1)
	}
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	c := &Core{cfg: cfg, vals: vals, self: self, log: log, metrics: NopMetrics(), lastCommit: start.LastCommit}
	c.startHeight(start.Height)
	return c, nil
}

// SetMetrics replaces the no-op instruments.
func (c *Core) SetMetrics(m *Metrics) {
	if m == nil {
		m = NopMetrics()
	}
	c.metrics = m
}

// SetNextValidators installs the set that decides the next height; it takes
// effect when that height starts (call it while handling the Commit).
func (c *Core) SetNextValidators(vals *validators.Set) { c.nextVals = vals }

// Height is the height being decided.
func (c *Core) Height() uint64 { return c.height }

// Round is the current round of that height.
func (c *Core) Round() uint32 { return c.round }

// StepName is "propose", "prevote", "precommit" or "commit" (decided,
// waiting for the next height).
func (c *Core) StepName() string { return c.step.String() }

// SelfIndex is our validator's index in the set deciding the current
// height, or -1 when we do not vote on it.
func (c *Core) SelfIndex() int { return c.selfIdx }

// Validators is the set deciding the current height.
func (c *Core) Validators() *validators.Set { return c.vals }

// Locked returns the round and block hash the core is locked on (-1 if none).
func (c *Core) Locked() (int32, types.Hash) { return c.lockedRound, c.lockedHash }

// HasReady reports whether Ready has anything to handle.
func (c *Core) HasReady() bool { return !c.out.empty() }

type readyMark struct {
	persist, send, validate, committed, events, evidence int
	build                                                *BuildRequest
}

// Ready returns the output accumulated since the last Advance. The slices
// belong to the caller; calling Ready twice without Advance returns the
// same items again (plus anything new).
func (c *Core) Ready() Ready {
	o := &c.out
	c.mark = readyMark{len(o.Persist), len(o.Send), len(o.Validate), len(o.Committed), len(o.Events), len(o.Evidence), o.BuildBlock}
	return Ready{
		Persist:    o.Persist[:len(o.Persist):len(o.Persist)],
		Send:       o.Send[:len(o.Send):len(o.Send)],
		BuildBlock: o.BuildBlock,
		Validate:   o.Validate[:len(o.Validate):len(o.Validate)],
		Committed:  o.Committed[:len(o.Committed):len(o.Committed)],
		Events:     o.Events[:len(o.Events):len(o.Events)],
		Evidence:   o.Evidence[:len(o.Evidence):len(o.Evidence)],
	}
}

// Advance acknowledges the last Ready: its items are dropped from the
// output. Items added after that Ready stay for the next one.
func (c *Core) Advance() {
	o, m := &c.out, c.mark
	o.Persist = dropFront(o.Persist, m.persist)
	o.Send = dropFront(o.Send, m.send)
	o.Validate = dropFront(o.Validate, m.validate)
	o.Committed = dropFront(o.Committed, m.committed)
	o.Events = dropFront(o.Events, m.events)
	o.Evidence = dropFront(o.Evidence, m.evidence)
	if o.BuildBlock == m.build {
		o.BuildBlock = nil
	}
	c.mark = readyMark{}
}

func dropFront[T any](s []T, n int) []T {
	if n >= len(s) {
		return nil
	}
	return append([]T(nil), s[n:]...)
}

// Ticks is how many Ticks the core has had: its clock, which timers and
// the commit wait count in.
func (c *Core) Ticks() uint64 { return c.now }

// Tick advances the core's clock by one tick and fires due timeouts.
func (c *Core) Tick() {
	c.now++
	for k := range c.timers {
		t := &c.timers[k]
		if t.active && c.now >= t.deadline {
			t.active = false
			c.onTimeout(timerKind(k), t.height, t.round)
		}
	}
	c.evaluate()
}

// Step feeds one message to the core. A *RejectError means the message was
// not used and nothing changed; any other outcome is in the next Ready.
func (c *Core) Step(m Message) error { return c.stepMsg(m, nil) }

// StepVerified is Step for a message whose signature the caller already
// checked against set (the node checks the votes of a slot together:
// validators.Set.VerifyVoteBatch). The core skips its own check only for
// a vote of the height it decides with that very set; anything else is
// checked as in Step.
func (c *Core) StepVerified(m Message, set *validators.Set) error { return c.stepMsg(m, set) }

// NeedsSignatureCheck reports whether stepping v now would check its
// signature: it is a vote of the height being decided, of a member, and
// not a repeat of a vote the core holds (a repeat is refused unchecked).
func (c *Core) NeedsSignatureCheck(v *types.Vote) bool {
	if v == nil || v.Height != c.height || c.step == stepCommit || int64(v.ValidatorIndex) >= int64(c.vals.Size()) {
		return false
	}
	if rs := c.rounds.get(v.Round); rs != nil && (v.Type == types.Prevote || v.Type == types.Precommit) {
		if old := rs.votes(v.Type).votes[v.ValidatorIndex]; old != nil && old.BlockHash == v.BlockHash {
			return false
		}
	}
	return true
}

// Tally reports, for a vote of the height and round being decided, the
// power the core has counted for v's block in v's round and type, and in
// all; current is false for any other vote (another height or round, the
// commit step), whose power says nothing. The node holds peers' votes
// until they can reach a quorum together and checks them as one
// (node/votebatch.go).
func (c *Core) Tally(v *types.Vote) (forBlock, all uint64, current bool) {
	if v == nil || v.Height != c.height || v.Round != c.round || c.step == stepCommit ||
		v.Type != types.Prevote && v.Type != types.Precommit {
		return 0, 0, false
	}
	rs := c.rounds.get(v.Round)
	if rs == nil {
		return 0, 0, true
	}
	vs := rs.votes(v.Type)
	return vs.powerFor(v.BlockHash), vs.power, true
}

// Surplus reports whether a peer's prevote is one no rule needs: of the
// height and round being decided, for a block (or nil) whose prevotes the
// core has counted a quorum of already, from a validator with no prevote
// counted in that round. The polka it would add to has happened; the
// quorum's own votes were relayed when counted, so a peer that lacks them
// gets them from us; and a validator that prevoted another block in the
// round is not surplus (checking its vote is how the core finds the
// equivocation). The node drops such a vote unchecked (docs/spec.md
// §14.9): with four validators it is the third peer's prevote of every
// height, whose lone pairing check was the largest single cost of a
// height. A surplus precommit does not exist before the decision (a
// quorum of precommits decides) and is kept unchecked after it
// (keepLate).
func (c *Core) Surplus(v *types.Vote) bool {
	if v == nil || v.Type != types.Prevote || v.Height != c.height || v.Round != c.round || c.step == stepCommit ||
		int64(v.ValidatorIndex) >= int64(c.vals.Size()) {
		return false
	}
	rs := c.rounds.get(v.Round)
	if rs == nil {
		return false
	}
	vs := rs.votes(types.Prevote)
	return vs.votes[v.ValidatorIndex] == nil && vs.powerFor(v.BlockHash) >= c.vals.Quorum()
}

func (c *Core) stepMsg(m Message, verifiedBy *validators.Set) error {
	var err error
	switch m := m.(type) {
	case *ProposalMsg:
		err = c.onProposal(m, false)
	case *VoteMsg:
		if m == nil {
			err = reject("vote", 0, 0, -1, ErrInvalid, "nil")
			break
		}
		err = c.onVote(m.Vote, verifiedBy != nil && verifiedBy == c.vals)
	case *BlockBuilt:
		err = c.onBlockBuilt(m)
	case *BlockValidated:
		err = c.onBlockValidated(m)
	case *CommitMsg:
		err = c.onCommitMsg(m)
	case *Proceed:
		err = c.onProceed(m)
	default:
		err = reject("message", c.height, c.round, -1, ErrInvalid, "unknown message type %T", m)
	}
	if err != nil {
		c.metrics.RejectedMsgs.Add(1)
		if errors.Is(err, ErrEquivocation) {
			c.metrics.Equivocations.Add(1)
			c.log.Warn("equivocation", "height", c.height, "round", c.round, "err", err)
			// The conflicting vote was counted for the block it names
			// (voteSet): it may complete a quorum.
			c.evaluate()
		}
		return err
	}
	c.evaluate()
	return nil
}
