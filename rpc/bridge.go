package rpc

import (
	"encoding/json"
	"fmt"
	"sync"

	"aitbc/engine"
	"aitbc/engine/types"
	"aitbc/netio/ws"
	"aitbc/rpc/api"

	"github.com/prometheus/client_golang/prometheus"
)

// Publisher delivers a message to a topic's subscribers without blocking
// (netio/ws.Server implements it: a slow subscriber is dropped).
type Publisher interface {
	Publish(topic string, msg []byte)
}

// SubscriberChecker is implemented by a Publisher that knows whether a
// topic has subscribers (netio/ws.Server); the Bridge then renders nothing
// for a topic nobody follows.
type SubscriberChecker interface {
	HasSubscribers(topic string) bool
}

// Bridge is the engine's Broadcaster for WebSocket clients: it renders each
// event as one JSON object carrying its "topic" and the chain id.
//
// With UseBlockFeed, new_blocks is a feed (netio/ws): BlockCommitted,
// which runs on the node's commit path, only keeps the block in a small
// ring and notifies the feed; the feed goroutine asks BlockMessage for each
// height it delivers, which encodes from the ring or reads the block
// store. A commit then never encodes or waits for a subscriber, and a
// subscriber can replay any height the store holds.
type Bridge struct {
	p       Publisher
	chainID string

	feed  BlockNotifier // nil: new_blocks is published synchronously
	store BlockReader

	mu     sync.Mutex
	recent [recentBlocks]recentBlock // by height % recentBlocks

	events  chan event // RunAsync's queue; nil: publish on the caller
	dropped prometheus.Counter
}

// recentBlock is a committed block kept for the feed: the block and its tx
// hashes, not the rest of the CommittedBlock (state updates), which the
// node would otherwise free.
type recentBlock struct {
	blk    *types.Block
	hashes []types.Hash
}

// recentBlocks is how many just-committed blocks the Bridge keeps for the
// feed, so live subscribers and those a few blocks behind never cost a
// store read; one further behind reads the store. 16 blocks of 5,000 txs
// hold about 25 MB.
const recentBlocks = 16

// BlockNotifier is the block feed of the WebSocket server (netio/ws.Server).
type BlockNotifier interface {
	NotifyBlock(height uint64)
}

// BlockReader is what the feed reads older blocks from (the block store).
type BlockReader interface {
	Block(height uint64) (*types.Block, error)
}

// UseBlockFeed makes new_blocks a feed served from store; set it before
// the node commits. The caller registers b as the feed's BlockSource.
func (b *Bridge) UseBlockFeed(n BlockNotifier, store BlockReader) {
	b.feed, b.store = n, store
}

// BlockMessage is the new_blocks message of height (ws.BlockSource): from
// the ring of recent blocks, else from the store.
func (b *Bridge) BlockMessage(height uint64) ([]byte, error) {
	b.mu.Lock()
	r := b.recent[height%recentBlocks]
	b.mu.Unlock()
	cb := &engine.CommittedBlock{Block: r.blk, TxHashes: r.hashes}
	if r.blk == nil || r.blk.Header.Height != height {
		if b.store == nil {
			return nil, fmt.Errorf("block %d: %w", height, engine.ErrNotFound)
		}
		blk, err := b.store.Block(height)
		if err != nil {
			return nil, fmt.Errorf("block %d: %w", height, err)
		}
		cb = &engine.CommittedBlock{Block: blk}
	}
	return json.Marshal(b.blockMessage(cb))
}

var _ engine.Broadcaster = (*Bridge)(nil)

// NewBridge returns a Bridge publishing to p.
func NewBridge(p Publisher, chainID string) *Bridge { return &Bridge{p: p, chainID: chainID} }

// BlockCommitted publishes on new_blocks, or with a feed records the block
// and notifies the feed (O(1): no encoding on the commit path).
func (b *Bridge) BlockCommitted(cb *engine.CommittedBlock) {
	if cb == nil || cb.Block == nil {
		return
	}
	if b.feed != nil {
		h := cb.Block.Header.Height
		b.mu.Lock()
		b.recent[h%recentBlocks] = recentBlock{cb.Block, cb.TxHashes}
		b.mu.Unlock()
		b.feed.NotifyBlock(h)
		return
	}
	b.publish(ws.TopicNewBlocks, b.blockMessage(cb))
}

func (b *Bridge) blockMessage(cb *engine.CommittedBlock) api.BlockMessage {
	hashes := cb.TxHashes
	if len(hashes) != len(cb.Block.Txs) {
		hashes = cb.Block.TxHashes()
	}
	if hashes == nil {
		hashes = []types.Hash{}
	}
	h := &cb.Block.Header
	return api.BlockMessage{
		Topic: ws.TopicNewBlocks, ChainID: b.chainID, Height: h.Height, Hash: h.Hash(),
		Time: h.Time, TxCount: len(cb.Block.Txs), TxHashes: hashes,
	}
}

// TxAdmitted publishes on new_transactions. It runs for every admitted tx
// on the admission path: with no subscriber it returns before building the
// message (bech32 addresses, JSON, a queue slot).
func (b *Bridge) TxAdmitted(tx *types.Tx, hash types.Hash) {
	if tx == nil || !b.subscribed(ws.TopicNewTransactions) {
		return
	}
	b.publish(ws.TopicNewTransactions, api.TxMessage{
		Topic: ws.TopicNewTransactions, ChainID: b.chainID, TxHash: hash, Sender: tx.From(),
		Recipient: tx.Recipient, Amount: types.Amount(tx.Amount), Fee: types.Amount(tx.Fee),
		Nonce: tx.Nonce, Type: tx.Type.String(),
	})
}

// ConsensusEvent publishes on consensus_events.
func (b *Bridge) ConsensusEvent(ev engine.Event) {
	if !b.subscribed(ws.TopicConsensusEvents) {
		return
	}
	m := api.ConsensusMessage{
		Topic: ws.TopicConsensusEvents, ChainID: b.chainID, Kind: ev.Kind, Height: ev.Height,
		Round: ev.Round, Step: ev.Step, BlockHash: ev.BlockHash,
	}
	if !ev.Time.IsZero() && ev.Time.UnixMilli() > 0 {
		m.Time = uint64(ev.Time.UnixMilli())
	}
	if ev.Kind == "evidence" {
		// Copies: taking ev's own fields' addresses would move every ev to
		// the heap, subscribed or not.
		v, h := ev.Validator, ev.EvidenceHash
		m.Validator, m.EvidenceHash = &v, &h
	}
	b.publish(ws.TopicConsensusEvents, m)
}

// eventQueue bounds the tx and consensus events waiting for the publisher
// goroutine (RunAsync): a few seconds of both at thousands of txs/s. Past
// it events are dropped and counted: these topics are live-only, and a
// node must never stall its loops for a subscriber.
const eventQueue = 8192

type event struct {
	topic string
	msg   any // api.TxMessage or api.ConsensusMessage, encoded on the publisher goroutine
}

// RunAsync moves the encoding and fan-out of new_transactions and
// consensus_events off the callers (the node's admission and consensus
// loops) onto one goroutine, fed by a bounded queue; stop ends it. Events
// that find the queue full are dropped and counted in
// aitbc_ws_events_dropped_total (registered on reg unless nil).
func (b *Bridge) RunAsync(reg prometheus.Registerer) (stop func()) {
	b.dropped = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "aitbc_ws_events_dropped_total",
		Help: "new_transactions and consensus_events messages dropped because the publisher queue was full.",
	})
	if reg != nil {
		reg.MustRegister(b.dropped)
	}
	b.events = make(chan event, eventQueue)
	quit, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		for {
			select {
			case <-quit:
				return
			case ev := <-b.events:
				b.publishNow(ev.topic, ev.msg)
			}
		}
	}()
	var once sync.Once
	return func() { once.Do(func() { close(quit); <-done }) }
}

// subscribed is false only when the publisher says topic has no subscriber.
func (b *Bridge) subscribed(topic string) bool {
	sc, ok := b.p.(SubscriberChecker)
	return !ok || sc.HasSubscribers(topic)
}

func (b *Bridge) publish(topic string, v any) {
	if b.events != nil {
		select {
		case b.events <- event{topic, v}:
		default:
			b.dropped.Inc()
		}
		return
	}
	b.publishNow(topic, v)
}

func (b *Bridge) publishNow(topic string, v any) {
	msg, err := json.Marshal(v)
	if err != nil {
		return // the message types above always marshal
	}
	b.p.Publish(topic, msg)
}
