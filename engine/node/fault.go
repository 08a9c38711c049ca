package node

import "aitbc/engine"

// Commit steps at which a FaultHook is called, in order.
const (
	FaultBeforeStore  = "before-store"   // block executed, nothing applied or durable yet
	FaultAfterApply   = "after-apply"    // state, mempool and next set applied in memory; the write not begun
	FaultAheadOfStore = "ahead-of-store" // the next height's first own messages and this block's parent record are in the WAL, the block not durable, nothing sent
	FaultAfterStore   = "after-store"    // block durable, not yet published
	FaultAfterPublish = "after-publish"  // head advanced, block published and queued for the index, WAL truncated
)

// FaultSteps lists the commit steps in order. FaultAheadOfStore is
// reached only when the next height signs before the write is done
// (write.go).
var FaultSteps = []string{FaultBeforeStore, FaultAfterApply, FaultAheadOfStore, FaultAfterStore, FaultAfterPublish}

// FaultHook is called at each commit step with the block being committed;
// crash tests use it to kill the process at a precise point. Production
// nodes set none.
type FaultHook func(step string, cb *engine.CommittedBlock)

func (m *Machine) faultAt(step string, cb *engine.CommittedBlock) {
	if m.fault != nil {
		m.fault(step, cb)
	}
}
