// Package gossiptest holds what the tests of netio/gossip and
// netio/gossip/noise share: the test chain, deterministic node keys, and
// the worked examples of docs/spec.md §16 (SpecVectors), which each
// package checks against its own code.
//
// It is imported by _test.go files only: a test takes node keys from
// NodeKey(i), the chain from ChainID and Genesis, a validator list from
// ValidatorSet, and checks the vectors it owns (NoiseVector tells the
// Noise layer's from the frame codec's) with CheckVectors against what
// its own encoders write.
package gossiptest
