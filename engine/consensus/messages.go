package consensus

import (
	"aitbc/engine/types"
)

// Message is an input to Step. The set is closed: ProposalMsg, VoteMsg,
// BlockBuilt, BlockValidated and CommitMsg.
type Message interface{ isMessage() }

// ProposalMsg is a signed proposal with its block, from a peer, from our
// own Ready.Send, or replayed from the WAL.
type ProposalMsg struct {
	Proposal *types.Proposal
	Block    *types.Block
	// Untimely is the receiving node's judgment, at the proposal's
	// arrival, that its block time breaks the block time rule (exec.Timely;
	// docs/spec.md §14.13). Never encoded: each node judges for itself. The
	// core verifies and keeps an untimely fresh proposal like any other,
	// but prevotes nil on it at once (rule 22), instead of waiting out the
	// propose timeout as it would if the proposal were dropped.
	Untimely bool
}

// VoteMsg is a signed prevote or precommit.
type VoteMsg struct{ Vote *types.Vote }

// BlockBuilt answers a BuildRequest: the block the pipeline built for
// (Height, Round). The core signs and proposes it.
type BlockBuilt struct {
	Height uint64
	Round  uint32
	Block  *types.Block
}

// BlockValidated answers a Ready.Validate entry: whether executing the
// block with that hash succeeded and matched its header.
type BlockValidated struct {
	Hash  types.Hash
	Valid bool
}

// CommitMsg is a block of the current height with a certificate that makes
// it final, from block sync or commit gossip. The core verifies the
// certificate and decides the height without voting. Without it a node that
// missed a height's messages could not leave that height. One for the next
// height, while the core waits out TimeoutCommit after a decision, ends the
// wait (the network has moved on), so block sync is not paced by it.
type CommitMsg struct {
	Block *types.Block
	Cert  *types.CommitCert
}

// Proceed is the pipeline's request, in responsive mode, to end the
// commit wait of Height early: txs are waiting. The next height starts
// once Config.TimeoutCommitMin ticks have passed since the decision (at
// once if they have). Stale (another height, or not waiting) is rejected
// with ErrStale and changes nothing.
type Proceed struct {
	Height uint64
}

func (*Proceed) isMessage()        {}
func (*ProposalMsg) isMessage()    {}
func (*VoteMsg) isMessage()        {}
func (*BlockBuilt) isMessage()     {}
func (*BlockValidated) isMessage() {}
func (*CommitMsg) isMessage()      {}

// BuildRequest asks the pipeline to build the block we propose at
// (Height, Round) on top of the block LastCommit certifies (nil at
// height 1). The answer is Step(&BlockBuilt{...}); an answer that arrives
// after the round moved on is rejected as stale.
type BuildRequest struct {
	Height     uint64
	Round      uint32
	LastCommit *types.CommitCert
}

// Commit is a decided block and its certificate.
type Commit struct {
	Block *types.Block
	Cert  *types.CommitCert
}

// Event is a step change, for logs, metrics and the consensus_events topic.
type Event struct {
	Height uint64
	Round  uint32
	Step   string // "propose", "prevote", "precommit", "commit"
}

// Ready is the core's output since the last Advance. Handle it in the
// order the package documentation gives (Persist, Send, Events, Evidence,
// Committed, BuildBlock, Validate: not field order), then call Advance.
type Ready struct {
	// Persist holds our own signed proposals and votes. Write them to the
	// WAL and sync before sending anything in Send.
	Persist []Message
	// Send holds messages to broadcast to peers.
	Send []Message
	// BuildBlock, when set, asks for a block to propose.
	BuildBlock *BuildRequest
	// Validate holds proposed blocks to execute; answer each with
	// BlockValidated.
	Validate []*types.Block
	// Committed holds decided blocks in height order: execute if needed,
	// store, publish.
	Committed []Commit
	// Events holds step changes in order.
	Events []Event
	// Evidence holds verified proof that a validator signed two
	// conflicting messages for one slot, each piece once. Record it (it
	// is node-local, not consensus state: a failure to store it must not
	// stop the node).
	Evidence []*types.Evidence
}

func (rd *Ready) empty() bool {
	return len(rd.Persist) == 0 && len(rd.Send) == 0 && rd.BuildBlock == nil &&
		len(rd.Validate) == 0 && len(rd.Committed) == 0 && len(rd.Events) == 0 && len(rd.Evidence) == 0
}
