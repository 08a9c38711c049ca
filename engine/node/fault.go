package node

import "aitbc/engine"

// Commit steps at which a FaultHook is called, in order.
const (
	FaultBeforeStore  = "before-store"  // block executed, nothing durable yet
	FaultAfterStore   = "after-store"   // block durable, state not yet applied in memory
	FaultAfterApply   = "after-apply"   // state and mempool updated, head not yet advanced or published
	FaultAfterPublish = "after-publish" // head advanced, block published and queued for the index
)

// FaultSteps lists the commit steps in order.
var FaultSteps = []string{FaultBeforeStore, FaultAfterStore, FaultAfterApply, FaultAfterPublish}

// FaultHook is called at each commit step with the block being committed;
// crash tests use it to kill the process at a precise point. Production
// nodes set none.
type FaultHook func(step string, cb *engine.CommittedBlock)

func (m *Machine) faultAt(step string, cb *engine.CommittedBlock) {
	if m.fault != nil {
		m.fault(step, cb)
	}
}
