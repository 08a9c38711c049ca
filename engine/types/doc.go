// Package types defines the chain's data model — Tx, Header, Block, Vote,
// Proposal, CommitCert, Evidence (of double-signing), Address, Hash and
// Genesis — together with their canonical binary encoding and the hashes
// derived from it.
//
// Every value has exactly one valid encoding: Decode followed by Encode is
// byte-identical, and any other byte string (trailing bytes, unknown
// versions or enum values, non-zero padding, lengths over the limits) is
// rejected with a *DecodeError. The byte layout, hash rules and golden test
// vectors are specified in docs/spec.md; the tests in this package check
// those vectors.
//
// The package is pure: no I/O, no clocks, no goroutines.
package types
