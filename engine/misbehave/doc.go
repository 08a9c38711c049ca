// Package misbehave is the catalogue of byzantine behaviours: each mode is
// a pure transform of the consensus messages one validator sends, signed
// with its real key, so only the protocol's rules (not signature checks)
// can stop it. One implementation serves two drivers: the deterministic
// simulator (engine/sim adapts Modes to its Cluster) and the byzantine
// build of the node (cmd/aitbcd, -tags byzantine), which wraps the node's
// gossip port with a Mode and so misbehaves over real sockets.
//
// A Mode sees each message the honest node would send and returns an Out:
// what goes to every peer, and what goes to each half of the peers (by
// peer index parity), for the modes that tell different peers different
// things (equivocate-proposals, bad-body). State a mode keeps (the ring
// of past messages replay-old re-sends, invalid-block's alternation) lives
// in the Env, whose randomness is seeded by the caller, so a simulator run
// stays a function of its seed.
//
// clock-skew is not a transform: it names an honest node whose clock is
// off; Parse returns its offset and the caller wires a skewed Clock
// (Skewed).
//
// The normal node binary links none of this package (checked by
// cmd/aitbcd's TestNormalBuildLinksNoMisbehave).
package misbehave
