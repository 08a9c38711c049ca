package engine

import "aitbc/engine/types"

// recordEvidence stores and publishes one piece of evidence from the core
// (loop only). Evidence is not consensus state: a store failure is logged
// and counted, and the node goes on.
func (n *Node) recordEvidence(ev *types.Evidence) {
	hash := ev.Hash()
	log := n.log.With("height", ev.Height(), "round", ev.Round(), "validator", ev.Validator.String(),
		"validator_index", ev.ValidatorIndex, "step", ev.Step(), "evidence", hash.String())
	added, err := n.store.AddEvidence(ev)
	if err != nil {
		n.m.EvidenceStoreErrors.Inc()
		log.Error("cannot store evidence of double-signing", "err", err)
		return
	}
	if !added { // seen again after a restart: recorded, counted and published already
		log.Debug("evidence of double-signing already recorded")
		return
	}
	n.m.EvidenceRecorded.Inc()
	log.Warn("validator signed two conflicting messages; evidence recorded")
	n.publish.ConsensusEvent(Event{Kind: "evidence", Height: ev.Height(), Round: ev.Round(), Step: ev.Step(),
		Time: n.clock.Now(), Validator: ev.Validator, EvidenceHash: hash})
}

// Evidence lists the recorded evidence of double-signing of heights >=
// fromHeight, ascending, at most limit pieces (GET /rpc/get_evidence).
func (n *Node) Evidence(fromHeight uint64, limit int) ([]*types.Evidence, error) {
	return n.store.Evidence(fromHeight, limit)
}
