package node

import (
	"context"
	"errors"
	"log/slog"
	"testing"
	"time"

	"aitbc/engine"
	"aitbc/engine/consensus"
	"aitbc/engine/enginetest"
	"aitbc/engine/types"
	"aitbc/internal/logtest"
	"aitbc/internal/wait"
)

// heldWriter keeps each write until the test releases it (or the Machine
// waits for it): a slow disk.
type heldWriter struct {
	store engine.BlockStore
	cb    *engine.CommittedBlock
	err   error
}

func (w *heldWriter) Begin(cb *engine.CommittedBlock) bool { w.cb = cb; return false }

func (w *heldWriter) Wait() error {
	w.finish()
	err := w.err
	w.err = nil
	return err
}

func (w *heldWriter) finish() {
	if w.cb != nil {
		w.err = w.store.Commit(w.cb)
		w.cb = nil
	}
}

// crashAt is what the fault hook panics with to stop a Machine where it
// stands, as a kill would.
type crashAt struct{ step string }

// heldMachine is the single validator of c on store and wal, with a
// heldWriter, on a simulated clock.
func heldMachine(t testing.TB, c *testChain, store *enginetest.MemStore, wal *enginetest.MemWAL) (*Machine, *heldWriter, *enginetest.SimClock, error) {
	t.Helper()
	w := &heldWriter{store: store}
	clock := enginetest.NewSimClock(time.Unix(1_700_000_100, 0))
	cfg := DefaultConfig()
	cfg.TickInterval, cfg.BlockTime = time.Millisecond, 20*time.Millisecond
	m, err := NewMachine(cfg, Deps{Genesis: c.gen, Store: store, Verifier: enginetest.SyncVerifier{}, Signer: c.signer, WAL: wal,
		Clock: clock, Log: logtest.New(t, slog.LevelWarn), Writer: w})
	return m, w, clock, err
}

// tickUntil ticks m until cond holds (at most 10 s of simulated time); a
// crashAt panic from the fault hook ends it too, and is returned.
func tickUntil(t testing.TB, m *Machine, clock *enginetest.SimClock, cond func() bool) (crashed *crashAt) {
	t.Helper()
	defer func() {
		if r := recover(); r != nil {
			c, ok := r.(crashAt)
			if !ok {
				panic(r)
			}
			crashed = &c
		}
	}()
	for range 10_000 {
		if cond() {
			return nil
		}
		clock.Advance(time.Millisecond)
		m.Tick()
	}
	t.Fatal("condition not reached in 10 s of ticks")
	return nil
}

// A decided block is applied at once: the read side reports it as the
// head and serves it and its txs from memory while the write is held;
// it is published (events, block sync's head) only once written.
func TestBlockPublishedOnceWritten(t *testing.T) {
	c := newTestChain(t)
	store := enginetest.NewMemStore()
	pub := &publishLog{}
	m, w, clock, err := heldMachine(t, c, store, enginetest.NewMemWAL())
	if err != nil {
		t.Fatal(err)
	}
	m.publish = pub
	tx := c.transfer(t, c.faucet, 1, types.Address{0xb0}, 5, 0)
	tx.Fee = m.MinFee(tx)
	tx.Sign(c.faucet)
	hash, err := m.SubmitTx(context.Background(), tx)
	if err != nil {
		t.Fatal(err)
	}
	m.Init()
	tickUntil(t, m, clock, func() bool { return w.cb != nil })
	if h, _, _ := store.Head(); h != 0 || headHeight(m) != 1 || m.durable.Height != 0 || len(pub.blocks) != 0 {
		t.Fatalf("writing block 1: store %d, head %d, durable %d, published %v; want 0, 1, 0, none", h, headHeight(m), m.durable.Height, pub.blocks)
	}
	if blk, cert, err := m.Block(1); err != nil || blk.Hash() != cert.BlockHash {
		t.Fatalf("block 1 while written: %v", err)
	}
	if info, err := m.Tx(hash); err != nil || info.Pending || info.Height != 1 {
		t.Fatalf("tx of block 1 while written: %+v, %v", info, err)
	}
	w.finish()
	m.Written()
	if m.pending != nil || m.unwritten.Load() != nil || m.durable.Height != 1 || len(pub.blocks) != 1 || pub.blocks[0] != 1 {
		t.Fatalf("after the write: durable %d, published %v", m.durable.Height, pub.blocks)
	}
	if info, err := m.Tx(hash); err != nil || info.Height != 1 {
		t.Fatalf("tx of block 1 after the write: %+v, %v", info, err)
	}
	// A failed write is fatal, and nothing of it is published.
	tickUntil(t, m, clock, func() bool { return w.cb != nil })
	w.store = failingStore{store}
	w.finish()
	m.Written()
	if m.Err() == nil || len(pub.blocks) != 1 {
		t.Fatalf("failed write of block 2: err %v, published %v", m.Err(), pub.blocks)
	}
}

// publishLog records the heights of published blocks.
type publishLog struct{ blocks []uint64 }

func (p *publishLog) BlockCommitted(cb *engine.CommittedBlock) {
	p.blocks = append(p.blocks, cb.Block.Header.Height)
}
func (p *publishLog) TxAdmitted(*types.Tx, types.Hash) {}
func (p *publishLog) ConsensusEvent(engine.Event)      {}

type failingStore struct{ *enginetest.MemStore }

func (failingStore) Commit(*engine.CommittedBlock) error { return errors.New("disk full") }

// A validator killed after signing the next height's messages, before the
// block under them was written, restarts with that block from the WAL's
// parent record and replays its own messages: it decides the block it
// proposed before, never another one (it would have signed two).
func TestRestartCommitsParentRecordAndReplaysVotes(t *testing.T) {
	c := newTestChain(t)
	store, wal := enginetest.NewMemStore(), enginetest.NewMemWAL()
	m, w, clock, err := heldMachine(t, c, store, wal)
	if err != nil {
		t.Fatal(err)
	}
	var ahead uint64
	m.SetFaultHook(func(step string, cb *engine.CommittedBlock) {
		if step == FaultAheadOfStore {
			ahead = cb.Block.Header.Height
			panic(crashAt{step})
		}
	})
	m.Init()
	crashed := tickUntil(t, m, clock, func() bool { return false })
	if crashed == nil || ahead != 1 || w.cb == nil {
		t.Fatalf("crash %v at block %d, write held %v: want ahead-of-store at block 1", crashed, ahead, w.cb != nil)
	}
	m.Stop()
	if h, _, _ := store.Head(); h != 0 {
		t.Fatalf("store head %d: block 1 was never written", h)
	}
	recs, err := wal.Records(2)
	if err != nil || len(recs) < 2 || recs[0][0] != walParent {
		t.Fatalf("WAL of height 2: %d records, %v; want a parent record first", len(recs), err)
	}
	msg, err := decodeWALMessage(recs[1])
	if err != nil {
		t.Fatal(err)
	}
	prop, ok := msg.(*consensus.ProposalMsg)
	if !ok {
		t.Fatalf("WAL record after the parent is %T, want our proposal of height 2", msg)
	}
	signed := prop.Block.Hash()

	// Restart on what survived the kill.
	m2, w2, clock2, err := heldMachine(t, c, store, wal)
	if err != nil {
		t.Fatal(err)
	}
	defer m2.Stop()
	if h, _, _ := store.Head(); h != 1 || headHeight(m2) != 1 {
		t.Fatalf("after restart: store head %d, head %d; want block 1 from the parent record", h, headHeight(m2))
	}
	m2.Init()
	tickUntil(t, m2, clock2, func() bool { return headHeight(m2) >= 2 })
	w2.finish()
	m2.Written()
	blk, _, err := m2.Block(2)
	if err != nil {
		t.Fatal(err)
	}
	if blk.Hash() != signed {
		t.Fatalf("block 2 after restart is %s; the proposal signed before the kill was %s", blk.Hash(), signed)
	}
}

// A parent record that does not hold the store's next block, or whose
// certificate is not its block's, refuses the restart with a typed error.
func TestBadParentRecordRefused(t *testing.T) {
	c := newTestChain(t)
	store, wal := enginetest.NewMemStore(), enginetest.NewMemWAL()
	m, _, clock, err := heldMachine(t, c, store, wal)
	if err != nil {
		t.Fatal(err)
	}
	m.SetFaultHook(func(step string, cb *engine.CommittedBlock) {
		if step == FaultAheadOfStore {
			panic(crashAt{step})
		}
	})
	m.Init()
	if tickUntil(t, m, clock, func() bool { return false }) == nil {
		t.Fatal("no crash")
	}
	m.Stop()
	recs, _ := wal.Records(2)
	blk, cert, err := decodeWALParent(recs[0])
	if err != nil {
		t.Fatal(err)
	}
	wrong := *cert
	wrong.BlockHash[0] ^= 1
	for name, rec := range map[string][]byte{
		"torn":       recs[0][:len(recs[0])-3],
		"wrong cert": encodeWALParent(&engine.CommittedBlock{Block: blk, Cert: &wrong}),
	} {
		bad := enginetest.NewMemWAL()
		if err := bad.Write(2, [][]byte{rec}); err != nil {
			t.Fatal(err)
		}
		if _, _, _, err := heldMachine(t, c, enginetest.NewMemStore(), bad); !errors.Is(err, engine.ErrBadWALRecord) {
			t.Errorf("%s: restart error %v, want ErrBadWALRecord", name, err)
		}
	}
}

// A Node with WriteBehind commits on its writer goroutine, and Stop
// returns with the last applied block durable: the store holds the head
// the read side reported.
func TestWriteBehindNodeStopsDurable(t *testing.T) {
	c := newTestChain(t)
	store := enginetest.NewMemStore()
	cfg := DefaultConfig()
	cfg.TickInterval, cfg.BlockTime, cfg.WriteBehind = time.Millisecond, 5*time.Millisecond, true
	n, err := New(cfg, Deps{Genesis: c.gen, Store: store, Verifier: enginetest.SyncVerifier{}, Signer: c.signer,
		WAL: enginetest.NewMemWAL(), Log: logtest.New(t, slog.LevelWarn)})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := n.writer.(*asyncWriter); !ok {
		t.Fatalf("writer %T, want the goroutine's", n.writer)
	}
	n.Start()
	wait.Until(t, "ten blocks", 20*time.Second, func() bool { return n.height() >= 10 })
	if err := n.Stop(); err != nil {
		t.Fatal(err)
	}
	stored, _, _ := store.Head()
	if head := n.height(); stored != head || n.pending != nil {
		t.Fatalf("stopped with head %d, store %d, pending %v", head, stored, n.pending != nil)
	}
}
