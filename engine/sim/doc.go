// Package sim is the deterministic cluster simulator: N full nodes
// (node.Machine, each with its own in-memory store and WAL) on one
// discrete-event queue (enginetest.Sched), talking through the gossip
// twin (enginetest.Net) with seeded latency, loss, duplication and
// reordering, while the seed also draws partitions, crash-restarts and
// clock offsets. Nothing in a run reads the wall clock or starts a
// goroutine, so a run is a function of its Config: the same seed gives
// the same trace hash, and a failing seed replays exactly
// (`make sim SEED=S`).
//
// Each run checks agreement, validity, no-final-tx-lost and liveness
// (Cluster.Run documents them) and reports every violation in its Result.
// Config.Byzantine gives chosen nodes a Behaviour that rewrites what they
// send, the hook byzantine-fault tests build on; the properties then hold
// for the honest nodes only.
//
// cmd/aitbc-sim runs seeds from the command line; the package's tests run
// a few hundred in `make test` and the multi-node scenarios of the engine
// (catch-up after a partition or a restart, evidence of double-signing).
package sim
