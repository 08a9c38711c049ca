package engine

import (
	"errors"

	"aitbc/engine/consensus"
	"aitbc/engine/types"
)

// PeerID names a connected peer: the lowercase hex of its Ed25519 node key,
// proven in the gossip handshake.
type PeerID string

// SyncedBlock is a committed block with the certificate that made it final:
// what block sync carries, and what a lagging node feeds its core as a
// consensus.CommitMsg.
type SyncedBlock struct {
	Block *types.Block
	Cert  *types.CommitCert
}

// Limits of the peer protocol, shared by the node and the transport.
const (
	// MaxSyncBlocks is the most blocks one block request asks for or one
	// answer carries.
	MaxSyncBlocks = 64
	// MaxGossipTxs is the most txs in one tx batch message.
	MaxGossipTxs = 1024
)

// Gossip is the peer-to-peer transport (netio/gossip implements it). Every
// method returns at once: it queues the message for the peers' writers or
// drops it (and counts the drop); it never blocks the consensus loop.
type Gossip interface {
	// BroadcastConsensus sends our signed proposals (with their blocks),
	// our votes and the POL votes the core re-sends to every peer:
	// the *consensus.ProposalMsg and *consensus.VoteMsg of Ready.Send.
	BroadcastConsensus(msgs []consensus.Message)
	// BroadcastTxs relays admitted txs (at most MaxGossipTxs per call) to
	// every peer except the one each tx came from.
	BroadcastTxs(txs []*types.Tx)
	// BroadcastStatus announces our committed head.
	BroadcastStatus(height uint64, hash types.Hash)
	// RequestBlocks asks one peer for committed blocks from..from+count-1
	// (count <= MaxSyncBlocks).
	RequestBlocks(peer PeerID, from uint64, count int)
	// SendBlocks answers a block request (len(blocks) <= MaxSyncBlocks).
	SendBlocks(peer PeerID, blocks []SyncedBlock)
	// Penalize counts a message that failed a check against its peer; the
	// transport disconnects and bans a peer past its limit.
	Penalize(peer PeerID, reason error)
}

// PeerHandler receives what peers send (implemented by *Node; the
// transport calls it from its event loops). Every method returns at once:
// it queues the work for the node's goroutines or drops it when the queue
// is full (peers re-send consensus messages; txs are best effort). A
// non-nil error rejects the message outright (malformed, wrong chain or
// height range); the transport then counts it against the peer as
// Penalize would.
type PeerHandler interface {
	HandleConsensus(peer PeerID, m consensus.Message) error // *consensus.ProposalMsg or *consensus.VoteMsg
	HandleTxs(peer PeerID, txs []*types.Tx) error
	HandleStatus(peer PeerID, height uint64, hash types.Hash) error
	HandleBlockRequest(peer PeerID, from uint64, count int) error
	HandleBlocks(peer PeerID, blocks []SyncedBlock) error
}

// ErrBadPeerMessage wraps every rejection a PeerHandler returns.
var ErrBadPeerMessage = errors.New("bad peer message")
