// Package exec is block execution: building our proposals from the
// mempool, validating and executing others' against the committed state,
// the verdict cache of verified signatures, and the one producer of
// engine.CommittedBlock.
//
//   - Ledger is the committed state and the mempool behind one lock, with
//     admission times for the finality-latency histogram. Ingest admits
//     into it, the node loop reaps and commits through it, RPC reads it.
//   - Executor (node loop only) executes a candidate block on a
//     state.Batch and keeps it until the height commits, so the commit
//     applies the batch it validated.
//   - CheckSigs is the one helper that decides which signatures of a set of
//     txs still need checking (not in the VerdictCache) and checks them in
//     one SigVerifier batch; admission, peer batches and block validation
//     all call it.
//   - Committed builds the CommittedBlock of a live commit; Replay
//     re-executes a stored block on a replica state and builds the same
//     value, for the indexer's re-read and for reindex.
package exec
