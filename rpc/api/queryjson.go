package api

import "aitbc/engine/types"

// Bodies of the query routes (served from the SQL index). Units and
// minted are decimal strings like token amounts: both are uint64.

// IndexedTxJSON is a tx as the index holds it: where it is and its
// fields, with the sender as an address (get_tx has the full tx).
type IndexedTxJSON struct {
	Hash      types.Hash    `json:"hash"`
	Height    uint64        `json:"height"`
	Index     uint32        `json:"index"`
	Type      string        `json:"type"`
	Sender    types.Address `json:"sender"`
	Recipient types.Address `json:"recipient"`
	Nonce     uint64        `json:"nonce"`
	Amount    types.Amount  `json:"amount"`
	Fee       types.Amount  `json:"fee"`
	Status    string        `json:"status"`
}

// TxsResponse is get_txs: one page, newest first. NextCursor is "" after
// the last page; pass it as ?cursor= for the next one.
type TxsResponse struct {
	Address    types.Address   `json:"address"`
	Txs        []IndexedTxJSON `json:"txs"`
	NextCursor string          `json:"next_cursor"`
}

// BlockSummaryJSON is a block as get_blocks lists it.
type BlockSummaryJSON struct {
	Height    uint64        `json:"height"`
	Hash      types.Hash    `json:"hash"`
	Time      uint64        `json:"time"`
	Proposer  types.Address `json:"proposer"`
	TxCount   int           `json:"tx_count"`
	StateRoot types.Hash    `json:"state_root"`
}

// BlocksResponse is get_blocks: the indexed blocks of from..to, ascending
// (fewer than the range when the index has not reached to yet).
type BlocksResponse struct {
	From   uint64             `json:"from"`
	To     uint64             `json:"to"`
	Blocks []BlockSummaryJSON `json:"blocks"`
}

// ReceiptJSON is an AI compute receipt (get_receipt, get_receipts).
type ReceiptJSON struct {
	ID          types.Hash     `json:"id"`
	JobID       types.HexBytes `json:"job_id"`
	Miner       types.Address  `json:"miner"`
	Units       types.Amount   `json:"units"`
	Minted      types.Amount   `json:"minted"`
	Coordinator types.HexBytes `json:"coordinator"`
	TxHash      types.Hash     `json:"tx_hash"`
	Height      uint64         `json:"height"`
	Index       uint32         `json:"index"`
}

// ReceiptsResponse is get_receipts. NextCursor pages ?miner= listings.
type ReceiptsResponse struct {
	Receipts   []ReceiptJSON `json:"receipts"`
	NextCursor string        `json:"next_cursor,omitempty"`
}

// ValidatorJSON is one member of a validator set. Kind, Stake, Status and
// Missed come from its stake record in the committed state (the head's,
// whatever height the set signs); a member without one (every member on a
// poa chain) is an active authority with no stake.
type ValidatorJSON struct {
	Index     int            `json:"index"` // its bit in commit signer bitmaps
	Address   types.Address  `json:"address"`
	PubKey    types.HexBytes `json:"pub_key"`
	BLSPubKey types.HexBytes `json:"bls_pub_key"`
	Power     types.Amount   `json:"power"`  // its voting power in this set
	Weight    types.Amount   `json:"weight"` // Deprecated: the same as Power, for clients of the first release
	Kind      string         `json:"kind"`   // authority or staker
	Stake     types.Amount   `json:"stake"`  // bonded
	Status    string         `json:"status"` // active, jailed or tombstoned
	Missed    uint64         `json:"missed"` // blocks missed in the current downtime window
}

// ValidatorsResponse is get_validators: the set signing ?height= (default:
// the next height), of Epoch, which starts at StartHeight.
type ValidatorsResponse struct {
	Epoch       uint64          `json:"epoch"`
	StartHeight uint64          `json:"start_height"`
	TotalPower  types.Amount    `json:"total_power"`
	TotalWeight types.Amount    `json:"total_weight"` // Deprecated: the same as TotalPower
	Validators  []ValidatorJSON `json:"validators"`
}

// SubmitReceiptResponse is submitReceipt.
type SubmitReceiptResponse struct {
	TxHash    types.Hash `json:"tx_hash"`
	ReceiptID types.Hash `json:"receipt_id"`
}
