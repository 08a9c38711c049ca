// Package blockstore is the node's authoritative store: committed blocks,
// their commit certificates, tx locations and the account state, kept in
// Badger v4. *Store implements engine.BlockStore.
//
// # Key layout
//
// Every key starts with a one-byte record kind; integers are big-endian so
// Badger's byte order is numeric order.
//
//	'b' height(8)  → block (types.Block canonical encoding)
//	'c' height(8)  → commit certificate (types.CommitCert encoding)
//	'h' hash(32)   → height(8): the block at this hash
//	't' hash(32)   → location record: version(1) height(8) index(4)
//	'a' address(20)→ account record: version(1) balance(8) nonce(8)
//	'r' job_hash(32)→ location record of the RECEIPT_CLAIM that claimed it
//	'e' height(8) evidence_hash(32) → evidence (types.Evidence canonical encoding)
//	'm' "head"     → head record: version(1) height(8) hash(32) time(8) state_root(32) tx_count(4)
//	'm' "chain"    → chain record: version(1) len(4) chain_id hash(32)
//	'm' "format"   → store format version(4)
//
// Account keys are the raw address, so a prefix scan over 'a' yields the
// state in address order (LoadAccounts); claim keys are the job hash
// (types.ReceiptJobHash), so a scan over 'r' yields the claimed set
// (LoadClaimedJobs) without reading values. Evidence keys put a scan from
// 'e' || height in (height, hash) order (Evidence), and are a function of
// the evidence, so AddEvidence is idempotent. Every value is read back through a
// decoder that accepts only its one canonical form; anything else is a
// *CorruptError (errors.Is ErrCorrupt), never a panic.
//
// # Atomicity: one Badger transaction per block
//
// Commit writes the block, the height-by-hash entry, the certificate, every
// tx location, every account update, every claimed job hash and the head
// record in ONE Badger
// transaction, so a crash leaves either all of a block or none of it: Badger
// replays its write-ahead log on open and drops the entries of any
// transaction whose commit marker did not reach the disk. With SyncWrites
// (the default) the transaction is fsynced before Commit returns.
//
// Badger refuses a transaction larger than 15% of its memtable size
// (ErrTxnTooBig). Rather than splitting a block over several transactions
// (which would need a commit marker and readers that hide data above it,
// and would expose half-applied account state to in-process readers), the
// store sizes the memtable so that any block within the protocol limits
// fits in one transaction: see txnBudget in options.go, which is checked
// against types.MaxBlockTxs, MaxAccountUpdates and MaxReceipts by a test that commits a
// block at those limits. A block beyond the budget is refused whole with
// ErrBlockTooLarge; nothing of it is written.
//
// # Evidence and the format version
//
// Evidence of double-signing (engine.BlockStore.AddEvidence) is a
// node-local record, written in its own small transaction outside Commit:
// it is not part of a block or of the state, and a crash may lose at most
// the evidence being written. Adding the 'e' records did not change any
// existing record, so the format version stays 2: a binary that predates
// them never reads 'e' keys (every scan is by prefix) and opens a directory
// that has some, and this binary opens a directory that has none.
//
// Format 4 gave blocks an evidence section (header version 3,
// evidence_hash): evidence a block carries is stored inside the block's
// own encoding, like its txs; the 'e' records stay the node's own record
// of what it saw, whatever blocks carry.
//
// # Chain identity
//
// CheckChain records the chain id and genesis hash on first use and refuses
// a different chain afterwards, so one data directory can never mix two
// chains. Commit also refuses a block whose chain id differs from the
// recorded one.
//
// # Concurrency
//
// Commits are serialised by the store; reads run concurrently with them on
// Badger snapshots and never observe part of a block. The head is cached in
// memory and updated only after the transaction is durable.
package blockstore
