package enginetest

import (
	"sync"

	"aitbc/engine"
)

// MemWAL is the in-memory twin of the WAL file (storage/wal). It copies
// what it is given and what it returns.
type MemWAL struct {
	mu   sync.Mutex
	recs map[uint64][][]byte
}

var _ engine.WAL = (*MemWAL)(nil)

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
	out := make([][]byte, len(w.recs[height]))
	for i, r := range w.recs[height] {
		out[i] = append([]byte(nil), r...)
	}
	return out, nil
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
