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
)

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

// persist writes Ready.Persist to the WAL, grouped by height.
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
		err := m.wal.Write(height, batch)
		batch = batch[:0]
		return err
	}
	for _, msg := range msgs {
		h, rec, err := encodeWALMessage(msg)
		if err != nil {
			return err
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
