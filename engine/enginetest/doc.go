// Package enginetest holds the in-memory twins of the engine's ports and
// the pieces of a deterministic simulation, for any package's tests:
//
//   - MemStore and MemWAL: the block store and WAL in memory (encoded, so
//     what a test reads back went through the codec);
//   - FaultStore and FaultWAL: wrappers that fail chosen calls;
//   - SimClock (an engine.Clock whose timers fire as a test moves time)
//     and OffsetClock (a node whose clock is wrong);
//   - Sched, a discrete-event scheduler on a SimClock, and Net, the gossip
//     transport's twin on a Sched, with seeded latency, loss, duplication,
//     reordering and partitions, relaying consensus messages by the
//     transport's rule (engine.RelayUseful);
//   - SyncVerifier, the CPU signature rule with no goroutines.
//
// engine/sim builds its cluster from these. Nothing here is used by
// production code.
package enginetest
