package enginetest

import (
	"errors"
	"sync/atomic"

	"aitbc/engine"
	"aitbc/engine/types"
)

// ErrInjected is the error the fault-injecting wrappers return.
var ErrInjected = errors.New("enginetest: injected fault")

// FaultStore wraps a BlockStore and fails the calls a test arms: Commit of
// a chosen height (a disk that dies mid-run) and every AddEvidence.
type FaultStore struct {
	engine.BlockStore
	// FailCommitAt makes Commit of this height (and later) fail; 0: never.
	FailCommitAt atomic.Uint64
	// FailEvidence makes AddEvidence fail.
	FailEvidence atomic.Bool
}

func (s *FaultStore) Commit(cb *engine.CommittedBlock) error {
	if h := s.FailCommitAt.Load(); h != 0 && cb.Block.Header.Height >= h {
		return ErrInjected
	}
	return s.BlockStore.Commit(cb)
}

func (s *FaultStore) AddEvidence(ev *types.Evidence) (bool, error) {
	if s.FailEvidence.Load() {
		return false, ErrInjected
	}
	return s.BlockStore.AddEvidence(ev)
}

// FaultWAL wraps a WAL and fails Write while armed.
type FaultWAL struct {
	engine.WAL
	FailWrite atomic.Bool
}

func (w *FaultWAL) Write(height uint64, records [][]byte) error {
	if w.FailWrite.Load() {
		return ErrInjected
	}
	return w.WAL.Write(height, records)
}
