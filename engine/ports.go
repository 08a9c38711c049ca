package engine

import (
	"context"

	"aitbc/engine/bls"
	"aitbc/engine/consensus"
	"aitbc/engine/state"
	"aitbc/engine/types"
	"aitbc/engine/validators"
	"aitbc/gpu"
)

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
	// LoadStaking restores what a pos or hybrid chain keeps besides
	// accounts and claimed jobs (docs/spec.md §13.6, §17), on one
	// consistent snapshot: every stake record (address order), every
	// applied evidence hash (ascending), the supply, and the elected sets
	// (ascending epoch; the newest r.Sets of them when r.Sets > 0). An
	// error from a callback stops the scan and is returned.
	LoadStaking(r StakingRestore) error
	// ValidatorSet is the stored elected set of epoch e ≥ 2 (wrapping
	// ErrNotFound when none is).
	ValidatorSet(e uint64) (*validators.Set, error)
	// AddEvidence records verified evidence of double-signing, durably.
	// It is node-local, not consensus state (nothing in a block or the
	// state root depends on it). Idempotent: evidence whose hash is stored
	// already is not written again, and added is false.
	AddEvidence(ev *types.Evidence) (added bool, err error)
	// EvidenceIncluded is the height of the block that applied the
	// evidence with hash h (wrapping ErrNotFound when none did).
	EvidenceIncluded(h types.Hash) (uint64, error)
	// Evidence lists stored evidence of heights >= fromHeight in ascending
	// order of (height, evidence hash), at most limit pieces (none for
	// limit <= 0).
	Evidence(fromHeight uint64, limit int) ([]*types.Evidence, error)
	Close() error
}

// StakingRestore receives a stored pos or hybrid chain's staking state
// (BlockStore.LoadStaking).
type StakingRestore struct {
	Stake    func(state.StakeRecord) error
	Evidence func(types.Hash) error
	Supply   func(state.Supply) error
	Set      func(epoch uint64, set *validators.Set) error
	// Sets, when > 0, limits Set to the newest Sets elected sets (the
	// node keeps only those in memory, epochs.History.Bound).
	Sets int
}

// BlockSource is the read side of a BlockStore that replaying and serving
// committed blocks needs (the indexer's re-read, reindex, block sync).
type BlockSource interface {
	Head() (uint64, types.Hash, error)
	Block(height uint64) (*types.Block, error)
	CommitCert(height uint64) (*types.CommitCert, error)
}

// Index is the queryable SQL index, written asynchronously behind commits.
// IndexBlocks must be idempotent: re-indexing a height replaces its rows.
type Index interface {
	IndexBlocks(ctx context.Context, blocks []*CommittedBlock) error
	LastIndexedHeight(ctx context.Context) (uint64, error)
	Close() error
}

// Broadcaster publishes what the node did (WebSocket topics).
// Implementations must not block: a slow consumer is dropped, not waited for.
type Broadcaster interface {
	BlockCommitted(cb *CommittedBlock)
	TxAdmitted(tx *types.Tx, hash types.Hash)
	ConsensusEvent(ev Event)
}

// WAL is where a validator writes its own signed proposals and votes,
// durably, before sending them (storage/wal in production, an in-memory
// twin in tests). After a restart the node replays the current height's
// records into the consensus core, so it never signs two different values
// for one slot.
type WAL interface {
	// Write appends records for height and syncs before returning.
	Write(height uint64, records [][]byte) error
	// Records returns what was written for height, in order.
	Records(height uint64) ([][]byte, error)
	// Truncate drops the records of heights below keepFrom.
	Truncate(keepFrom uint64) error
	Close() error
}

// SigVerifier checks Ed25519 signatures (gpu.Batcher in production: the
// GPU or CPU backend behind a batching queue; a synchronous CPU verifier in
// the simulator). Verdicts follow docs/spec.md §12 whatever the backend.
type SigVerifier interface {
	// Verify checks one signature.
	Verify(ctx context.Context, it gpu.Item) (bool, error)
	// VerifyAll checks items together; ok[i] is items[i]'s verdict. An
	// error (gpu.ErrBusy, gpu.ErrClosed, ctx done) means no verdicts.
	VerifyAll(ctx context.Context, items []gpu.Item) ([]bool, error)
	// Backend names the primary backend ("cpu", "cuda").
	Backend() string
}

// Gossip is the peer-to-peer transport (netio/gossip implements it). Every
// method returns at once: it queues the message for the peers' writers or
// drops it (and counts the drop); it never blocks the consensus loop.
type Gossip interface {
	// BroadcastConsensus sends our signed proposals (with their blocks),
	// our votes and the POL votes the core re-sends to every peer:
	// the *consensus.ProposalMsg and *consensus.VoteMsg of Ready.Send.
	BroadcastConsensus(msgs []consensus.Message)
	// RelayConsensus passes on peers' proposals (with their blocks) and
	// votes that the consensus core accepted: signature verified, new to
	// us, of the height being decided or the next. It sends each message
	// at most once, never back to from, and only to peers whose announced
	// head shows they can use it (RelayUseful); a full peer queue drops
	// it (counted). The node calls it for nothing else, so a peer cannot
	// make us forward what we did not verify, and a receiver never has
	// cause to penalize us for what we relay (docs/spec.md §16.8).
	RelayConsensus(from PeerID, msgs []consensus.Message)
	// BroadcastTxs relays admitted txs (at most MaxGossipTxs per call) to
	// every peer except the one each tx came from.
	BroadcastTxs(txs []*types.Tx)
	// BroadcastEvidence sends verified double-sign evidence (at most
	// MaxGossipEvidence pieces per call) to every peer except from, the
	// peer it came from ("" for evidence our own core detected). The node
	// calls it once per piece it newly recorded, so each node relays each
	// piece once and the flood ends (docs/spec.md §16.9).
	BroadcastEvidence(from PeerID, evs []*types.Evidence)
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
	// SetValidators gives the BLS keys of the validators of the set
	// deciding the current height and of the next elected set, if any
	// (sorted, without duplicates); the transport counts a peer proving
	// one of them in its handshake as a validator, with a reserved slot
	// (docs/adr/011). The node calls it at start and whenever the sets it
	// knows change (an election on pos and hybrid chains); the list
	// replaces the last one. The transport keeps its own copy.
	SetValidators(keys []bls.PublicKey)
}

// RelayUseful reports whether a peer whose last announced committed head
// is peerHead can use a relayed consensus message of height h: it is
// deciding h (peerHead = h-1) or buffers h as its next height
// (peerHead = h-2). A peer that committed h has no use for it, and one
// further behind would refuse it as from the future: it needs block sync,
// and would take a relayed message as a claim that we have the blocks in
// between. Every Gossip implementation relays by this one rule.
func RelayUseful(h, peerHead uint64) bool {
	return h > peerHead && h-peerHead <= 2
}

// PeerHandler receives what peers send (implemented by *node.Node; the
// transport calls it from its event loops). Every method returns at once:
// it queues the work for the node's goroutines or drops it when the queue
// is full (peers re-send consensus messages; txs are best effort). A
// non-nil error rejects the message outright (malformed, wrong chain or
// height range); the transport then counts it against the peer as
// Penalize would.
type PeerHandler interface {
	HandleConsensus(peer PeerID, m consensus.Message) error // *consensus.ProposalMsg or *consensus.VoteMsg
	HandleTxs(peer PeerID, txs []*types.Tx) error
	HandleEvidence(peer PeerID, evs []*types.Evidence) error
	HandleStatus(peer PeerID, height uint64, hash types.Hash) error
	HandleBlockRequest(peer PeerID, from uint64, count int) error
	HandleBlocks(peer PeerID, blocks []SyncedBlock) error
}

// NopGossip is the transport of a node with no peers.
type NopGossip struct{}

func (NopGossip) BroadcastConsensus([]consensus.Message)      {}
func (NopGossip) RelayConsensus(PeerID, []consensus.Message)  {}
func (NopGossip) BroadcastTxs([]*types.Tx)                    {}
func (NopGossip) BroadcastEvidence(PeerID, []*types.Evidence) {}
func (NopGossip) BroadcastStatus(uint64, types.Hash)          {}
func (NopGossip) RequestBlocks(PeerID, uint64, int)           {}
func (NopGossip) SendBlocks(PeerID, []SyncedBlock)            {}
func (NopGossip) Penalize(PeerID, error)                      {}
func (NopGossip) SetValidators([]bls.PublicKey)               {}

// NopBroadcaster publishes nothing.
type NopBroadcaster struct{}

func (NopBroadcaster) BlockCommitted(*CommittedBlock)   {}
func (NopBroadcaster) TxAdmitted(*types.Tx, types.Hash) {}
func (NopBroadcaster) ConsensusEvent(Event)             {}
