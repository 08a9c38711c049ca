package api

import "aitbc/engine/types"

// Messages of the WebSocket topics, each one JSON object carrying its
// "topic" and the chain id (rpc.Bridge renders them).

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
