package node

import (
	"errors"
	"fmt"

	"aitbc/engine"
	"aitbc/engine/blocksync"
	"aitbc/engine/consensus"
	"aitbc/engine/exec"
	"aitbc/engine/types"
	"aitbc/engine/validators"
)

// The peer side of a Machine: the PeerHandler methods handle a message at
// once, on the owner goroutine. Node's methods of the same names run the
// same checks (check*) and queue the message for its goroutines instead.

var _ engine.PeerHandler = (*Machine)(nil)

func badPeerMsg(format string, a ...any) error {
	return fmt.Errorf("%w: %s", engine.ErrBadPeerMessage, fmt.Sprintf(format, a...))
}

// HandleConsensus checks a proposal or vote and steps it into the core.
func (m *Machine) HandleConsensus(peer engine.PeerID, msg consensus.Message) error {
	if err := m.checkConsensus(msg); err != nil {
		return err
	}
	if m.stopped() {
		return nil
	}
	m.judgeTime(peer, msg)
	m.stepPeers([]peerMsg{{peer: peer, msg: msg}})
	return nil
}

// HandleTxs admits a peer's tx batch (ingest.Admitter.AdmitPeerTxs).
func (m *Machine) HandleTxs(peer engine.PeerID, txs []*types.Tx) error {
	if err := m.checkTxs(txs); err != nil || len(txs) == 0 || m.stopped() {
		return err
	}
	m.admit.AdmitPeerTxs(m.runCtx, peer, txs)
	return nil
}

// HandleEvidence verifies a peer's double-sign evidence, records it and
// relays what is new (takeEvidence).
func (m *Machine) HandleEvidence(peer engine.PeerID, evs []*types.Evidence) error {
	if err := m.checkEvidence(evs); err != nil || m.stopped() {
		return err
	}
	m.takeEvidence(peer, evs)
	return nil
}

// HandleStatus records a peer's head and syncs if it is ahead.
func (m *Machine) HandleStatus(peer engine.PeerID, height uint64, hash types.Hash) error {
	if err := m.checkStatus(height, hash); err != nil {
		return err
	}
	if m.sync.Status(peer, height, hash, m.clock.Now(), m.head.Load().Height) && !m.stopped() {
		m.maybeSync()
	}
	return nil
}

// HandleBlockRequest answers a peer's block request from the store.
func (m *Machine) HandleBlockRequest(peer engine.PeerID, from uint64, count int) error {
	if err := m.checkBlockRequest(from, count); err != nil || m.stopped() {
		return err
	}
	m.serve(peer, from, count)
	return nil
}

// HandleBlocks applies a block-sync answer.
func (m *Machine) HandleBlocks(peer engine.PeerID, blocks []engine.SyncedBlock) error {
	if err := m.checkBlocks(blocks); err != nil || m.stopped() {
		return err
	}
	m.applySynced(peer, blocks)
	m.settle()
	return nil
}

// judgeTime marks, and counts, a fresh proposal (no POL round) whose
// block time breaks the block time rule at its arrival (exec.Timely):
// not a fault of the peer's (clocks drift, messages are late), so not
// penalized; the core verifies it like any proposal and this validator
// prevotes nil on it at once (ProposalMsg.Untimely).
func (m *Machine) judgeTime(peer engine.PeerID, msg consensus.Message) {
	pm, ok := msg.(*consensus.ProposalMsg)
	if !ok || pm.Proposal.POLRound >= 0 {
		return
	}
	if err := exec.Timely(pm.Block.Header.Time, m.clock.Now(), m.ledger.Params()); err != nil {
		pm.Untimely = true
		m.m.UntimelyProposals.Inc()
		m.log.Debug("proposal breaks the time rule: prevote nil", "peer", string(peer), "height", pm.Proposal.Height, "round", pm.Proposal.Round, "err", err)
	}
}

// checkConsensus checks what needs no state in a proposal or vote.
func (m *Machine) checkConsensus(msg consensus.Message) error {
	switch msg := msg.(type) {
	case *consensus.ProposalMsg:
		m.m.PeerMessages.WithLabelValues("proposal").Inc()
		return m.checkProposal(msg)
	case *consensus.VoteMsg:
		m.m.PeerMessages.WithLabelValues("vote").Inc()
		return checkVote(msg)
	}
	// BlockBuilt, BlockValidated and CommitMsg are the pipeline's own
	// answers and block sync's input: never a peer's to inject.
	m.m.PeerMessages.WithLabelValues("other").Inc()
	return badPeerMsg("consensus message of type %T", msg)
}

func (m *Machine) checkProposal(msg *consensus.ProposalMsg) error {
	switch {
	case msg == nil || msg.Proposal == nil || msg.Block == nil:
		return badPeerMsg("proposal with a nil field")
	case msg.Proposal.Height == 0:
		return badPeerMsg("proposal for height 0")
	case msg.Proposal.POLRound < -1 || msg.Proposal.POLRound >= 0 && uint32(msg.Proposal.POLRound) >= msg.Proposal.Round:
		return badPeerMsg("proposal pol_round %d in round %d", msg.Proposal.POLRound, msg.Proposal.Round)
	case msg.Block.Header.ChainID != m.chainID:
		return badPeerMsg("proposal block for chain %q", msg.Block.Header.ChainID)
	case msg.Block.Header.Height != msg.Proposal.Height:
		return badPeerMsg("proposal for height %d carries a block of height %d", msg.Proposal.Height, msg.Block.Header.Height)
	case len(msg.Block.Txs) > types.MaxBlockTxs:
		return badPeerMsg("proposal block with %d txs", len(msg.Block.Txs))
	case msg.Block.Hash() != msg.Proposal.BlockHash:
		return badPeerMsg("proposal block hash does not match the proposal")
	}
	for i, tx := range msg.Block.Txs {
		if tx == nil {
			return badPeerMsg("proposal block tx %d is nil", i)
		}
	}
	// The proposal signs the header only: a body that is not the header's
	// (stripped or swapped txs, another last commit) is refused before the
	// core stores it, so the first body kept for a hash is the genuine one
	// whoever sends it.
	return exec.CheckBody(msg.Block)
}

func checkVote(msg *consensus.VoteMsg) error {
	switch {
	case msg == nil || msg.Vote == nil:
		return badPeerMsg("vote with a nil field")
	case msg.Vote.Type != types.Prevote && msg.Vote.Type != types.Precommit:
		return badPeerMsg("vote type %d", msg.Vote.Type)
	case msg.Vote.Height == 0:
		return badPeerMsg("vote for height 0")
	case msg.Vote.ValidatorIndex >= types.MaxValidators:
		return badPeerMsg("vote from validator index %d", msg.Vote.ValidatorIndex)
	}
	return nil
}

func (m *Machine) checkTxs(txs []*types.Tx) error {
	m.m.PeerMessages.WithLabelValues("txs").Inc()
	if len(txs) > engine.MaxGossipTxs {
		return badPeerMsg("%d txs in one batch, limit %d", len(txs), engine.MaxGossipTxs)
	}
	for i, tx := range txs {
		if tx == nil {
			return badPeerMsg("tx %d is nil", i)
		}
	}
	return nil
}

func (m *Machine) checkStatus(height uint64, hash types.Hash) error {
	m.m.PeerMessages.WithLabelValues("status").Inc()
	if (height == 0) != hash.IsZero() {
		return badPeerMsg("status height %d with hash %s", height, hash)
	}
	return nil
}

func (m *Machine) checkBlockRequest(from uint64, count int) error {
	m.m.PeerMessages.WithLabelValues("block_request").Inc()
	switch {
	case from == 0:
		return badPeerMsg("block request from height 0")
	case count < 1 || count > engine.MaxSyncBlocks:
		return badPeerMsg("block request for %d blocks, limit %d", count, engine.MaxSyncBlocks)
	}
	return nil
}

// checkBlocks checks the shape of a block-sync answer (an empty one says
// the peer has none of the blocks asked for).
func (m *Machine) checkBlocks(blocks []engine.SyncedBlock) error {
	m.m.PeerMessages.WithLabelValues("blocks").Inc()
	if len(blocks) > engine.MaxSyncBlocks {
		return badPeerMsg("%d blocks in one answer, limit %d", len(blocks), engine.MaxSyncBlocks)
	}
	for i, sb := range blocks {
		if sb.Block == nil || sb.Cert == nil {
			return badPeerMsg("synced block %d has a nil field", i)
		}
		h := sb.Block.Header.Height
		switch {
		case sb.Block.Header.ChainID != m.chainID:
			return badPeerMsg("synced block for chain %q", sb.Block.Header.ChainID)
		case h == 0 || h != blocks[0].Block.Header.Height+uint64(i):
			return badPeerMsg("synced block %d has height %d: heights must ascend by one", i, h)
		case sb.Cert.Height != h:
			return badPeerMsg("synced block %d: certificate for height %d", h, sb.Cert.Height)
		case len(sb.Block.Txs) > types.MaxBlockTxs:
			return badPeerMsg("synced block %d with %d txs", h, len(sb.Block.Txs))
		}
		for j, tx := range sb.Block.Txs {
			if tx == nil {
				return badPeerMsg("synced block %d: tx %d is nil", h, j)
			}
		}
	}
	return nil
}

// stepPeer feeds a peer's consensus message to the core (owner only).
func (m *Machine) stepPeer(peer engine.PeerID, msg consensus.Message) {
	m.stepPeerChecked(peer, msg, nil)
}

// stepPeerChecked is stepPeer for a message whose signature was checked
// against set (nil: not checked; see stepPeers).
func (m *Machine) stepPeerChecked(peer engine.PeerID, msg consensus.Message, set *validators.Set) {
	if m.halted() {
		return
	}
	var err error
	if set != nil {
		err = m.core.StepVerified(msg, set)
	} else {
		err = m.core.Step(msg)
	}
	if err == nil {
		m.relayAccepted(peer, msg)
		return
	}
	switch {
	case errors.Is(err, consensus.ErrBadSignature):
		m.penalize(peer, "bad_signature", err)
	case errors.Is(err, consensus.ErrInvalid):
		m.penalize(peer, "invalid", err)
	case errors.Is(err, consensus.ErrEquivocation):
		// The signer is at fault, and the core recorded the evidence; the
		// peer may only have forwarded the votes (a proof of lock carries
		// others' prevotes), so it is not penalized.
		m.log.Debug("equivocation forwarded by peer", "peer", string(peer), "err", err)
	case errors.Is(err, consensus.ErrFuture):
		// The sender is deciding a later height, so it has committed the
		// one before: fetch the blocks in between.
		if h := msgHeight(msg); h > 1 && m.sync.Peers().Raise(peer, h-1, m.clock.Now()) {
			m.maybeSync()
		}
	default:
		m.log.Debug("peer consensus message not used", "peer", string(peer), "height", msgHeight(msg), "err", err)
	}
}

func msgHeight(msg consensus.Message) uint64 {
	switch msg := msg.(type) {
	case *consensus.ProposalMsg:
		return msg.Proposal.Height
	case *consensus.VoteMsg:
		return msg.Vote.Height
	}
	return 0
}

// applySynced commits the blocks of a block-sync answer in height order,
// each as a CommitMsg followed by a full drain, so that every block is
// stored before the next is stepped (owner only). Blocks we already have
// are skipped; a block that does not fit its header or certificate ends
// the batch and counts against the peer.
func (m *Machine) applySynced(peer engine.PeerID, blocks []engine.SyncedBlock) {
	if err := m.sync.Answered(peer, blocks, m.clock.Now()); err != nil {
		m.penalize(peer, "unsolicited_blocks", err)
		return
	}
	synced := 0
	for _, sb := range blocks {
		if m.stopped() || m.halted() {
			return
		}
		h := sb.Block.Header.Height
		head := m.head.Load().Height
		if h <= head {
			continue
		}
		if h > head+1 {
			break // a gap: nothing more in this answer is usable
		}
		if err := exec.CheckBody(sb.Block); err != nil {
			m.penalize(peer, "bad_block", err)
			m.sync.Sideline(peer, "bad_block", m.clock.Now())
			break
		}
		if m.conflictsWithDecision(peer, sb.Block, sb.Cert) {
			break
		}
		if err := m.core.Step(&consensus.CommitMsg{Block: sb.Block, Cert: sb.Cert}); err != nil {
			switch {
			case errors.Is(err, consensus.ErrBadSignature):
				m.penalize(peer, "bad_certificate", err)
				m.sync.Sideline(peer, "bad_block", m.clock.Now())
			case errors.Is(err, consensus.ErrInvalid):
				m.penalize(peer, "bad_block", err)
				m.sync.Sideline(peer, "bad_block", m.clock.Now())
			default:
				m.log.Debug("synced block not used", "peer", string(peer), "height", h, "err", err)
			}
			break
		}
		m.drain()
		if m.head.Load().Height < h {
			break // not committed: the node halted
		}
		synced++
		m.m.BlocksSynced.Inc()
	}
	if synced > 0 {
		m.log.Info("synced blocks", "peer", string(peer), "count", synced, "height", m.head.Load().Height)
	}
	// Short of the peer's head: ask for the next range.
	m.maybeSync()
}

// serve answers a peer's block request from the store.
func (m *Machine) serve(peer engine.PeerID, from uint64, count int) {
	stored, _, err := m.store.Head()
	if err != nil {
		m.log.Warn("block request not served", "peer", string(peer), "err", err)
		return
	}
	out := blocksync.Serve(m.store, stored, from, count, m.log.With("peer", string(peer)))
	m.m.BlocksServed.Add(float64(len(out)))
	m.gossip.SendBlocks(peer, out)
}

// penalize counts a message against its peer; reason is a metric label.
func (m *Machine) penalize(peer engine.PeerID, reason string, err error) {
	m.m.Penalties.WithLabelValues(reason).Inc()
	m.log.Warn("penalizing peer", "peer", string(peer), "reason", reason, "err", err)
	m.gossip.Penalize(peer, err)
}
