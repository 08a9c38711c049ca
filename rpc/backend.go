package rpc

import (
	"context"

	"aitbc/engine"
	"aitbc/engine/state"
	"aitbc/engine/types"
	"aitbc/engine/validators"
)

// Backend is what the RPC server needs from the node; node.Node
// implements it, and tests use an in-memory twin.
type Backend interface {
	ChainID() string
	Head() (engine.Head, error)
	// SubmitTx runs stateless checks, the batched signature check and
	// mempool admission; it returns the tx hash or a typed error.
	SubmitTx(ctx context.Context, tx *types.Tx) (types.Hash, error)
	// SubmitTxs admits a batch as SubmitTx would each tx, with one
	// signature batch for all of them; errs[i] is nil when txs[i] was
	// admitted as hashes[i], else the error SubmitTx would have returned.
	SubmitTxs(ctx context.Context, txs []*types.Tx) (hashes []types.Hash, errs []error)
	Account(addr types.Address) (state.Account, error)
	// Block returns the block at height and its commit certificate.
	Block(height uint64) (*types.Block, *types.CommitCert, error)
	// Tx finds a tx in the mempool or the block store (engine.ErrNotFound otherwise).
	Tx(hash types.Hash) (engine.TxInfo, error)
	// MempoolTxs returns up to limit pending txs in priority order, and the totals.
	MempoolTxs(limit int) (txs []*types.Tx, count, bytes int)
	// MinFee is the smallest fee the chain accepts for tx (base_fee + fee_per_byte × size).
	MinFee(tx *types.Tx) uint64
	Status() engine.Status
	// Evidence lists recorded evidence of double-signing of heights >=
	// fromHeight, ascending, at most limit pieces (engine.BlockStore.Evidence).
	Evidence(fromHeight uint64, limit int) ([]*types.Evidence, error)
	// EvidenceIncluded is the height of the block that applied evidence h
	// (engine.ErrNotFound when none did).
	EvidenceIncluded(h types.Hash) (uint64, error)
	// Stake is addr's committed stake record (ok false for an address
	// that never staked, and on poa chains, which keep none).
	Stake(addr types.Address) (rec state.StakeRecord, ok bool)
	// ValidatorsAt is the set that signs height and its epoch
	// (docs/spec.md §17); height 0 means head+1. A height whose set is
	// not known yet wraps engine.ErrNotFound.
	ValidatorsAt(height uint64) (set *validators.Set, epoch uint64, err error)
	// Staking is the chain's consensus mode (poa, pos or hybrid) and
	// epoch_length.
	Staking() (mode string, epochLength uint64)
}
