package api

import (
	"bytes"
	"fmt"

	"aitbc/engine/types"
)

// Response bodies. Field names are the wire contract of server and client.

// HeadResponse is get_head (and the head inside status).
type HeadResponse struct {
	Height    uint64     `json:"height"`
	Hash      types.Hash `json:"hash"`
	Time      uint64     `json:"time"` // Unix ms
	StateRoot types.Hash `json:"state_root"`
	TxCount   int        `json:"tx_count"`
}

// SendTxResponse is send_tx.
type SendTxResponse struct {
	TxHash types.Hash `json:"tx_hash"`
}

// BalanceResponse is get_balance.
type BalanceResponse struct {
	Address types.Address `json:"address"`
	Balance types.Amount  `json:"balance"`
}

// AccountResponse is get_account.
type AccountResponse struct {
	Address types.Address `json:"address"`
	Balance types.Amount  `json:"balance"`
	Nonce   uint64        `json:"nonce"` // of the last applied tx; the next is Nonce+1
}

// Tx statuses.
const (
	TxPending   = "pending"
	TxCommitted = "committed"
)

// TxResponse is get_tx and a mempool entry: the tx and where it is.
// Height and Index are meaningful only when Status is "committed".
type TxResponse struct {
	TxJSON
	Hash   types.Hash `json:"hash"`
	Status string     `json:"status"`
	Height uint64     `json:"height"`
	Index  uint32     `json:"index"`
}

// CommitJSON is a commit certificate: Signers is the bitmap bytes (bit i =
// validator i), SignersLen its length in bits.
type CommitJSON struct {
	Height     uint64         `json:"height"`
	Round      uint32         `json:"round"`
	BlockHash  types.Hash     `json:"block_hash"`
	SignersLen uint32         `json:"signers_len"`
	Signers    types.HexBytes `json:"signers"`
	AggSig     types.HexBytes `json:"agg_sig"`
}

// Cert is the certificate c describes, for a client to verify with
// validators.Set.VerifyCommit against the set of c.Height: get_commit
// serves what the node stored without checking it again (docs/spec.md
// §14.7). An error is a malformed answer (signature or bitmap length),
// not a verdict on the certificate.
func (c CommitJSON) Cert() (*types.CommitCert, error) {
	if len(c.AggSig) != types.BLSSigLen {
		return nil, fmt.Errorf("commit of height %d: agg_sig is %d bytes, want %d", c.Height, len(c.AggSig), types.BLSSigLen)
	}
	if want := (uint64(c.SignersLen) + 7) / 8; uint64(len(c.Signers)) != want {
		return nil, fmt.Errorf("commit of height %d: signers is %d bytes, want %d for signers_len %d", c.Height, len(c.Signers), want, c.SignersLen)
	}
	out := &types.CommitCert{Height: c.Height, Round: c.Round, BlockHash: c.BlockHash,
		Signers: types.Bitmap{N: c.SignersLen, Bits: bytes.Clone([]byte(c.Signers))}}
	copy(out.AggSig[:], c.AggSig)
	return out, nil
}

// BlockResponse is get_block: header fields, txs and both certificates.
type BlockResponse struct {
	Height             uint64        `json:"height"`
	Hash               types.Hash    `json:"hash"`
	ChainID            string        `json:"chain_id"`
	Time               uint64        `json:"time"`
	ParentHash         types.Hash    `json:"parent_hash"`
	Proposer           types.Address `json:"proposer"`
	TxRoot             types.Hash    `json:"tx_root"`
	StateRoot          types.Hash    `json:"state_root"`
	ValidatorsHash     types.Hash    `json:"validators_hash"`
	NextValidatorsHash types.Hash    `json:"next_validators_hash"`
	LastCommitHash     types.Hash    `json:"last_commit_hash"`
	EvidenceHash       types.Hash    `json:"evidence_hash"` // zero: the block carries no evidence
	TxCount            int           `json:"tx_count"`
	TxHashes           []types.Hash  `json:"tx_hashes"`
	Txs                []TxJSON      `json:"txs"`
	LastCommit         *CommitJSON   `json:"last_commit"` // the parent's certificate; null at height 1
	Commit             *CommitJSON   `json:"commit"`      // this block's certificate
	// Evidence is the double-sign evidence the block carries and applies
	// (pos and hybrid chains; docs/spec.md §13.6); empty without any.
	Evidence []EvidenceJSON `json:"evidence"`
}

// MempoolResponse is mempool: the totals and up to ?limit= txs in priority order.
type MempoolResponse struct {
	Count int          `json:"count"`
	Bytes int          `json:"bytes"`
	Txs   []TxResponse `json:"txs"`
}

// FeeResponse is estimate_fee.
type FeeResponse struct {
	MinFee types.Amount `json:"min_fee"`
	Size   int          `json:"size"` // encoded bytes, the fee basis
}

// StatusResponse is status.
type StatusResponse struct {
	ChainID          string       `json:"chain_id"`
	Version          string       `json:"version"`
	Head             HeadResponse `json:"head"`
	Validator        string       `json:"validator"` // this node's validator address; "" if it is not one
	Validators       int          `json:"validators"`
	MempoolTxs       int          `json:"mempool_txs"`
	MempoolBytes     int          `json:"mempool_bytes"`
	SigverifyBackend string       `json:"sigverify_backend"`
	GPU              GPUJSON      `json:"gpu"`
	IndexedHeight    uint64       `json:"indexed_height"`
	Syncing          bool         `json:"syncing"`
	Peers            int          `json:"peers"`            // peers whose status arrived recently
	Halted           *HaltJSON    `json:"halted,omitempty"` // set once consensus stopped at a height
}

// HaltJSON says where and why consensus stopped on this node (engine.Halt).
type HaltJSON struct {
	Height uint64     `json:"height"`
	Hash   types.Hash `json:"hash"`
	Reason string     `json:"reason"`
}

// GPUJSON is the signature GPU as NVML sees it.
type GPUJSON struct {
	Present          bool     `json:"present"`
	Healthy          bool     `json:"healthy"`
	Reason           string   `json:"reason,omitempty"` // why not present or not healthy
	Name             string   `json:"name,omitempty"`
	UtilizationPct   uint64   `json:"utilization_pct"`
	MemoryUsedBytes  uint64   `json:"memory_used_bytes"`
	MemoryTotalBytes uint64   `json:"memory_total_bytes"`
	TemperatureC     uint64   `json:"temperature_c"`
	PowerMilliwatts  uint64   `json:"power_mw"`
	ECCErrors        uint64   `json:"ecc_errors"`
	ThrottleReasons  []string `json:"throttle_reasons,omitempty"`
}

// HealthResponse is /health.
type HealthResponse struct {
	Status string `json:"status"` // "ok"
	Height uint64 `json:"height"`
}
