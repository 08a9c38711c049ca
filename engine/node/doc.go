// Package node is the node loop: the pipeline around the consensus core
// that turns its Ready into WAL writes, broadcasts, executed and committed
// blocks, evidence records and events, and feeds peers' messages and the
// pipeline's answers back in.
//
// Machine is the node without goroutines, driven by calls from one owner
// goroutine: Init once, then Tick every Config.TickInterval, Housekeep
// every blocksync.HousekeepInterval, and the engine.PeerHandler methods,
// which check a peer's message and handle it at once. engine/sim drives
// Machines directly from its event queue. Node is a Machine run by
// goroutines: one loop owns the Machine and is woken by the Clock's
// tickers and by bounded queues that the transport's PeerHandler calls
// fill (a full queue drops and counts: validators re-send consensus
// messages, txs are best effort); peer tx workers, one block server, the
// relay batcher (ingest.Relay) and the indexer run beside it.
//
// A decided block is applied in memory at once and written to the block
// store by a BlockWriter: in place by default, beside the next height
// with Config.WriteBehind (Node's writer runs on a goroutine and wakes the
// loop, which calls Written) or Deps.Writer (the simulator's disk). It is
// published (block sync, events, index, WAL truncation) once durable. A
// validator's first WAL write above a block still being written carries
// it as a parent record, which restore commits after a crash (write.go,
// docs/spec.md §14.9, ADR 014).
//
// Files: machine.go (restore, Init/Tick/Housekeep, Stop), ready.go (one
// Ready, in the order consensus/doc.go documents; commit and apply),
// write.go (the block writer, publishing), peers.go (checks of peers'
// messages, applying block-sync answers, serving blocks), node.go (the
// goroutines and queues), wal.go (own votes written before they leave,
// with a parent record when needed, replayed after a restart), fetch.go
// (a decided block this node lacks, fetched by block sync), halt.go
// (consensus halted at a height, the node still serving), evidence.go,
// read.go (the RPC read side, safe from any goroutine), fault.go
// (crash-test hooks), config.go.
//
// Peer input: a proposal whose body does not match its header, or any
// malformed message, is refused as engine.ErrBadPeerMessage (the transport
// counts it against the peer); a fresh proposal outside the block time
// rule's window is prevoted nil at once, without penalty (exec.Timely,
// consensus.ProposalMsg.Untimely); a rejected
// consensus message penalizes the peer for a bad signature or an invalid
// message, not for another validator's equivocation (the evidence names
// the signer); ErrFuture starts block sync; a block-sync answer we did not
// ask for is refused (blocksync.ErrUnsolicited) and penalized. A peer's
// double-sign evidence (HandleEvidence, evidence.go) is verified on the
// loop against the set of its height: a valid piece is recorded and, if
// new, relayed once to every other peer; a forged one penalizes the
// sender; one beyond head+2 or older than max_evidence_age is dropped
// without penalty (docs/spec.md §16.9). Evidence our own core detects is
// recorded and sent to every peer.
//
// Fatal errors (a WAL or block-store write that fails, a panic in the
// loop) stop the Machine: Err reports them. A decided block that fails
// validation here is not one of them: it halts consensus only
// (haltConsensus), and the node goes on serving (docs/spec.md §14.8).
package node
