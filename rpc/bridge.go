package rpc

import (
	"encoding/json"

	"aitbc/engine"
	"aitbc/engine/types"
	"aitbc/netio/ws"
)

// Publisher delivers a message to a topic's subscribers without blocking
// (netio/ws.Server implements it: a slow subscriber is dropped).
type Publisher interface {
	Publish(topic string, msg []byte)
}

// Bridge is the engine's Broadcaster for WebSocket clients: it renders each
// event as one JSON object carrying its "topic" and the chain id.
type Bridge struct {
	p       Publisher
	chainID string
}

var _ engine.Broadcaster = (*Bridge)(nil)

// NewBridge returns a Bridge publishing to p.
func NewBridge(p Publisher, chainID string) *Bridge { return &Bridge{p: p, chainID: chainID} }

// BlockMessage is a new_blocks message.
type BlockMessage struct {
	Topic    string       `json:"topic"`
	ChainID  string       `json:"chain_id"`
	Height   uint64       `json:"height"`
	Hash     types.Hash   `json:"hash"`
	Time     uint64       `json:"time"` // Unix ms
	TxCount  int          `json:"tx_count"`
	TxHashes []types.Hash `json:"tx_hashes"`
}

// TxMessage is a new_transactions message: a tx admitted to the mempool.
type TxMessage struct {
	Topic     string        `json:"topic"`
	ChainID   string        `json:"chain_id"`
	TxHash    types.Hash    `json:"tx_hash"`
	Sender    types.Address `json:"sender"`
	Recipient types.Address `json:"recipient"`
	Amount    types.Amount  `json:"amount"`
	Fee       types.Amount  `json:"fee"`
	Nonce     uint64        `json:"nonce"`
	Type      string        `json:"type"`
}

// ConsensusMessage is a consensus_events message.
type ConsensusMessage struct {
	Topic     string     `json:"topic"`
	ChainID   string     `json:"chain_id"`
	Kind      string     `json:"kind"`
	Height    uint64     `json:"height"`
	Round     uint32     `json:"round"`
	Step      string     `json:"step"`
	BlockHash types.Hash `json:"block_hash"`
	Time      uint64     `json:"time,omitempty"` // Unix ms; absent when the engine gave none
	// Kind "evidence" only: the validator that signed twice and the
	// evidence's hash (GET /rpc/get_evidence lists it).
	Validator    *types.Address `json:"validator,omitempty"`
	EvidenceHash *types.Hash    `json:"evidence_hash,omitempty"`
}

// BlockCommitted publishes on new_blocks.
func (b *Bridge) BlockCommitted(cb *engine.CommittedBlock) {
	if cb == nil || cb.Block == nil {
		return
	}
	hashes := cb.TxHashes
	if len(hashes) != len(cb.Block.Txs) {
		hashes = cb.Block.TxHashes()
	}
	if hashes == nil {
		hashes = []types.Hash{}
	}
	h := &cb.Block.Header
	b.publish(ws.TopicNewBlocks, BlockMessage{
		Topic: ws.TopicNewBlocks, ChainID: b.chainID, Height: h.Height, Hash: h.Hash(),
		Time: h.Time, TxCount: len(cb.Block.Txs), TxHashes: hashes,
	})
}

// TxAdmitted publishes on new_transactions.
func (b *Bridge) TxAdmitted(tx *types.Tx, hash types.Hash) {
	if tx == nil {
		return
	}
	b.publish(ws.TopicNewTransactions, TxMessage{
		Topic: ws.TopicNewTransactions, ChainID: b.chainID, TxHash: hash, Sender: tx.From(),
		Recipient: tx.Recipient, Amount: types.Amount(tx.Amount), Fee: types.Amount(tx.Fee),
		Nonce: tx.Nonce, Type: tx.Type.String(),
	})
}

// ConsensusEvent publishes on consensus_events.
func (b *Bridge) ConsensusEvent(ev engine.Event) {
	m := ConsensusMessage{
		Topic: ws.TopicConsensusEvents, ChainID: b.chainID, Kind: ev.Kind, Height: ev.Height,
		Round: ev.Round, Step: ev.Step, BlockHash: ev.BlockHash,
	}
	if !ev.Time.IsZero() && ev.Time.UnixMilli() > 0 {
		m.Time = uint64(ev.Time.UnixMilli())
	}
	if ev.Kind == "evidence" {
		m.Validator, m.EvidenceHash = &ev.Validator, &ev.EvidenceHash
	}
	b.publish(ws.TopicConsensusEvents, m)
}

func (b *Bridge) publish(topic string, v any) {
	msg, err := json.Marshal(v)
	if err != nil {
		return // the message types above always marshal
	}
	b.p.Publish(topic, msg)
}
