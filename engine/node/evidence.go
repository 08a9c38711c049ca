package node

import (
	"fmt"

	"aitbc/engine"
	"aitbc/engine/consensus"
	"aitbc/engine/types"
)

// Bounds of evidence gossip that are not worth a config knob.
const (
	// evidenceQueue is how many peers' evidence messages may wait for the
	// loop: a double signing is rare, and each peer relays a piece once,
	// so a full queue means a flood, which is dropped (counted).
	evidenceQueue = 16
	// evidenceSeen is how many verified evidence hashes the loop
	// remembers, so a piece that comes back from every peer is paired
	// once: far more than the pieces of max_evidence_age blocks.
	evidenceSeen = 4096
)

// recordEvidence stores and publishes one verified piece of evidence (loop
// only) and reports whether it was new to the store. Evidence is not
// consensus state: a store failure is logged and counted, and the node
// goes on.
func (m *Machine) recordEvidence(ev *types.Evidence) (added bool) {
	hash := ev.Hash()
	log := m.log.With("height", ev.Height(), "round", ev.Round(), "validator", ev.Validator.String(),
		"validator_index", ev.ValidatorIndex, "step", ev.Step(), "evidence", hash.String())
	added, err := m.store.AddEvidence(ev)
	if err != nil {
		m.m.EvidenceStoreErrors.Inc()
		log.Error("cannot store evidence of double-signing", "err", err)
		return false
	}
	m.evSeen.Add(hash)
	if !added { // seen again after a restart, or from a peer: recorded, counted and published already
		log.Debug("evidence of double-signing already recorded")
		return false
	}
	m.m.EvidenceRecorded.Inc()
	log.Warn("validator signed two conflicting messages; evidence recorded")
	m.publish.ConsensusEvent(engine.Event{Kind: engine.EventEvidence, Height: ev.Height(), Round: ev.Round(), Step: ev.Step(),
		Time: m.clock.Now(), Validator: ev.Validator, EvidenceHash: hash})
	return true
}

// recordOwnEvidence records evidence our core detected and, if it is new,
// sends it to every peer: the conflicting messages may have reached only
// us (docs/spec.md §16.9).
func (m *Machine) recordOwnEvidence(ev *types.Evidence) {
	if m.recordEvidence(ev) {
		m.gossip.BroadcastEvidence("", []*types.Evidence{ev})
	}
}

// checkEvidence checks the shape of a peer's evidence message.
func (m *Machine) checkEvidence(evs []*types.Evidence) error {
	m.m.PeerMessages.WithLabelValues("evidence").Inc()
	if len(evs) == 0 || len(evs) > engine.MaxGossipEvidence {
		return badPeerMsg("%d pieces of evidence in one message, want 1..%d", len(evs), engine.MaxGossipEvidence)
	}
	for i, ev := range evs {
		if ev == nil {
			return badPeerMsg("evidence %d is nil", i)
		}
	}
	return nil
}

// takeEvidence verifies a peer's evidence, records each valid piece and
// relays the new ones to every other peer (loop only). A piece we know is
// skipped before its pairing checks; one for a height whose set we may
// not know yet (beyond head+2, as Deps.SetAt documents) or older than
// max_evidence_age behind our head (no proposal could carry it) is dropped
// without penalty: an honest peer ahead of us or behind us sends those.
// A piece that fails verification against its height's set penalizes the
// sender: the transport relays only what its node verified.
func (m *Machine) takeEvidence(peer engine.PeerID, evs []*types.Evidence) {
	head := m.head.Load().Height
	age := m.ledger.Params().PoS().MaxEvidenceAge
	for _, ev := range evs {
		if m.stopped() {
			return
		}
		h := ev.Height()
		if m.evSeen.Has(ev.Hash()) {
			m.m.EvidenceReceived.WithLabelValues("known").Inc()
			continue
		}
		if out := evidenceWindow(h, head, age); out != "" {
			m.m.EvidenceReceived.WithLabelValues(out).Inc()
			continue
		}
		if err := consensus.VerifyEvidence(m.chainID, m.setAt(h), ev); err != nil {
			m.m.EvidenceReceived.WithLabelValues("invalid").Inc()
			m.penalize(peer, "bad_evidence", fmt.Errorf("%w: %w", engine.ErrBadPeerMessage, err))
			continue
		}
		if m.recordEvidence(ev) {
			m.m.EvidenceReceived.WithLabelValues("relayed").Inc()
			m.gossip.BroadcastEvidence(peer, []*types.Evidence{ev})
		} else if m.evSeen.Has(ev.Hash()) {
			m.m.EvidenceReceived.WithLabelValues("known").Inc()
		} else {
			m.m.EvidenceReceived.WithLabelValues("unstored").Inc()
		}
	}
}

// evidenceWindow says why a peer's evidence of height h is dropped
// unchecked with our head at head and max_evidence_age age: "future"
// beyond head+2 (the heights whose set setAt answers for), "stale" when
// no block from head+1 on may include it any more (h + age <= head); ""
// when it is checked. Neither is the sender's fault: a peer ahead of us
// or behind us sends these honestly, so neither is penalized.
func evidenceWindow(h, head, age uint64) string {
	switch {
	case h > head+2:
		return "future"
	case h+age <= head:
		return "stale"
	}
	return ""
}
