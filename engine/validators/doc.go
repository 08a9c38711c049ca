// Package validators holds validator sets: who may vote, with what weight,
// who proposes at each (height, round), and how votes, proposals and commit
// certificates are checked against a set.
//
// A Set is immutable once built and safe for concurrent use. Its order is
// the order it was built in (for genesis: the order of g.Authorities);
// validator i of the set is bit i of a commit bitmap and ValidatorIndex i of
// a vote, so every node must build the same set in the same order.
//
// Thresholds are in voting power, never in validator counts: Quorum is the
// smallest power strictly above 2/3 of the total. Proposer rotation is
// the Sainte-Laguë order of the weights (stride scheduling), a pure
// function of the set and (height, round) computed in O(n log n) whatever
// the round; docs/spec.md §14.4 specifies it.
//
// Elect chooses the set of the next epoch on pos and hybrid chains
// (docs/spec.md §17, ADR 012): the top validators by stake (authorities
// first in hybrid, stakers capped to a share of the power), reached from
// the previous set by at most churn_bps of its power per election (at
// least 1, for growth), forced exits first, seats for newcomers bought
// with the smallest exits, the last move partial. Consecutive sets share
// more than 2/3 of the old power. LightClient follows a chain across set changes
// with headers, commit certificates and sets alone.
//
// The package is pure: no I/O, no clocks, no goroutines, no floats, and no
// decision depends on map iteration order.
package validators
