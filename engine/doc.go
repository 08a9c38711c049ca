// Package engine is the node's pipeline: it drives the pure cores
// (consensus, state, mempool) and owns the goroutines and bounded queues
// between them, and it declares the ports (BlockStore, Index, Broadcaster,
// Clock, Gossip) through which it reaches disk and network. cmd/aitbcd wires
// real implementations into those ports; tests wire the in-memory twins
// (NewMemStore, NewMemWAL, and a hub of Gossip twins) instead.
//
// The flow of a transaction:
//
//	SubmitTx (RPC) or HandleTxs (peers) → ValidateBasic → gpu.Batcher (signature) → mempool
//	                                   → relay batch → Gossip.BroadcastTxs
//	consensus Ready.BuildBlock → Reap + execute (state.Batch) → BlockBuilt
//	consensus Ready.Committed  → BlockStore.Commit (atomic, fsync)
//	                           → state.Commit, mempool.Update
//	                           → Broadcaster (WS topics), Index (async, batched)
//	                           → Gossip.BroadcastStatus
//	consensus Ready.Evidence   → BlockStore.AddEvidence (a failure is logged and
//	                             counted, never fatal) → Broadcaster ("evidence" event)
//
// # Peers
//
// With a Gossip transport (Deps.Gossip) the Node is also the transport's
// PeerHandler. Every Handle* method returns at once: it runs the checks
// that need no state (nil fields, chain id, limits, height order; a failure
// is an error wrapping ErrBadPeerMessage, which the transport counts against
// the peer) and hands the message to a bounded queue, dropping it (and
// counting aitbc_peer_queue_drops_total) when the queue is full:
//
//   - proposals and votes go to the loop's inbox and are Stepped into the
//     core. A rejection for a bad signature, an invalid message or an
//     equivocation calls Gossip.Penalize (the core also emits the verified
//     pair as evidence, which the node stores and serves through
//     Node.Evidence); ErrFuture (the peer is deciding a
//     later height) starts block sync; stale and duplicate messages are
//     ignored. Validators re-send their messages while a round is stuck, so
//     a dropped one is not lost for good.
//   - tx batches go to a small pool of workers that run SubmitTx's
//     admission with the whole batch's signatures in one batcher call; a tx
//     failing a signature or a stateless rule penalizes the peer, while
//     nonce, fee, funds and duplicate rejections are normal traffic.
//     Admitted txs, from RPC or peers, are relayed in batches of up to
//     MaxGossipTxs, at most Config.TxRelayInterval after admission, by one
//     goroutine, never under the mempool lock.
//   - block requests go to one block server goroutine, which answers from
//     the BlockStore (blocks with their certificates, up to our head and
//     short of 16 MiB) with Gossip.SendBlocks.
//   - statuses (a peer's committed head) update a bounded, aging peer table.
//
// Block sync: the loop announces our head after commits and every
// Config.StatusInterval. When a live peer's head is ahead of ours (by two
// blocks, or by one for longer than Config.SyncGrace), the loop asks that
// peer for up to MaxSyncBlocks blocks; one request is in flight at a time,
// and one unanswered for Config.SyncTimeout is abandoned and its peer passed
// over for Config.SyncBackoff. An answer (HandleBlocks) is applied by the
// loop in height order: each block's txs and last commit are checked against
// its header, then it is Stepped as a consensus.CommitMsg (the core checks
// the certificate) and the Ready it produces is drained, so each block is
// stored before the next is stepped. A block that fails these checks ends
// the batch and penalizes the peer. If the answer ends below the peer's
// head, the next range is requested at once.
//
// # Ordering and threading
//
// One goroutine (the loop) owns the consensus core and every mutation of
// state and mempool; it selects on the consensus ticker, the peer inbox,
// block-sync answers and a housekeeping ticker. For every Ready it writes
// Ready.Persist to the WAL (synced) before Ready.Send goes to
// Gossip.BroadcastConsensus, so no signed vote leaves before it is durable;
// it commits Ready.Committed in height order, each stored before the next.
// Peer messages are Stepped in the order they left the transport's queue;
// the loop never blocks on the transport (Gossip methods return at once).
// Readers (RPC) take a read lock. Signature checks of submitted txs run on
// the caller's goroutine (RPC) or a peer tx worker through the batcher, so
// many concurrent submissions coalesce into one batch. Verdicts are cached
// by tx hash, so a tx checked on admission is not checked again when its
// block is validated. Block-sync and status timing use the wall clock: they
// decide which peer to ask and when, never what is committed.
//
// Stop ends the loop and the peer goroutines and waits for them; it leaves
// the BlockStore, WAL, batcher and transport to the caller.
package engine
