package node

import (
	"fmt"

	"aitbc/engine"
	"aitbc/engine/types"
)

// A decided block this node does not hold.
//
// Quorum precommits for a block decide it whether or not its body reached
// us: its proposal may never have arrived, or it arrived with a body that
// is not its header's and was refused (exec.CheckBody), so the body kept
// for a hash is always the genuine one. The core then waits (rule 49,
// consensus.Core.MissingDecision) and the node fetches the block by block
// sync: it asks for that height at once, without the one-block grace, a
// peer whose announced head has it, moving to another peer when one does
// not deliver within SyncTimeout (each benched for a while; the Syncer's
// backoff, on the Clock). An answer for the height is stepped in as a
// CommitMsg, so its certificate is verified and its body checked against
// its header before it commits, exactly as any synced block; one whose
// certified hash is not the decided one is a second decision of the
// height, and halts the node (haltConsensus).

// fetchDecided asks block sync for the decided block the core is waiting
// for, if any (owner only; on every housekeeping round).
func (m *Machine) fetchDecided() {
	hash, round, ok := m.core.MissingDecision()
	if !ok {
		return
	}
	h := m.core.Height()
	if m.sync.Need(h) {
		m.log.Info("decided block not held; fetching it from peers", "height", h, "round", round, "block", hash.String())
	}
}

// conflictsWithDecision reports whether a synced block for the height
// being decided is certified for another block than the one a quorum of
// precommits here decided; if its certificate verifies, that is two
// decisions of one height and the node halts (owner only).
func (m *Machine) conflictsWithDecision(peer engine.PeerID, blk *types.Block, cert *types.CommitCert) bool {
	if blk.Header.Height != m.core.Height() {
		return false
	}
	want, _, ok := m.core.MissingDecision()
	if !ok || cert.BlockHash == want {
		return false
	}
	if err := m.setAt(cert.Height).VerifyCommit(m.chainID, cert); err != nil {
		m.penalize(peer, "bad_certificate", err)
		m.sync.Sideline(peer, "bad_block", m.clock.Now())
		return true
	}
	m.haltConsensus(blk.Header.Height, want, fmt.Errorf("a certificate from peer %s decides block %s, but a quorum of precommits here decided %s: more than a third of the voting power signed both", peer, cert.BlockHash, want))
	return true
}
