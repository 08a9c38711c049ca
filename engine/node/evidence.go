package node

import (
	"aitbc/engine"
	"aitbc/engine/types"
)

// recordEvidence stores and publishes one piece of evidence from the core
// (loop only). Evidence is not consensus state: a store failure is logged
// and counted, and the node goes on.
func (m *Machine) recordEvidence(ev *types.Evidence) {
	hash := ev.Hash()
	log := m.log.With("height", ev.Height(), "round", ev.Round(), "validator", ev.Validator.String(),
		"validator_index", ev.ValidatorIndex, "step", ev.Step(), "evidence", hash.String())
	added, err := m.store.AddEvidence(ev)
	if err != nil {
		m.m.EvidenceStoreErrors.Inc()
		log.Error("cannot store evidence of double-signing", "err", err)
		return
	}
	if !added { // seen again after a restart: recorded, counted and published already
		log.Debug("evidence of double-signing already recorded")
		return
	}
	m.m.EvidenceRecorded.Inc()
	log.Warn("validator signed two conflicting messages; evidence recorded")
	m.publish.ConsensusEvent(engine.Event{Kind: engine.EventEvidence, Height: ev.Height(), Round: ev.Round(), Step: ev.Step(),
		Time: m.clock.Now(), Validator: ev.Validator, EvidenceHash: hash})
}
