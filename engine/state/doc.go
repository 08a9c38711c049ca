// Package state is the ledger: accounts (balance, nonce), the set of
// claimed AI compute receipts (job ids, each claimable once), the stake
// records of pos and hybrid chains (bonded, unbonding, jail, tombstone,
// downtime window; docs/spec.md §13.6), the execution rules of every tx
// type (TRANSFER, RECEIPT_CLAIM; STAKE, UNSTAKE, UNJAIL on pos/hybrid),
// the end of a block (fees and block reward to the last commit's signers,
// unbonding release, downtime jail), slashing and double-sign evidence,
// the supply (minted, slashed), and the state root that block headers
// commit to (accounts and claims; on pos/hybrid also stakes, evidence and
// supply).
//
// It is a pure core: no I/O, no clocks, no goroutines, and nothing that
// decides a verdict, a balance or a hash depends on map iteration order.
// The rules and the byte-exact state root layout (with a golden vector the
// tests check) are specified in docs/spec.md §13.
//
// # Use
//
// The pipeline restores a State (FromGenesis, then Set for every stored
// account, AddClaimed for every stored job hash, and on pos/hybrid chains
// SetStake, AddEvidence and SetSupply), checks Root against the head
// header, and then for each block:
//
//	b := s.Begin(state.BlockInfo{Height: h, Proposer: p, Signers: lastCommitSigners, Expected: parentSet})
//	for _, tx := range txs {
//		if err := b.Apply(tx); err != nil { ... } // a failing tx changes nothing
//	}
//	// b.ApplyEvidence(hash, offender, height) for each piece of verified evidence
//	err := b.End()             // once: pay the fee pot and block reward, release unbonding, record downtime
//	root := b.Root()           // the root s would have after Commit
//	updates := b.Updates()     // changed accounts, sorted: persist them
//	receipts := b.Receipts()   // claims applied, in order: persist their job hashes
//	stakes := b.StakeUpdates() // changed stake records, sorted (and EvidenceUpdates, Supply)
//	err := s.Commit(b)         // merge; fails if s changed since Begin or End did not run
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
// and neither do Account, Claimed, CheckClaim, MinFee, Params, Len, Stake,
// Stakes, Supply and EvidenceApplied. So batches may be driven
// from other goroutines while the State is only read, provided Set and
// Commit do not overlap them and Root or Begin has run once since the
// last Set or AddClaimed (both defer rehashing to the next Root or Begin);
// SetStake, AddEvidence and SetSupply must not overlap them either.
package state
