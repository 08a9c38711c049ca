package sim

import (
	"math/rand"
	"time"

	"aitbc/engine"
)

// maxWriteLatency bounds the simulated disk's commit time: a node's block
// write is done 0 to 8 ms after it began (the Badger store's at 1000 tx/s
// on the benchmark machine: 5 ms on average), so the next height often
// signs before its parent is durable, and a crash can lose the write
// (node/write.go).
const maxWriteLatency = 8 * time.Millisecond

// diskWriter is a node's simulated disk (node.Deps.Writer) when the run's
// Node.WriteBehind is set (odd seeds by default): a write begun
// is committed to the node's store when its drawn latency has passed, and
// the Machine told (Written); a node that crashed before then never
// commits it. Wait, the Machine joining the write, finishes it at once.
type diskWriter struct {
	c     *Cluster
	n     *Node
	alive func() bool
	cb    *engine.CommittedBlock // begun, not done
	err   error
}

func (w *diskWriter) Begin(cb *engine.CommittedBlock) bool {
	w.cb = cb
	lat := time.Duration(w.c.disk.Int63n(int64(maxWriteLatency) + 1))
	w.c.Sched.After(lat, func() {
		if w.cb != cb || !w.alive() {
			return // waited for already, or the node crashed first
		}
		w.finish()
		w.n.Machine.Written()
		w.c.checkHalt(w.n.Index)
	})
	return false
}

func (w *diskWriter) Wait() error {
	w.finish()
	err := w.err
	w.err = nil
	return err
}

func (w *diskWriter) finish() {
	if w.cb != nil {
		w.err = w.n.Store.Commit(w.cb)
		w.cb = nil
	}
}

// diskSeed derives the simulated disks' generator from the run's seed
// without drawing from the run's own (the other faults stay as they were).
func diskSeed(seed int64) *rand.Rand { return rand.New(rand.NewSource(seed ^ 0x6469736b)) }
