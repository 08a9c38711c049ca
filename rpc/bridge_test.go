package rpc

import (
	"bytes"
	"encoding/json"
	"errors"
	"sync"
	"testing"
	"time"

	"aitbc/engine"
	"aitbc/engine/types"
	"aitbc/internal/wait"
	"aitbc/netio/ws"
	"aitbc/rpc/api"
	"aitbc/rpc/internal/rpctest"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

// The WebSocket server is the Bridge's production Publisher.
var _ Publisher = (*ws.Server)(nil)

type recordingPublisher struct {
	mu   sync.Mutex
	msgs []published
}

type published struct {
	topic string
	msg   []byte
}

func (p *recordingPublisher) Publish(topic string, msg []byte) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.msgs = append(p.msgs, published{topic, msg})
}

func TestBridge(t *testing.T) {
	f := newFixture(t)
	p := &recordingPublisher{}
	b := NewBridge(p, rpctest.ChainID)

	b.BlockCommitted(&engine.CommittedBlock{Block: f.block1, Cert: f.cert1, TxHashes: f.block1.TxHashes()})
	b.BlockCommitted(&engine.CommittedBlock{Block: &types.Block{Header: types.Header{ChainID: rpctest.ChainID, Height: 2}}})
	b.BlockCommitted(nil)
	b.TxAdmitted(f.pending, f.pending.Hash())
	b.ConsensusEvent(engine.Event{Kind: "step", Height: 2, Round: 1, Step: "prevote", BlockHash: f.block1.Hash(), Time: time.UnixMilli(1_700_000_000_123)})
	b.ConsensusEvent(engine.Event{Kind: "step", Height: 2, Step: "propose"})

	if len(p.msgs) != 5 {
		t.Fatalf("%d messages, want 5", len(p.msgs))
	}
	decode := func(i int, topic string, v any) {
		t.Helper()
		if p.msgs[i].topic != topic {
			t.Fatalf("message %d on %q, want %q", i, p.msgs[i].topic, topic)
		}
		dec := json.NewDecoder(bytes.NewReader(p.msgs[i].msg))
		dec.DisallowUnknownFields()
		if err := dec.Decode(v); err != nil {
			t.Fatalf("message %d %s: %v", i, p.msgs[i].msg, err)
		}
	}

	var blk api.BlockMessage
	decode(0, ws.TopicNewBlocks, &blk)
	if blk.Topic != ws.TopicNewBlocks || blk.ChainID != rpctest.ChainID || blk.Height != 1 || blk.Hash != f.block1.Hash() ||
		blk.Time != f.block1.Header.Time || blk.TxCount != 2 || len(blk.TxHashes) != 2 || blk.TxHashes[1] != f.committed.Hash() {
		t.Fatalf("block message %+v", blk)
	}
	decode(1, ws.TopicNewBlocks, &blk)
	if blk.Height != 2 || blk.TxHashes == nil || !bytes.Contains(p.msgs[1].msg, []byte(`"tx_hashes":[]`)) {
		t.Fatalf("empty block message %s", p.msgs[1].msg)
	}

	var tx api.TxMessage
	decode(2, ws.TopicNewTransactions, &tx)
	if tx.TxHash != f.pending.Hash() || tx.Sender != rpctest.Addr(f.alice) || tx.Recipient != rpctest.Addr(f.bob) ||
		tx.Amount != 300 || tx.Fee != 500 || tx.Nonce != 3 || tx.Type != "TRANSFER" {
		t.Fatalf("tx message %+v", tx)
	}
	if !bytes.Contains(p.msgs[2].msg, []byte(`"sender":"ait1`)) || !bytes.Contains(p.msgs[2].msg, []byte(`"amount":"300"`)) {
		t.Fatalf("tx message wire form %s", p.msgs[2].msg)
	}

	var ev api.ConsensusMessage
	decode(3, ws.TopicConsensusEvents, &ev)
	if ev.Kind != "step" || ev.Height != 2 || ev.Round != 1 || ev.Step != "prevote" || ev.BlockHash != f.block1.Hash() || ev.Time != 1_700_000_000_123 {
		t.Fatalf("consensus message %+v", ev)
	}
	if bytes.Contains(p.msgs[4].msg, []byte(`"time"`)) || bytes.Contains(p.msgs[4].msg, []byte(`"validator"`)) {
		t.Fatalf("zero time and a step's validator should be omitted: %s", p.msgs[4].msg)
	}

	// Evidence of double-signing names the validator and the evidence.
	val, evHash := rpctest.Addr(f.bob), types.Sum256([]byte("evidence"))
	b.ConsensusEvent(engine.Event{Kind: "evidence", Height: 7, Round: 2, Step: "precommit", Validator: val, EvidenceHash: evHash})
	decode(5, ws.TopicConsensusEvents, &ev)
	if ev.Kind != "evidence" || ev.Height != 7 || ev.Round != 2 || ev.Step != "precommit" ||
		ev.Validator == nil || *ev.Validator != val || ev.EvidenceHash == nil || *ev.EvidenceHash != evHash {
		t.Fatalf("evidence message %s", p.msgs[5].msg)
	}
}

// The WebSocket server is the Bridge's block feed, and the Bridge its source.
var (
	_ BlockNotifier  = (*ws.Server)(nil)
	_ ws.BlockSource = (*Bridge)(nil)
)

type heightsNotified struct{ hs []uint64 }

func (n *heightsNotified) NotifyBlock(h uint64) { n.hs = append(n.hs, h) }

// storeOf reads blocks from the fixture's backend, as the block store would.
type storeOf struct{ b *memBackend }

func (s storeOf) Block(h uint64) (*types.Block, error) {
	blk, _, err := s.b.Block(h)
	return blk, err
}

// TestBridgeBlockFeed: with a feed, a commit publishes nothing and only
// notifies the height; BlockMessage renders the same message as the
// synchronous path, from the ring of recent blocks or from the store.
func TestBridgeBlockFeed(t *testing.T) {
	f := newFixture(t)
	direct := &recordingPublisher{}
	NewBridge(direct, rpctest.ChainID).BlockCommitted(&engine.CommittedBlock{Block: f.block1, Cert: f.cert1})
	want := direct.msgs[0].msg

	p, n := &recordingPublisher{}, &heightsNotified{}
	b := NewBridge(p, rpctest.ChainID)
	b.UseBlockFeed(n, storeOf{f.b})
	b.BlockCommitted(&engine.CommittedBlock{Block: f.block1, Cert: f.cert1, TxHashes: f.block1.TxHashes()})
	if len(p.msgs) != 0 || len(n.hs) != 1 || n.hs[0] != 1 {
		t.Fatalf("commit with a feed: published %d, notified %v; want nothing published and height 1 notified", len(p.msgs), n.hs)
	}
	got, err := b.BlockMessage(1)
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("BlockMessage(1) from the ring = %s, %v; want %s", got, err, want)
	}
	// Not in the ring (a replay far behind): read from the store.
	b2 := NewBridge(p, rpctest.ChainID)
	b2.UseBlockFeed(n, storeOf{f.b})
	if got, err := b2.BlockMessage(1); err != nil || !bytes.Equal(got, want) {
		t.Fatalf("BlockMessage(1) from the store = %s, %v; want %s", got, err, want)
	}
	if _, err := b2.BlockMessage(99); !errors.Is(err, engine.ErrNotFound) {
		t.Fatalf("BlockMessage(99) = %v, want ErrNotFound", err)
	}
	// A ring slot reused by a later height is not mistaken for the old one.
	b.BlockCommitted(&engine.CommittedBlock{Block: &types.Block{Header: types.Header{ChainID: rpctest.ChainID, Height: 1 + recentBlocks}}})
	if got, err := b.BlockMessage(1); err != nil || !bytes.Equal(got, want) {
		t.Fatalf("BlockMessage(1) after its slot was reused = %s, %v", got, err)
	}
}

// gatedPublisher blocks every Publish until the gate opens.
type gatedPublisher struct {
	recordingPublisher
	gate chan struct{}
}

func (p *gatedPublisher) Publish(topic string, msg []byte) {
	<-p.gate
	p.recordingPublisher.Publish(topic, msg)
}

// TestBridgeAsync: with RunAsync the node's loops never wait for the
// publisher: events queue (in order) while it is stuck, the overflow is
// dropped and counted, and what was queued is delivered once it moves.
func TestBridgeAsync(t *testing.T) {
	f := newFixture(t)
	p := &gatedPublisher{gate: make(chan struct{})}
	b := NewBridge(p, rpctest.ChainID)
	reg := prometheus.NewPedanticRegistry()
	stop := b.RunAsync(reg)
	defer stop()
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range eventQueue + 100 { // the publisher is stuck on the first
			b.ConsensusEvent(engine.Event{Kind: "step", Height: uint64(i + 1), Step: "propose"})
		}
		b.TxAdmitted(f.pending, f.pending.Hash())
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("ConsensusEvent blocked on a stuck publisher")
	}
	dropped := testutil.ToFloat64(b.dropped)
	if dropped < 99 || dropped > 101 {
		t.Fatalf("dropped %v events, want the ~100 past the queue", dropped)
	}
	close(p.gate)
	wait.Until(t, "the queue delivered", 10*time.Second, func() bool {
		p.mu.Lock()
		defer p.mu.Unlock()
		return len(p.msgs) >= eventQueue
	})
	p.mu.Lock()
	defer p.mu.Unlock()
	for i, m := range p.msgs[:100] {
		var ev api.ConsensusMessage
		if err := json.Unmarshal(m.msg, &ev); err != nil || ev.Height != uint64(i+1) {
			t.Fatalf("message %d: %s (%v), want height %d: order lost", i, m.msg, err, i+1)
		}
	}
	if n, err := testutil.GatherAndCount(reg, "aitbc_ws_events_dropped_total"); err != nil || n != 1 {
		t.Fatalf("aitbc_ws_events_dropped_total registered %d (%v)", n, err)
	}
}

// selectivePublisher has subscribers on the listed topics only.
type selectivePublisher struct {
	recordingPublisher
	topics map[string]bool
}

func (p *selectivePublisher) HasSubscribers(topic string) bool { return p.topics[topic] }

// TestBridgeRendersOnlyForSubscribers: with no new_transactions or
// consensus_events subscriber, TxAdmitted and ConsensusEvent build no
// message (no allocation: no bech32, no JSON, no queue slot).
func TestBridgeRendersOnlyForSubscribers(t *testing.T) {
	f := newFixture(t)
	p := &selectivePublisher{topics: map[string]bool{}}
	b := NewBridge(p, rpctest.ChainID)
	stop := b.RunAsync(nil)
	defer stop()
	hash := f.pending.Hash()
	ev := engine.Event{Kind: "step", Height: 2, Step: "propose"}
	if n := testing.AllocsPerRun(100, func() { b.TxAdmitted(f.pending, hash); b.ConsensusEvent(ev) }); n != 0 {
		t.Errorf("%.1f allocations per event with no subscriber, want 0", n)
	}
	p.topics[ws.TopicNewTransactions] = true
	b.TxAdmitted(f.pending, hash)
	b.ConsensusEvent(ev)
	wait.Until(t, "the subscribed topic's message", 5*time.Second, func() bool {
		p.mu.Lock()
		defer p.mu.Unlock()
		return len(p.msgs) == 1
	})
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.msgs[0].topic != ws.TopicNewTransactions {
		t.Fatalf("published %q, want only new_transactions", p.msgs[0].topic)
	}
}
