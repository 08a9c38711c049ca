package node

import (
	"encoding/binary"
	"fmt"

	"aitbc/engine"
	"aitbc/engine/consensus"
	"aitbc/engine/types"
)

// WAL record kinds.
const (
	walProposal = 1
	walVote     = 2
	walParent   = 3 // the block under a height's first own message, not yet durable (write.go)
)

// encodeWALParent encodes a parent record: u8 3 || u32 len || cert || block.
func encodeWALParent(cb *engine.CommittedBlock) []byte {
	c := cb.Cert.Encode()
	out := append([]byte{walParent}, binary.BigEndian.AppendUint32(nil, uint32(len(c)))...)
	out = append(out, c...)
	return append(out, cb.Block.Encode()...)
}

// decodeWALParent decodes a parent record.
func decodeWALParent(b []byte) (*types.Block, *types.CommitCert, error) {
	if len(b) < 5 || b[0] != walParent || uint64(len(b)-5) < uint64(binary.BigEndian.Uint32(b[1:5])) {
		return nil, nil, engine.ErrBadWALRecord
	}
	n := binary.BigEndian.Uint32(b[1:5])
	cert, err := types.DecodeCommit(b[5 : 5+n])
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %w", engine.ErrBadWALRecord, err)
	}
	blk, err := types.DecodeBlock(b[5+n:])
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %w", engine.ErrBadWALRecord, err)
	}
	return blk, cert, nil
}

// encodeWALMessage encodes a message from Ready.Persist:
// kind 1: u8 1 || u32 len || proposal || block; kind 2: u8 2 || vote.
func encodeWALMessage(m consensus.Message) (uint64, []byte, error) {
	switch m := m.(type) {
	case *consensus.ProposalMsg:
		p := m.Proposal.Encode()
		out := append([]byte{walProposal}, binary.BigEndian.AppendUint32(nil, uint32(len(p)))...)
		out = append(out, p...)
		return m.Proposal.Height, append(out, m.Block.Encode()...), nil
	case *consensus.VoteMsg:
		return m.Vote.Height, append([]byte{walVote}, m.Vote.Encode()...), nil
	}
	return 0, nil, fmt.Errorf("%w: cannot persist %T", engine.ErrBadWALRecord, m)
}

func decodeWALMessage(b []byte) (consensus.Message, error) {
	if len(b) < 1 {
		return nil, engine.ErrBadWALRecord
	}
	switch b[0] {
	case walProposal:
		if len(b) < 5 || uint64(len(b)-5) < uint64(binary.BigEndian.Uint32(b[1:5])) {
			return nil, engine.ErrBadWALRecord
		}
		n := binary.BigEndian.Uint32(b[1:5])
		p, err := types.DecodeProposal(b[5 : 5+n])
		if err != nil {
			return nil, fmt.Errorf("%w: %w", engine.ErrBadWALRecord, err)
		}
		blk, err := types.DecodeBlock(b[5+n:])
		if err != nil {
			return nil, fmt.Errorf("%w: %w", engine.ErrBadWALRecord, err)
		}
		return &consensus.ProposalMsg{Proposal: p, Block: blk}, nil
	case walVote:
		v, err := types.DecodeVote(b[1:])
		if err != nil {
			return nil, fmt.Errorf("%w: %w", engine.ErrBadWALRecord, err)
		}
		return &consensus.VoteMsg{Vote: v}, nil
	}
	return nil, fmt.Errorf("%w: kind %d", engine.ErrBadWALRecord, b[0])
}

// persist writes Ready.Persist to the WAL, grouped by height. The first
// write of the height above a block the writer still holds starts with
// that block's parent record, in the same sync (write.go).
func (m *Machine) persist(msgs []consensus.Message) error {
	if m.wal == nil || len(msgs) == 0 {
		return nil
	}
	var height uint64
	var batch [][]byte
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		p := m.pending
		parent := p != nil && !p.walled && height > p.cb.Block.Header.Height
		if parent {
			batch = append([][]byte{encodeWALParent(p.cb)}, batch...)
		}
		err := m.wal.Write(height, batch)
		batch = batch[:0]
		if err == nil && parent {
			p.walled = true
			m.faultAt(FaultAheadOfStore, p.cb)
		}
		return err
	}
	for _, msg := range msgs {
		h, rec, err := encodeWALMessage(msg)
		if err != nil {
			return err
		}
		if h > m.head.Load().Height+1 {
			// The core signs for the height above the applied block only; a
			// vote above an unapplied block would have no parent record.
			return fmt.Errorf("own message for height %d with block %d not applied", h, h-1)
		}
		if h != height {
			if err := flush(); err != nil {
				return err
			}
			height = h
		}
		batch = append(batch, rec)
	}
	return flush()
}

// replayWAL feeds the records of the height being decided back into the core.
func (m *Machine) replayWAL(height uint64) error {
	if m.wal == nil {
		return nil
	}
	recs, err := m.wal.Records(height)
	if err != nil {
		return fmt.Errorf("node: read WAL: %w", err)
	}
	for i, r := range recs {
		if len(r) > 0 && r[0] == walParent {
			continue // restoreAhead's
		}
		msg, err := decodeWALMessage(r)
		if err != nil {
			return fmt.Errorf("node: WAL record %d of height %d: %w", i, height, err)
		}
		if err := m.core.Step(msg); err != nil {
			m.log.Warn("WAL record not replayed", "height", height, "err", err)
		}
	}
	if len(recs) > 0 {
		m.log.Info("replayed WAL", "height", height, "records", len(recs))
	}
	return nil
}

// restoreAhead commits the block a parent record of height start holds
// when the store does not have it: the node signed start's messages while
// the block under them was being written, and stopped before the write
// was done (write.go). It returns where consensus starts.
func (m *Machine) restoreAhead(start consensus.Start) (consensus.Start, error) {
	if m.wal == nil {
		return start, nil
	}
	recs, err := m.wal.Records(start.Height + 1)
	if err != nil {
		return start, fmt.Errorf("node: read WAL: %w", err)
	}
	if len(recs) == 0 || len(recs[0]) == 0 || recs[0][0] != walParent {
		return start, nil
	}
	blk, cert, err := decodeWALParent(recs[0])
	if err != nil {
		return start, fmt.Errorf("node: WAL parent record of height %d: %w", start.Height+1, err)
	}
	h := blk.Header.Height
	if h != start.Height {
		return start, fmt.Errorf("node: WAL parent record of height %d holds block %d, the store's next is %d: %w", start.Height+1, h, start.Height, engine.ErrBadWALRecord)
	}
	if cert.Height != h || cert.BlockHash != blk.Hash() {
		return start, fmt.Errorf("node: WAL parent record of height %d: its certificate is not its block's: %w", start.Height+1, engine.ErrBadWALRecord)
	}
	if err := m.setAt(h).VerifyCommit(m.chainID, cert); err != nil {
		return start, fmt.Errorf("node: WAL parent record of height %d: %w", start.Height+1, err)
	}
	x, cb, err := m.execute(blk, cert)
	if err != nil {
		return start, fmt.Errorf("node: WAL parent record of height %d: block %d: %w", start.Height+1, h, err)
	}
	if err := m.apply(x, cb); err != nil {
		return start, fmt.Errorf("node: %w", err)
	}
	if err := m.store.Commit(cb); err != nil {
		return start, fmt.Errorf("node: store block %d from the WAL: %w", h, err)
	}
	m.unwritten.Store(nil)
	m.durable = *m.head.Load()
	m.m.HeadHeight.Set(float64(h))
	m.log.Info("committed the WAL's parent record", "height", h, "hash", m.durable.Hash.String())
	return consensus.Start{Height: h + 1, LastCommit: cert}, nil
}
