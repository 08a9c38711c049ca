// Package blocksync is how a node that fell behind catches up: the
// PeerTable of heads peers announced (bounded, aging, deterministic in its
// choices), the Syncer that decides when to ask which peer for which
// blocks and when to announce our own head, and Serve, which answers a
// peer's block request from the block store.
//
// The node loop owns the Syncer and passes the time in. It announces our
// head after commits and every StatusInterval. When a live peer's head is
// ahead of ours (by two blocks, or by one for longer than SyncGrace), the
// Syncer asks that peer for up to engine.MaxSyncBlocks blocks; one request
// is in flight at a time. A height the node knows is decided (Need) is
// asked for at once. Answers are checked against the request (Answered):
// blocks nobody asked for are refused (ErrUnsolicited), and a peer that
// times out, answers with nothing, or short of what it claimed, is
// sidelined for SyncBackoff, not banned. Applying an answer (each block's
// body checked against its header, then stepped into consensus as a
// CommitMsg, whose certificate the core verifies against the set of its
// height, docs/spec.md §14.7) is the node loop's job: nothing here
// verifies a certificate.
package blocksync
