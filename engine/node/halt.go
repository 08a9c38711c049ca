package node

import (
	"errors"

	"aitbc/engine"
	"aitbc/engine/types"
)

// errHalted is what commit returns after halting consensus: the Ready is
// abandoned, but the node is not failed (it keeps serving).
var errHalted = errors.New("consensus halted")

// haltConsensus stops this node deciding blocks at height, for good (until
// an operator restarts it): a block that a quorum decided, hash, fails
// validation here, or two certificates decide different blocks. Either
// takes more than a third of the voting power faulty, or a bug of ours;
// signing on (voting at the next height on top of a state we could not
// compute) could help a fork, and exiting would take the node's RPC,
// metrics and block store away from the operator who must look into it.
// So the core is no longer stepped or ticked, nothing more is signed or
// committed, and the node keeps serving reads, block requests and
// metrics; Status reports the halt (once, the first reason wins).
func (m *Machine) haltConsensus(height uint64, hash types.Hash, reason error) {
	if !m.halt.CompareAndSwap(nil, &engine.Halt{Height: height, Hash: hash, Reason: reason.Error()}) {
		return
	}
	m.m.ConsensusHalted.Set(1)
	m.log.Error("consensus halted: a decided block cannot be applied; this node signs nothing more",
		"height", height, "block", hash.String(), "err", reason)
}

// halted reports whether consensus stopped (haltConsensus).
func (m *Machine) halted() bool { return m.halt.Load() != nil }
