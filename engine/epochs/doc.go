// Package epochs keeps a chain's validator sets by epoch and runs the
// election that changes them (docs/spec.md §17).
//
// With L = epoch_length, epoch e is heights e·L+1 … (e+1)·L. Epochs 0 and
// 1 are decided by the genesis set; after committing height e·L (e ≥ 1) a
// pos or hybrid chain elects the set of epoch e+1 from the stake records
// of the state after that height, with the set of epoch e as the previous
// set, so every set is known a whole epoch before it signs.
//
// A History is pure: the node asks Due after executing a block, calls
// Elect with the block's post-state stake records (state.Batch.Stakes),
// persists the result with the block, and then Installs it. At answers
// "which set signs this height" for every certificate check
// (node.Deps.SetAt). The node's owner goroutine elects and installs; At,
// Epoch and Known are safe from any goroutine (the RPC read side), and
// sets are immutable.
//
// Memory stays flat as epochs pass: the node Bounds its History to
// MinKept sets (every set a consensus check can ask for: the heights
// being decided and evidence up to params.max_evidence_age old) with the
// store's ValidatorSet as the Loader for older ones, which only the read
// side asks for (get_validators of an old height); at start it Installs
// only the newest MinKept stored sets (engine.StakingRestore.Sets). An
// unbounded History (no Bound: the indexer's replay, the simulator's
// replica) keeps every set.
package epochs
