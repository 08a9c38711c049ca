package engine

import (
	"context"
	"errors"
	"time"

	"aitbc/engine/state"
	"aitbc/engine/types"
	"aitbc/gpu/health"
)

// ErrNotFound is returned (wrapped) by a BlockStore or Index for a missing
// block, tx, commit or account row.
var ErrNotFound = errors.New("not found")

// CommittedBlock is everything one commit makes durable, in one atomic write:
// the block, the certificate that made it final, and the state after it.
//
// Receipts (issue #4) lists the RECEIPT_CLAIM txs the block executed, in
// block order (ascending TxIndex), each with its minted amount, receipt id
// and job hash; the block store persists their JobHash values (the claimed
// set) with the block, and the SQL index reads its receipts rows from here.
// For a block re-read from the store, state.BlockReceipts(blk.Txs,
// params.MintPerUnit) rebuilds the same slice from the txs.
type CommittedBlock struct {
	Block    *types.Block
	Cert     *types.CommitCert     // this block's own commit certificate
	TxHashes []types.Hash          // hashes of Block.Txs, in order
	Accounts []state.AccountUpdate // accounts changed by the block, their state after it, sorted by address
	Receipts []state.Receipt       // RECEIPT_CLAIMs executed by the block, in block order (nil if none)
}

// BlockStore is the authoritative store (Badger in production, an
// in-memory twin in tests). Commit must be atomic and durable (fsync) before
// it returns: a crash leaves either the whole block and its state or none.
type BlockStore interface {
	Commit(cb *CommittedBlock) error
	// Head returns the last committed height and block hash; 0 and the
	// zero hash for an empty store.
	Head() (uint64, types.Hash, error)
	Block(height uint64) (*types.Block, error)
	CommitCert(height uint64) (*types.CommitCert, error)
	// TxLocation returns the height and index of a committed tx.
	TxLocation(hash types.Hash) (height uint64, index uint32, err error)
	// LoadAccounts calls fn for every account in the stored state, in address order.
	LoadAccounts(fn func(types.Address, state.Account) error) error
	// LoadClaimedJobs calls fn for every claimed job hash in the stored
	// state (types.ReceiptJobHash of each claimed job id), ascending.
	LoadClaimedJobs(fn func(jobHash types.Hash) error) error
	// AddEvidence records verified evidence of double-signing, durably.
	// It is node-local, not consensus state (nothing in a block or the
	// state root depends on it). Idempotent: evidence whose hash is stored
	// already is not written again, and added is false.
	AddEvidence(ev *types.Evidence) (added bool, err error)
	// Evidence lists stored evidence of heights >= fromHeight in ascending
	// order of (height, evidence hash), at most limit pieces (none for
	// limit <= 0).
	Evidence(fromHeight uint64, limit int) ([]*types.Evidence, error)
	Close() error
}

// Index is the queryable SQL index, written asynchronously behind commits.
// IndexBlocks must be idempotent: re-indexing a height replaces its rows.
type Index interface {
	IndexBlocks(ctx context.Context, blocks []*CommittedBlock) error
	LastIndexedHeight(ctx context.Context) (uint64, error)
	Close() error
}

// Event is a consensus step change, commit or evidence of double-signing,
// published to subscribers.
type Event struct {
	Kind      string // "step", "commit", "evidence"
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

// Broadcaster publishes what the node did (WebSocket topics, later gossip).
// Implementations must not block: a slow consumer is dropped, not waited for.
type Broadcaster interface {
	BlockCommitted(cb *CommittedBlock)
	TxAdmitted(tx *types.Tx, hash types.Hash)
	ConsensusEvent(ev Event)
}

// Clock supplies block timestamps; tests inject a fake.
type Clock interface{ Now() time.Time }

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
}

// Errors of the ingest path; rpc maps them to HTTP statuses.
var (
	// ErrBadSignature: the tx signature failed verification.
	ErrBadSignature = errors.New("bad signature")
	// ErrBusy: an ingest queue is full; retry later.
	ErrBusy = errors.New("node busy")
	// ErrStopped: the node is shutting down.
	ErrStopped = errors.New("node stopped")
)
