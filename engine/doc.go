// Package engine is the vocabulary the node's edges share: the ports
// through which the engine reaches disk, network and time (BlockStore,
// BlockSource, Index, WAL, Gossip, PeerHandler, Broadcaster, Clock,
// SigVerifier), the data types that cross them (CommittedBlock,
// SyncedBlock, PeerID, Head, TxInfo, Status, Event) and the errors
// (errors.go). storage, rpc, netio and cmd import this package and nothing
// below it except node, which cmd/aitbcd wires; this package imports no
// engine job.
//
// The jobs live in subpackages, one job each:
//
//	consensus   the pure Tendermint-style core: messages and ticks in, Ready out
//	state       accounts, receipts, the state root; block execution on a Batch
//	mempool     pending txs, ordered by fee and nonce
//	validators  the validator set, proposer rotation, vote and commit checks
//	types       txs, blocks, votes, evidence, genesis and their codecs
//	exec        building and validating blocks, the verdict cache, CheckSigs,
//	            Ledger (state + mempool), the one CommittedBlock producer
//	ingest      tx admission (RPC and peers) and the tx relay batcher
//	blocksync   the peer table, catching up from peers, serving blocks
//	indexer     the SQL index writer, replay of stored blocks, reindex
//	metrics     the engine's Prometheus instruments
//	node        Machine (the pipeline around the core, driven by calls) and
//	            Node (a Machine with goroutines, queues and tickers)
//	enginetest  in-memory twins: MemStore, MemWAL, SimClock, Sched, Net, faults
//	sim         the deterministic, seeded cluster simulator
//
// Time: every read of time in engine/... goes through the injected Clock;
// WallClock (clock.go) is the only code that reads the wall clock, and
// TestOnlyTheClockReadsWallTime fails if another file does.
//
// The flow of a transaction:
//
//	SubmitTx (RPC) or HandleTxs (peers) → ingest: ValidateBasic → exec.CheckSigs (SigVerifier) → Ledger.Admit
//	                                   → ingest.Relay → Gossip.BroadcastTxs
//	consensus Ready.BuildBlock → exec.Executor.Build (reap + execute on a state.Batch) → BlockBuilt
//	consensus Ready.Committed  → exec.Committed → BlockStore.Commit (atomic, fsync)
//	                           → Ledger.Commit (state, mempool) → Broadcaster, indexer (async)
//	                           → blocksync: Gossip.BroadcastStatus
//	consensus Ready.Evidence   → BlockStore.AddEvidence (a failure is logged and
//	                             counted, never fatal) → Broadcaster ("evidence" event)
package engine
