package node

import (
	"fmt"
	"time"

	"aitbc/engine"
)

// The block store's write, in place or beside the next height
// (docs/spec.md §14.9, ADR 014).
//
// A decided block is applied in memory at once (commit, apply: the next
// height builds and validates on it) and handed to a BlockWriter, which
// makes it durable (engine.BlockStore.Commit): syncWriter at once (the
// default), asyncWriter (Config.WriteBehind) or the simulator's disk while
// the loop goes on with the next height's proposal and votes. Only once the write is done is the
// block published: the head RPC reports, block sync serves and
// announces, the WebSocket's new_blocks, the index, the WAL truncated
// below the next height (written). At most one block is ahead of the
// store: the next commit waits for the write before it (written).
//
// A validator may sign and send next-height messages while its parent is
// not durable yet. Its first WAL write of that height therefore carries
// the parent block and certificate as a parent record (persist), in the
// same sync, so a restart never finds own votes of a height without the
// block under them: restore commits the parent from the WAL
// (restoreAhead) and replays the height's votes as usual.

// BlockWriter makes committed blocks durable for a Machine (Deps.Writer).
// The Machine begins one write at a time, in height order, and waits for
// it (Wait) before the next; it learns of a write done in the background
// from its owner's call to Machine.Written. Methods are called by the
// owner goroutine only.
type BlockWriter interface {
	// Begin starts the store commit of cb and reports whether it is done
	// already (a synchronous writer).
	Begin(cb *engine.CommittedBlock) (done bool)
	// Wait returns the error of the write begun last once it is done,
	// finishing it now or blocking until it is; nil if none is pending.
	Wait() error
}

// syncWriter commits in Begin: a Machine without Deps.Writer.
type syncWriter struct {
	store engine.BlockStore
	err   error
}

func (w *syncWriter) Begin(cb *engine.CommittedBlock) bool { w.err = w.store.Commit(cb); return true }
func (w *syncWriter) Wait() error                          { err := w.err; w.err = nil; return err }

// asyncWriter commits on a goroutine of its own and calls notify when
// done (Node: it wakes the loop, which calls Written).
type asyncWriter struct {
	store  engine.BlockStore
	notify func()
	done   chan error // capacity 1
	busy   bool       // a write begun and not waited for; owner only
}

func newAsyncWriter(store engine.BlockStore, notify func()) *asyncWriter {
	return &asyncWriter{store: store, notify: notify, done: make(chan error, 1)}
}

func (w *asyncWriter) Begin(cb *engine.CommittedBlock) bool {
	w.busy = true
	go func() {
		w.done <- w.store.Commit(cb)
		w.notify()
	}()
	return false
}

func (w *asyncWriter) Wait() error {
	if !w.busy {
		return nil
	}
	w.busy = false
	return <-w.done
}

// pendingWrite is the applied block the writer holds (owner only).
type pendingWrite struct {
	cb     *engine.CommittedBlock
	walled bool // a parent record in the WAL holds it (persist)
	began  time.Time
}

// beginWrite hands an applied block to the writer.
func (m *Machine) beginWrite(cb *engine.CommittedBlock) error {
	m.pending = &pendingWrite{cb: cb, began: m.clock.Now()}
	if m.writer.Begin(cb) {
		return m.written()
	}
	return nil
}

// Written tells the Machine that its writer finished a write in the
// background (an asynchronous Deps.Writer's owner calls it): the block is
// published. A failed write is fatal (Err). It does nothing when no write
// is pending.
func (m *Machine) Written() {
	if m.pending == nil || m.stopped() {
		return
	}
	if err := m.written(); err != nil {
		m.fail(err)
		return
	}
	m.announce()
}

// written waits for the pending write and publishes its block: the head
// the read side reports, the events, the index, and the WAL truncated
// below the next height.
func (m *Machine) written() error {
	p := m.pending
	if p == nil {
		return nil
	}
	m.pending = nil
	cb := p.cb
	h := cb.Block.Header
	if err := m.writer.Wait(); err != nil {
		return fmt.Errorf("store block %d: %w", h.Height, err)
	}
	now := m.clock.Now()
	m.m.CommitDuration.Observe(now.Sub(p.began).Seconds())
	m.faultAt(FaultAfterStore, cb)

	// Evidence a block applied is recorded here too (idempotent), so that
	// get_evidence lists it with its block even if this node did not see
	// the double signing itself. Not relayed: every peer gets the block.
	for _, ev := range cb.Block.Evidence {
		m.recordEvidence(ev)
	}
	hash := cb.Block.Hash()
	m.unwritten.CompareAndSwap(cb, nil) // the store has it
	m.durable = engine.Head{Height: h.Height, Hash: hash, Time: h.Time, StateRoot: h.StateRoot, TxCount: len(cb.Block.Txs)}
	m.m.HeadHeight.Set(float64(h.Height))
	m.m.TxsCommitted.Add(float64(len(cb.Block.Txs)))
	m.m.BlockInterval.Observe(now.Sub(m.lastCommit).Seconds())
	m.lastCommit = now
	m.log.Info("committed", "height", h.Height, "hash", hash.String(), "txs", len(cb.Block.Txs))
	m.publish.BlockCommitted(cb)
	m.publish.ConsensusEvent(engine.Event{Kind: engine.EventCommit, Height: h.Height, Round: cb.Cert.Round, Step: "commit", BlockHash: hash, Time: now})
	if m.indexer != nil {
		m.indexer.Enqueue(cb)
	}
	if m.wal != nil {
		if err := m.wal.Truncate(h.Height + 1); err != nil {
			return fmt.Errorf("truncate WAL: %w", err)
		}
	}
	m.faultAt(FaultAfterPublish, cb)
	return nil
}
