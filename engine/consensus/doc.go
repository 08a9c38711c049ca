// Package consensus is the Tendermint BFT core of aitbcd: Algorithm 1 of
// Buchman, Kwon and Milosevic, "The latest gossip on BFT consensus" (2018),
// as a pure state machine in the shape of etcd-raft.
//
// The core does no I/O, starts no goroutines, reads no clock and never
// iterates a map to decide anything. Time is Tick; everything else arrives
// through Step; everything the core wants done comes out of Ready. Votes
// and proposals are BLS-verified inside Step (pure CPU). The same code runs
// a single validator (it proposes, prevotes, precommits and commits its own
// block at once) and a network of up to types.MaxValidators.
//
// # The caller loop
//
// One goroutine owns the Core and runs:
//
//	for {
//		select {
//		case <-ticker.C: // every 10 ms
//			core.Tick()
//		case m := <-inbox: // gossip, the pipeline's BlockBuilt/BlockValidated, block sync
//			if err := core.Step(m); err != nil {
//				// *RejectError: nothing changed (but an equivocation's evidence
//				// joins Ready.Evidence). errors.Is(err, ErrBadSignature),
//				// ErrInvalid or ErrEquivocation may count against the peer.
//			}
//		}
//		if !core.HasReady() {
//			continue
//		}
//		rd := core.Ready()
//		// The one order (engine/node's Machine.handle follows it):
//		wal.Append(rd.Persist); wal.Sync()   // 1. durable BEFORE anything leaves
//		gossip.Broadcast(rd.Send)              // 2. only then send
//		for _, e := range rd.Events { publish(e) }               // 3.
//		for _, ev := range rd.Evidence { store.AddEvidence(ev) } // 4. log, never halt, on error
//		for _, c := range rd.Committed { pipeline.Commit(c) }    // 5. execute if needed, store, publish; then truncate the WAL
//		if rd.BuildBlock != nil { pipeline.Build(rd.BuildBlock) } // 6. answers BlockBuilt (on the new head)
//		for _, b := range rd.Validate { pipeline.Validate(b) }    // 7. answers BlockValidated (skip heights just committed)
//		core.Advance()
//	}
//
// Committed comes before BuildBlock and Validate because a Ready can carry
// both a decision and the next height's requests: the block to build or
// validate extends the block just committed. Answers are Stepped after
// Advance.
//
// Persist before send is what makes the core crash-safe: a signed vote can
// only reach a peer after it is in the WAL. After a restart the caller
// creates the core with New(cfg, set, signer, Start{Height: last committed
// + 1, LastCommit: its certificate}, log) and, before handling the first
// Ready, Steps every message the WAL holds for that height. Each replayed
// vote of our own occupies its (height, round, type) slot, so the core
// never signs a different one there (signVote reuses an existing vote), a
// replayed precommit restores the lock it implied, and a replayed proposal
// cancels the BuildBlock request of its round. The WAL may be truncated
// once a height is committed and stored.
//
// Send is a superset of Persist: it also carries re-sends of messages
// already persisted (while a round is stuck in prevote or precommit the core
// re-sends its own messages every TimeoutPrecommit, since links can lose
// them) and, with a proposal that cites a POL round, the other validators'
// prevotes that justify it. Only Persist goes to the WAL.
//
// Answers (BlockBuilt, BlockValidated) may arrive any number of Ticks
// later; the core keeps going meanwhile (the propose timeout also covers a
// slow builder). An answer to a request the core no longer needs returns
// ErrStale. Messages for the next height are verified and kept until that
// height starts; messages for a later height return ErrFuture, and the
// caller should sync blocks first, feeding each as a CommitMsg.
//
// # Safety rules the code keeps
//
//   - At most one proposal and one vote per (height, round, type) is ever
//     signed: a second signing request for an occupied slot is a no-op.
//   - Thresholds are in voting power: Quorum (more than 2/3) for prevote
//     and precommit quorums and for commits, OneThird (more than 1/3) for
//     skipping to a higher round.
//   - The commit certificate aggregates the precommits of the deciding
//     round into one BLS signature that validators.Set.VerifyCommit checks
//     with a single pairing.
//
// # Evidence
//
// The first message of a slot (a validator's vote of one type, or the
// proposal, in one round of the height) stays; a second, different one
// is verified and rejected with ErrEquivocation, and the pair goes out in
// Ready.Evidence as a *types.Evidence in canonical order, once per slot in
// a height. A conflicting message for the next height is buffered with
// the first and reported when that height starts. Anyone can check a piece
// with VerifyEvidence and the set of its height (docs/spec.md §14.12).
//
// docs/spec.md §14 describes the algorithm as implemented, the messages
// and their sign bytes, the proposer rule and the timeouts.
package consensus
