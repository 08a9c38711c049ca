package engine

import (
	"encoding/binary"
	"errors"
	"fmt"
	"sync"

	"aitbc/engine/consensus"
	"aitbc/engine/types"
)

// WAL is where a validator writes its own signed proposals and votes,
// durably, before sending them (storage/wal in production, MemWAL in tests).
// After a restart the node replays the current height's records into the
// consensus core, so it never signs two different values for one slot.
type WAL interface {
	// Write appends records for height and syncs before returning.
	Write(height uint64, records [][]byte) error
	// Records returns what was written for height, in order.
	Records(height uint64) ([][]byte, error)
	// Truncate drops the records of heights below keepFrom.
	Truncate(keepFrom uint64) error
	Close() error
}

// WAL record kinds.
const (
	walProposal = 1
	walVote     = 2
)

var errBadWALRecord = errors.New("bad WAL record")

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
	return 0, nil, fmt.Errorf("%w: cannot persist %T", errBadWALRecord, m)
}

func decodeWALMessage(b []byte) (consensus.Message, error) {
	if len(b) < 1 {
		return nil, errBadWALRecord
	}
	switch b[0] {
	case walProposal:
		if len(b) < 5 || uint64(len(b)-5) < uint64(binary.BigEndian.Uint32(b[1:5])) {
			return nil, errBadWALRecord
		}
		n := binary.BigEndian.Uint32(b[1:5])
		p, err := types.DecodeProposal(b[5 : 5+n])
		if err != nil {
			return nil, fmt.Errorf("%w: %v", errBadWALRecord, err)
		}
		blk, err := types.DecodeBlock(b[5+n:])
		if err != nil {
			return nil, fmt.Errorf("%w: %v", errBadWALRecord, err)
		}
		return &consensus.ProposalMsg{Proposal: p, Block: blk}, nil
	case walVote:
		v, err := types.DecodeVote(b[1:])
		if err != nil {
			return nil, fmt.Errorf("%w: %v", errBadWALRecord, err)
		}
		return &consensus.VoteMsg{Vote: v}, nil
	}
	return nil, fmt.Errorf("%w: kind %d", errBadWALRecord, b[0])
}

// persist writes Ready.Persist to the WAL, grouped by height.
func (n *Node) persist(msgs []consensus.Message) error {
	if n.wal == nil || len(msgs) == 0 {
		return nil
	}
	var height uint64
	var batch [][]byte
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		err := n.wal.Write(height, batch)
		batch = batch[:0]
		return err
	}
	for _, m := range msgs {
		h, rec, err := encodeWALMessage(m)
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
func (n *Node) replayWAL(height uint64) error {
	if n.wal == nil {
		return nil
	}
	recs, err := n.wal.Records(height)
	if err != nil {
		return fmt.Errorf("engine: read WAL: %w", err)
	}
	for i, r := range recs {
		m, err := decodeWALMessage(r)
		if err != nil {
			return fmt.Errorf("engine: WAL record %d of height %d: %w", i, height, err)
		}
		if err := n.core.Step(m); err != nil {
			n.log.Warn("WAL record not replayed", "height", height, "err", err)
		}
	}
	if len(recs) > 0 {
		n.log.Info("replayed WAL", "height", height, "records", len(recs))
	}
	return nil
}

// MemWAL is the in-memory twin of the WAL file, for tests.
type MemWAL struct {
	mu   sync.Mutex
	recs map[uint64][][]byte
}

// NewMemWAL returns an empty in-memory WAL.
func NewMemWAL() *MemWAL { return &MemWAL{recs: map[uint64][][]byte{}} }

func (w *MemWAL) Write(height uint64, records [][]byte) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, r := range records {
		w.recs[height] = append(w.recs[height], append([]byte(nil), r...))
	}
	return nil
}

func (w *MemWAL) Records(height uint64) ([][]byte, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([][]byte(nil), w.recs[height]...), nil
}

func (w *MemWAL) Truncate(keepFrom uint64) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	for h := range w.recs {
		if h < keepFrom {
			delete(w.recs, h)
		}
	}
	return nil
}

func (w *MemWAL) Close() error { return nil }
