// Package state is the ledger: accounts (balance, nonce), the set of
// claimed AI compute receipts (job ids, each claimable once), the stake
// records of pos and hybrid chains (bonded, unbonding, jail, tombstone;
// docs/spec.md §13.6), the execution rules of every tx type (TRANSFER,
// RECEIPT_CLAIM; STAKE, UNSTAKE, UNJAIL on pos/hybrid), fees, and the
// state root that block headers commit to (accounts, claims, stakes).
//
// It is a pure core: no I/O, no clocks, no goroutines, and nothing that
// decides a verdict, a balance or a hash depends on map iteration order.
// The rules and the byte-exact state root layout (with a golden vector the
// tests check) are specified in docs/spec.md §13.
//
// # Use
//
// The pipeline restores a State (FromGenesis, then Set for every stored
// account and AddClaimed for every stored job hash), checks Root against
// the head header, and then for each block:
//
//	b := s.BeginAt(header.Proposer, header.Height) // copy-on-write overlay; s is untouched
//	for _, tx := range txs {
//		if err := b.Apply(tx); err != nil { ... } // a failing tx changes nothing
//	}
//	err := b.EndBlock()        // end of block: unbonding releases (pos/hybrid)
//	root := b.Root()           // the root s would have after Commit
//	updates := b.Updates()     // changed accounts, sorted: persist them
//	receipts := b.Receipts()   // claims applied, in order: persist their job hashes
//	err := s.Commit(b)         // merge; fails if s changed since Begin
//
// Several batches may be open at once (building a proposal while
// validating a peer's block); committing one makes the others stale:
// their Apply reports ErrStaleBatch, Root returns the zero hash and Commit
// fails. The hashing work done by Batch.Root is kept and reused by Commit,
// so a block's root is computed once.
//
// # Concurrency
//
// State and Batch are not safe for concurrent use; the pipeline serializes
// calls. One guarantee is given on top: a Batch never writes to its State,
// and neither do Account, Claimed, CheckClaim, MinFee, Params and Len. So batches may be driven
// from other goroutines while the State is only read, provided Set and
// Commit do not overlap them and Root or Begin has run once since the
// last Set or AddClaimed (both defer rehashing to the next Root or Begin).
package state
