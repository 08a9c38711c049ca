// Package mempool holds pending transactions between admission and
// inclusion in a block: per-sender nonce queues, fee priority, replacement,
// eviction and hard bounds on count and bytes.
//
// Only pre-verified txs enter: the caller guarantees that tx.ValidateBasic
// passed and the signature verified, and passes the tx hash, the sender's
// committed account and the chain's minimum fee for the tx. The pool then
// checks everything that depends on its own contents and the committed
// account (docs/spec.md §13 lists the rules in order).
//
// It is a pure core: no I/O, no clocks, no goroutines. Every result that
// leaves the pool (Reap, Txs, the choice of a tx to evict) is ordered by
// fee and then by tx hash, never by map iteration order, so two nodes with
// the same pending set reap the same block.
//
// A Mempool is not safe for concurrent use; the pipeline serializes calls.
// Txs passed to Add are kept by pointer and must not be modified.
package mempool
