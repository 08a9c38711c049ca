// Package engine is the node's pipeline: it drives the pure cores
// (consensus, state, mempool) and owns the goroutines and bounded queues
// between them, and it declares the ports (BlockStore, Index, Broadcaster,
// Clock) through which it reaches disk and network. cmd/aitbcd wires real
// implementations into those ports; tests wire the in-memory twins
// (NewMemStore) instead.
//
// The flow of a transaction:
//
//	SubmitTx → ValidateBasic → gpu.Batcher (signature) → mempool
//	consensus Ready.BuildBlock → Reap + execute (state.Batch) → BlockBuilt
//	consensus Ready.Committed  → BlockStore.Commit (atomic, fsync)
//	                           → state.Commit, mempool.Update
//	                           → Broadcaster (WS topics), Index (async, batched)
//
// One goroutine (the loop) owns the consensus core and every mutation of
// state and mempool; readers (RPC) take a read lock. Signature checks run
// on the caller's goroutine through the batcher, so many concurrent
// submissions coalesce into one batch. Verdicts are cached by tx hash, so a
// tx checked on admission is not checked again when its block is validated.
package engine
