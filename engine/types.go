package engine

import (
	"time"

	"aitbc/engine/state"
	"aitbc/engine/types"
	"aitbc/engine/validators"
	"aitbc/gpu/health"
)

// CommittedBlock is everything one commit makes durable, in one atomic write:
// the block, the certificate that made it final, and the state after it.
// exec.NewCommitted is its only producer (live commit, the indexer's
// re-read of a stored block, reindex), so every path fills every field
// the same way.
//
// Receipts lists the RECEIPT_CLAIM txs the block executed, in block order
// (ascending TxIndex), each with its minted amount, receipt id and job hash;
// the block store persists their JobHash values (the claimed set) with the
// block, and the SQL index reads its receipts rows from here.
type CommittedBlock struct {
	Block    *types.Block
	Cert     *types.CommitCert     // this block's own commit certificate
	TxHashes []types.Hash          // hashes of Block.Txs, in order
	Accounts []state.AccountUpdate // accounts changed by the block, their state as of this height, sorted by address
	Receipts []state.Receipt       // RECEIPT_CLAIMs executed by the block, in block order (nil if none)
	// Proof of stake (pos and hybrid chains; nil or zero on poa): the
	// stake records the block changed (sorted by address), the evidence
	// hashes it applied, the supply after it, and the set the election
	// after it chose (docs/spec.md §13.6, §17).
	Stakes   []state.StakeRecord
	Evidence []types.Hash
	Supply   state.Supply
	Elected  *ElectedSet
}

// ElectedSet is the validator set an election chose for Epoch, with what
// it changed.
type ElectedSet struct {
	Epoch  uint64
	Set    *validators.Set
	Report validators.ElectionReport
}

// SyncedBlock is a committed block with the certificate that made it final:
// what block sync carries, and what a lagging node feeds its core as a
// consensus.CommitMsg.
type SyncedBlock struct {
	Block *types.Block
	Cert  *types.CommitCert
}

// PeerID names a connected peer: the lowercase hex of its Ed25519 node key,
// proven in the gossip handshake.
type PeerID string

// Limits of the peer protocol, shared by the node and the transport.
const (
	// MaxSyncBlocks is the most blocks one block request asks for or one
	// answer carries.
	MaxSyncBlocks = 64
	// MaxGossipTxs is the most txs in one tx batch message.
	MaxGossipTxs = 1024
	// MaxGossipEvidence is the most pieces of evidence in one evidence
	// message: max_evidence_per_block's default, and far more than a
	// node detects at once (one per double signing it sees).
	MaxGossipEvidence = 16
)

// Event kinds (Event.Kind), the consensus_events topic's "kind" field.
const (
	EventStep     = "step"
	EventCommit   = "commit"
	EventEvidence = "evidence"
)

// Event is a consensus step change, commit or evidence of double-signing,
// published to subscribers.
type Event struct {
	Kind      string // EventStep, EventCommit, EventEvidence
	Height    uint64
	Round     uint32
	Step      string // "propose", "prevote", "precommit", "commit"; for evidence the slot signed twice: "proposal", "prevote", "precommit"
	BlockHash types.Hash
	Time      time.Time
	// Kind "evidence" only: the validator that signed twice and the
	// evidence's hash (its identity in BlockStore.Evidence).
	Validator    types.Address
	EvidenceHash types.Hash
}

// Head describes the last committed block.
type Head struct {
	Height    uint64
	Hash      types.Hash
	Time      uint64 // Unix ms
	StateRoot types.Hash
	TxCount   int
}

// TxInfo is a tx with where it is: committed (Height, Index) or pending.
type TxInfo struct {
	Tx      *types.Tx
	Hash    types.Hash
	Pending bool
	Height  uint64
	Index   uint32
}

// Status is the node's self-description for /rpc/status.
type Status struct {
	ChainID          string
	NodeVersion      string
	Head             Head
	Validator        types.Address
	Validators       int
	MempoolTxs       int
	MempoolBytes     int
	SigverifyBackend string
	GPU              health.Device // NVML view of the signature GPU ("no GPU" when none)
	IndexedHeight    uint64
	// Peers is how many peers announced their head within Config.PeerTTL.
	Peers int
	// Syncing is true while the node is behind the best head its peers
	// announced and is fetching blocks to catch up.
	Syncing bool
	// Halted is set once consensus stopped at a height (nil while it runs):
	// see Halt.
	Halted *Halt
}

// Halt says why a node stopped deciding blocks while it keeps serving: a
// block that a quorum of validators decided fails validation here, or two
// certificates decide different blocks of one height. Either takes more
// than a third of the voting power faulty, or a local bug; signing on
// would risk a fork, so the node signs nothing more until an operator
// steps in (docs/operations.md).
type Halt struct {
	Height uint64
	Hash   types.Hash // the decided block's hash
	Reason string
}
