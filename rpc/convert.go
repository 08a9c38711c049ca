package rpc

import (
	"aitbc/engine"
	"aitbc/engine/types"
	"aitbc/rpc/api"
	"aitbc/storage/index"
)

// The wire form (package api) of what the Backend and the Index return.

func headJSON(h engine.Head) api.HeadResponse {
	return api.HeadResponse{Height: h.Height, Hash: h.Hash, Time: h.Time, StateRoot: h.StateRoot, TxCount: h.TxCount}
}

func commitJSON(c *types.CommitCert) *api.CommitJSON {
	if c == nil {
		return nil
	}
	return &api.CommitJSON{
		Height: c.Height, Round: c.Round, BlockHash: c.BlockHash,
		SignersLen: c.Signers.N, Signers: types.HexBytes(c.Signers.Bits), AggSig: types.HexBytes(c.AggSig[:]),
	}
}

func blockJSON(b *types.Block, cert *types.CommitCert) api.BlockResponse {
	h := &b.Header
	out := api.BlockResponse{
		Height: h.Height, Hash: h.Hash(), ChainID: h.ChainID, Time: h.Time,
		ParentHash: h.ParentHash, Proposer: h.Proposer, TxRoot: h.TxRoot, StateRoot: h.StateRoot,
		ValidatorsHash: h.ValidatorsHash, NextValidatorsHash: h.NextValidatorsHash, LastCommitHash: h.LastCommitHash,
		EvidenceHash: h.EvidenceHash,
		TxCount:      len(b.Txs),
		TxHashes:     make([]types.Hash, len(b.Txs)),
		Txs:          make([]api.TxJSON, len(b.Txs)),
		LastCommit:   commitJSON(b.LastCommit),
		Commit:       commitJSON(cert),
		Evidence:     make([]api.EvidenceJSON, len(b.Evidence)),
	}
	for i, ev := range b.Evidence {
		out.Evidence[i] = evidenceJSON(ev)
		out.Evidence[i].IncludedHeight = h.Height
	}
	for i, tx := range b.Txs {
		out.TxHashes[i] = tx.Hash()
		out.Txs[i] = api.TxToJSON(tx)
	}
	return out
}

func txInfoJSON(info engine.TxInfo) api.TxResponse {
	r := api.TxResponse{TxJSON: api.TxToJSON(info.Tx), Hash: info.Hash, Status: api.TxCommitted, Height: info.Height, Index: info.Index}
	if info.Pending {
		r.Status, r.Height, r.Index = api.TxPending, 0, 0
	}
	return r
}

func indexedTxJSON(r index.TxRow) api.IndexedTxJSON {
	return api.IndexedTxJSON{Hash: r.Hash, Height: r.Height, Index: r.Index, Type: r.Type.String(), Sender: r.Sender,
		Recipient: r.Recipient, Nonce: r.Nonce, Amount: r.Amount, Fee: r.Fee, Status: r.Status}
}

func receiptJSON(r index.ReceiptRow) api.ReceiptJSON {
	return api.ReceiptJSON{ID: r.ID, JobID: types.HexBytes(r.JobID), Miner: r.Miner, Units: types.Amount(r.Units),
		Minted: types.Amount(r.Minted), Coordinator: r.Coordinator, TxHash: r.TxHash, Height: r.Height, Index: r.Index}
}
