package node

import (
	"errors"
	"fmt"

	"aitbc/engine"
	"aitbc/engine/consensus"
	"aitbc/engine/exec"
	"aitbc/engine/types"
)

// drain processes every Ready the core has, feeding the pipeline's answers
// (built and validated blocks) back after Advance.
func (m *Machine) drain() {
	for !m.stopped() && !m.halted() && m.core.HasReady() {
		rd := m.core.Ready()
		follow := m.handle(rd)
		m.core.Advance()
		for _, msg := range follow {
			if err := m.core.Step(msg); err != nil {
				m.log.Warn("consensus rejected pipeline message", "err", err)
			}
		}
	}
}

// handle carries out one Ready in the order consensus/doc.go documents:
// Persist, Send, Events, Evidence, Committed, BuildBlock, Validate. It
// returns the pipeline's answers for the core.
func (m *Machine) handle(rd consensus.Ready) []consensus.Message {
	// Persist before anything leaves: a crash after this point replays
	// our votes instead of signing new ones.
	if err := m.persist(rd.Persist); err != nil {
		m.fail(fmt.Errorf("write WAL: %w", err))
		return nil
	}
	// Only now may our signed messages leave.
	if k := len(rd.Send); k > 0 {
		if m.peered {
			m.gossip.BroadcastConsensus(rd.Send)
			m.m.ConsensusSent.Add(float64(k))
		} else {
			m.m.ConsensusMessages.Add(float64(k))
		}
	}
	for _, ev := range rd.Events {
		m.publish.ConsensusEvent(engine.Event{Kind: engine.EventStep, Height: ev.Height, Round: ev.Round, Step: ev.Step, Time: m.clock.Now()})
	}
	for _, ev := range rd.Evidence {
		m.recordOwnEvidence(ev)
	}
	for _, c := range rd.Committed {
		if err := m.commit(c); err != nil {
			if !errors.Is(err, errHalted) {
				m.fail(err)
			}
			return nil
		}
	}
	var follow []consensus.Message
	if req := rd.BuildBlock; req != nil {
		blk := m.exec.Build(req, *m.head.Load(), m.clock.Now())
		follow = append(follow, &consensus.BlockBuilt{Height: req.Height, Round: req.Round, Block: blk})
	}
	for _, blk := range rd.Validate {
		head := *m.head.Load()
		if blk.Header.Height <= head.Height {
			// Decided in this same Ready (its precommits came with it, or a
			// certificate did): committed above, nothing left to answer.
			continue
		}
		ctx, cancel := m.verifyCtx()
		err := m.exec.Validate(ctx, blk, head)
		cancel()
		if err != nil {
			m.log.Warn("invalid proposed block", "height", blk.Header.Height, "err", err)
		}
		follow = append(follow, &consensus.BlockValidated{Hash: blk.Hash(), Valid: err == nil})
	}
	return follow
}

// commit applies a decided block and hands it to the writer (write.go).
// A decided block that fails validation halts consensus (haltConsensus)
// and returns errHalted; any other error is fatal: consensus decided the
// block, so the node must not go on without it.
func (m *Machine) commit(c consensus.Commit) error {
	// One block ahead of the store at most: the previous write first.
	if err := m.written(); err != nil {
		return err
	}
	x, cb, err := m.execute(c.Block, c.Cert)
	if errors.Is(err, engine.ErrInvalidBlock) {
		m.haltConsensus(c.Block.Header.Height, c.Cert.BlockHash, fmt.Errorf("decided block fails validation: %w", err))
		return errHalted
	}
	if err != nil {
		return fmt.Errorf("committed block fails validation: %w", err)
	}
	m.faultAt(FaultBeforeStore, cb)
	if err := m.apply(x, cb); err != nil {
		return err
	}
	// The core decides the next height with its set, which changes only
	// at an epoch boundary (docs/spec.md §17).
	h := x.Block.Header.Height
	m.core.SetNextValidators(m.setAt(h + 1))
	m.announceValidators(h)
	m.faultAt(FaultAfterApply, cb)
	return m.beginWrite(cb)
}

// execute runs a decided block on the applied head (exec.Decided) and
// returns what the store commits.
func (m *Machine) execute(blk *types.Block, cert *types.CommitCert) (*exec.Executed, *engine.CommittedBlock, error) {
	ctx, cancel := m.verifyCtx()
	x, err := m.exec.Decided(ctx, blk, *m.head.Load())
	cancel()
	if err != nil {
		return nil, nil, err
	}
	return x, exec.Committed(x, cert), nil
}

// apply makes an executed block the state the next height builds on, in
// memory: the ledger and mempool, a set it elects, the head; the read
// side finds the block in unwritten until the store has it.
func (m *Machine) apply(x *exec.Executed, cb *engine.CommittedBlock) error {
	h := x.Block.Header
	// Before the mempool lets its txs go: a reader finds each in one or
	// the other.
	m.unwritten.Store(cb)
	if err := m.ledger.Commit(x, m.clock.Now()); err != nil {
		return fmt.Errorf("apply block %d: %w", h.Height, err)
	}
	m.stakingMetrics(x, cb)
	if el := x.Elected; el != nil {
		if err := m.hist.Install(el.Epoch, el.Set); err != nil {
			return fmt.Errorf("install the set elected after block %d: %w", h.Height, err)
		}
		m.m.Elections.Inc()
		m.log.Info("validator set elected", "epoch", el.Epoch, "from_height", el.Epoch*m.gen.Params.EpochLength+1,
			"validators", el.Set.Size(), "power", el.Set.TotalPower(), "set_hash", el.Set.Hash().String(),
			"entered", len(el.Report.Entered), "left", len(el.Report.Left), "changed", len(el.Report.Changed), "deferred", el.Report.Deferred)
	}
	m.head.Store(&engine.Head{Height: h.Height, Hash: cb.Block.Hash(), Time: h.Time, StateRoot: h.StateRoot, TxCount: len(x.Block.Txs)})
	m.exec.Reset()
	return nil
}

// stakingMetrics logs and counts what a committed block did to stake:
// slashes (with their jail or tombstone) and the bonded total when a
// record changed (cb.Stakes; the batch is committed, so the total comes
// from the ledger); and sets the gauges of the set deciding the next
// height.
func (m *Machine) stakingMetrics(x *exec.Executed, cb *engine.CommittedBlock) {
	h := x.Block.Header.Height
	for _, s := range x.Batch.Slashes() {
		m.m.Slashes.WithLabelValues(s.Reason).Inc()
		m.m.Slashed.WithLabelValues(s.Reason).Add(float64(s.Amount))
		m.log.Warn("validator slashed", "height", h, "address", s.Address.String(), "reason", s.Reason, "burned", s.Amount,
			"tombstoned", s.Reason == "double_sign")
	}
	if set := m.setAt(h + 1); set != nil {
		m.m.ValidatorSetPower.Set(float64(set.TotalPower()))
	}
	if m.hist.Staking() && len(cb.Stakes) > 0 {
		m.m.StakeBonded.Set(float64(m.ledger.Bonded()))
	}
}
