package engine

import (
	"errors"
	"fmt"

	"aitbc/engine/consensus"
	"aitbc/engine/types"
)

var _ PeerHandler = (*Node)(nil)

// Queue bounds of the peer side that are not worth a config knob.
const (
	// blockQueue is how many block-sync answers may wait for the loop: one
	// request is in flight at a time, so more are unsolicited or late.
	blockQueue = 4
	// serveQueue is how many peers' block requests may wait for the
	// block server; past it requests are dropped (the peer asks again).
	serveQueue = 8
)

// peerMsg is a consensus message from a peer, waiting for the loop.
type peerMsg struct {
	peer PeerID
	msg  consensus.Message
}

// peerBlocks is a block-sync answer, waiting for the loop.
type peerBlocks struct {
	peer   PeerID
	blocks []SyncedBlock
}

// peerTxs is a batch of txs from a peer, waiting for admission.
type peerTxs struct {
	peer PeerID
	txs  []*types.Tx
}

// blockRequest is a peer's request for our committed blocks.
type blockRequest struct {
	peer  PeerID
	from  uint64
	count int
}

func badPeerMsg(format string, a ...any) error {
	return fmt.Errorf("%w: %s", ErrBadPeerMessage, fmt.Sprintf(format, a...))
}

// HandleConsensus checks a proposal or vote for what needs no state and
// queues it for the loop, which Steps it into the consensus core. A full
// queue drops it: validators re-send their messages while a round is stuck.
func (n *Node) HandleConsensus(peer PeerID, m consensus.Message) error {
	switch m := m.(type) {
	case *consensus.ProposalMsg:
		n.m.PeerMessages.WithLabelValues("proposal").Inc()
		if err := n.checkProposal(m); err != nil {
			return err
		}
	case *consensus.VoteMsg:
		n.m.PeerMessages.WithLabelValues("vote").Inc()
		if err := checkVote(m); err != nil {
			return err
		}
	default:
		// BlockBuilt, BlockValidated and CommitMsg are the pipeline's own
		// answers and block sync's input: never a peer's to inject.
		n.m.PeerMessages.WithLabelValues("other").Inc()
		return badPeerMsg("consensus message of type %T", m)
	}
	select {
	case n.inbox <- peerMsg{peer: peer, msg: m}:
	default:
		n.m.PeerDrops.WithLabelValues("consensus").Inc()
	}
	return nil
}

func (n *Node) checkProposal(m *consensus.ProposalMsg) error {
	switch {
	case m == nil || m.Proposal == nil || m.Block == nil:
		return badPeerMsg("proposal with a nil field")
	case m.Proposal.Height == 0:
		return badPeerMsg("proposal for height 0")
	case m.Proposal.POLRound < -1 || m.Proposal.POLRound >= 0 && uint32(m.Proposal.POLRound) >= m.Proposal.Round:
		return badPeerMsg("proposal pol_round %d in round %d", m.Proposal.POLRound, m.Proposal.Round)
	case m.Block.Header.ChainID != n.chainID:
		return badPeerMsg("proposal block for chain %q", m.Block.Header.ChainID)
	case m.Block.Header.Height != m.Proposal.Height:
		return badPeerMsg("proposal for height %d carries a block of height %d", m.Proposal.Height, m.Block.Header.Height)
	case len(m.Block.Txs) > types.MaxBlockTxs:
		return badPeerMsg("proposal block with %d txs", len(m.Block.Txs))
	case m.Block.Hash() != m.Proposal.BlockHash:
		return badPeerMsg("proposal block hash does not match the proposal")
	}
	for i, tx := range m.Block.Txs {
		if tx == nil {
			return badPeerMsg("proposal block tx %d is nil", i)
		}
	}
	return nil
}

func checkVote(m *consensus.VoteMsg) error {
	switch {
	case m == nil || m.Vote == nil:
		return badPeerMsg("vote with a nil field")
	case m.Vote.Type != types.Prevote && m.Vote.Type != types.Precommit:
		return badPeerMsg("vote type %d", m.Vote.Type)
	case m.Vote.Height == 0:
		return badPeerMsg("vote for height 0")
	case m.Vote.ValidatorIndex >= types.MaxValidators:
		return badPeerMsg("vote from validator index %d", m.Vote.ValidatorIndex)
	}
	return nil
}

// HandleTxs queues a batch of txs for admission by the peer tx workers:
// the same checks as SubmitTx, with the batch's signatures in one batcher
// call. A full queue drops the batch (txs are best effort).
func (n *Node) HandleTxs(peer PeerID, txs []*types.Tx) error {
	n.m.PeerMessages.WithLabelValues("txs").Inc()
	if len(txs) > MaxGossipTxs {
		return badPeerMsg("%d txs in one batch, limit %d", len(txs), MaxGossipTxs)
	}
	for i, tx := range txs {
		if tx == nil {
			return badPeerMsg("tx %d is nil", i)
		}
	}
	if len(txs) == 0 {
		return nil
	}
	select {
	case n.txIn <- peerTxs{peer: peer, txs: txs}:
	default:
		n.m.PeerDrops.WithLabelValues("txs").Inc()
	}
	return nil
}

// HandleStatus records a peer's committed head; the loop asks the best peer
// for blocks when we are behind.
func (n *Node) HandleStatus(peer PeerID, height uint64, hash types.Hash) error {
	n.m.PeerMessages.WithLabelValues("status").Inc()
	if (height == 0) != hash.IsZero() {
		return badPeerMsg("status height %d with hash %s", height, hash)
	}
	if n.peers.update(peer, height, hash, n.now()) && height > n.head.Load().Height {
		n.kickSync()
	}
	return nil
}

// HandleBlockRequest queues a peer's request for committed blocks for the
// block server; when it is busy the request is dropped (the peer asks again
// after its timeout).
func (n *Node) HandleBlockRequest(peer PeerID, from uint64, count int) error {
	n.m.PeerMessages.WithLabelValues("block_request").Inc()
	switch {
	case from == 0:
		return badPeerMsg("block request from height 0")
	case count < 1 || count > MaxSyncBlocks:
		return badPeerMsg("block request for %d blocks, limit %d", count, MaxSyncBlocks)
	}
	select {
	case n.serveIn <- blockRequest{peer: peer, from: from, count: count}:
	default:
		n.m.PeerDrops.WithLabelValues("block_requests").Inc()
	}
	return nil
}

// HandleBlocks checks the shape of a block-sync answer and queues it for
// the loop, which commits each block with its certificate in height order.
// An empty answer says the peer has none of the blocks asked for.
func (n *Node) HandleBlocks(peer PeerID, blocks []SyncedBlock) error {
	n.m.PeerMessages.WithLabelValues("blocks").Inc()
	if len(blocks) > MaxSyncBlocks {
		return badPeerMsg("%d blocks in one answer, limit %d", len(blocks), MaxSyncBlocks)
	}
	for i, sb := range blocks {
		if sb.Block == nil || sb.Cert == nil {
			return badPeerMsg("synced block %d has a nil field", i)
		}
		h := sb.Block.Header.Height
		switch {
		case sb.Block.Header.ChainID != n.chainID:
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
	select {
	case n.blocksIn <- peerBlocks{peer: peer, blocks: blocks}:
	default:
		n.m.PeerDrops.WithLabelValues("blocks").Inc()
	}
	return nil
}

// stepPeer feeds a peer's consensus message to the core (loop only).
func (n *Node) stepPeer(pm peerMsg) {
	err := n.core.Step(pm.msg)
	if err == nil {
		return
	}
	switch {
	case errors.Is(err, consensus.ErrBadSignature):
		n.penalize(pm.peer, "bad_signature", err)
	case errors.Is(err, consensus.ErrInvalid):
		n.penalize(pm.peer, "invalid", err)
	case errors.Is(err, consensus.ErrEquivocation):
		n.penalize(pm.peer, "equivocation", err)
	case errors.Is(err, consensus.ErrFuture):
		// The sender is deciding a later height, so it has committed the
		// one before: fetch the blocks in between.
		if h := msgHeight(pm.msg); h > 1 && n.peers.raise(pm.peer, h-1, n.now()) {
			n.maybeSync()
		}
	default:
		n.log.Debug("peer consensus message not used", "peer", string(pm.peer), "height", msgHeight(pm.msg), "err", err)
	}
}

func msgHeight(m consensus.Message) uint64 {
	switch m := m.(type) {
	case *consensus.ProposalMsg:
		return m.Proposal.Height
	case *consensus.VoteMsg:
		return m.Vote.Height
	}
	return 0
}

// penalize counts a message against its peer; reason is a metric label.
func (n *Node) penalize(peer PeerID, reason string, err error) {
	n.m.Penalties.WithLabelValues(reason).Inc()
	n.log.Warn("penalizing peer", "peer", string(peer), "reason", reason, "err", err)
	n.gossip.Penalize(peer, err)
}

// nopGossip is the transport of a node with no peers.
type nopGossip struct{}

func (nopGossip) BroadcastConsensus([]consensus.Message) {}
func (nopGossip) BroadcastTxs([]*types.Tx)               {}
func (nopGossip) BroadcastStatus(uint64, types.Hash)     {}
func (nopGossip) RequestBlocks(PeerID, uint64, int)      {}
func (nopGossip) SendBlocks(PeerID, []SyncedBlock)       {}
func (nopGossip) Penalize(PeerID, error)                 {}
