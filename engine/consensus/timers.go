package consensus

import "aitbc/engine/types"

type timerKind int

const (
	timerPropose timerKind = iota
	timerPrevote
	timerPrecommit
	timerCommit
	timerRebroadcast
	timerCommitMin // responsive mode: the end of the least commit wait
	numTimers
)

// timer is one pending timeout. Each kind has one slot: a kind is only ever
// scheduled for the current round, so a newer schedule supersedes the old.
type timer struct {
	active   bool
	deadline uint64
	height   uint64
	round    uint32
}

// schedule arms kind k to fire on the d-th Tick from now (d = 0 as 1).
func (c *Core) schedule(k timerKind, d uint64) {
	c.timers[k] = timer{active: true, deadline: c.now + d, height: c.height, round: c.round}
}

// onTimeout runs the OnTimeout* procedures of Algorithm 1 (lines 57-65),
// and the end of the commit wait.
func (c *Core) onTimeout(k timerKind, h uint64, r uint32) {
	if h != c.height {
		return
	}
	switch k {
	case timerPropose:
		if r == c.round && c.step == stepPropose {
			c.metrics.Timeouts.Add(1)
			c.signVote(types.Prevote, types.ZeroHash)
			c.setStep(stepPrevote)
		}
	case timerPrevote:
		if r == c.round && c.step == stepPrevote {
			c.metrics.Timeouts.Add(1)
			c.signVote(types.Precommit, types.ZeroHash)
			c.setStep(stepPrecommit)
		}
	case timerPrecommit:
		if r == c.round && c.step != stepCommit && r < maxRound {
			c.metrics.Timeouts.Add(1)
			c.startRound(r + 1)
		}
	case timerCommit:
		if c.step == stepCommit {
			c.startHeight(h + 1)
		}
	case timerCommitMin:
		if c.step == stepCommit && c.proceed {
			c.startHeight(h + 1)
		}
	case timerRebroadcast:
		if r == c.round && (c.step == stepPrevote || c.step == stepPrecommit) {
			c.rebroadcast()
			c.schedule(timerRebroadcast, c.cfg.timeout(c.cfg.TimeoutPrecommit, c.round))
		}
	}
}

// rebroadcast sends our signed messages of the current round again (to
// Send only: they are already persisted). Algorithm 1 assumes messages
// between correct validators are eventually delivered; gossip over real
// links can lose them (a reconnect, a restart), and a round in which
// everyone waits for a lost vote has no timeout to end it. Re-sending
// every TimeoutPrecommit (+ delta per round) while stuck in prevote or
// precommit restores eventual delivery without new signatures.
func (c *Core) rebroadcast() {
	rs := c.rounds.get(c.round)
	if rs == nil || c.selfIdx < 0 {
		return
	}
	if rs.proposal != nil && c.vals.Proposer(c.height, c.round) == c.selfIdx {
		if e := c.blocks[rs.proposal.BlockHash]; e != nil {
			c.out.Send = append(c.out.Send, &ProposalMsg{Proposal: rs.proposal, Block: e.block})
			c.out.Send = append(c.out.Send, c.polVotes(rs.proposal)...)
		}
	}
	for _, vs := range []*voteSet{rs.prevotes, rs.precommits} {
		if v := vs.votes[c.selfIdx]; v != nil {
			c.out.Send = append(c.out.Send, &VoteMsg{Vote: v})
		}
	}
}
