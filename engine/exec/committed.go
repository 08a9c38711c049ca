package exec

import (
	"fmt"

	"aitbc/engine"
	"aitbc/engine/state"
	"aitbc/engine/types"
)

// Committed is the one producer of engine.CommittedBlock: what committing
// x with its certificate makes durable. Live commit, the indexer's re-read
// of a stored block and reindex (both through Replay) all build it here,
// so every path fills every field the same way.
func Committed(x *Executed, cert *types.CommitCert) *engine.CommittedBlock {
	return &engine.CommittedBlock{Block: x.Block, Cert: cert, TxHashes: x.Hashes,
		Accounts: x.Batch.Updates(), Receipts: x.Batch.Receipts()}
}

// Replay executes a committed block on st (the state as of the block's
// parent), checks the state root its header commits to, applies it to st
// and returns what its live commit produced. Signatures are not checked:
// the block is final. An error wraps engine.ErrInvalidBlock, and st is
// left unchanged.
func Replay(st *state.State, blk *types.Block, cert *types.CommitCert) (*engine.CommittedBlock, error) {
	h := blk.Header.Height
	b := st.Begin(state.BlockInfo{Height: h, Proposer: blk.Header.Proposer})
	for i, tx := range blk.Txs {
		if err := b.Apply(tx); err != nil {
			return nil, fmt.Errorf("%w: replay block %d: tx %d: %w", engine.ErrInvalidBlock, h, i, err)
		}
	}
	if err := b.End(); err != nil {
		return nil, fmt.Errorf("%w: replay block %d: end of block: %w", engine.ErrInvalidBlock, h, err)
	}
	if root := b.Root(); root != blk.Header.StateRoot {
		return nil, fmt.Errorf("%w: replay block %d: state root %s, header says %s (wrong genesis?)", engine.ErrInvalidBlock, h, root, blk.Header.StateRoot)
	}
	cb := Committed(&Executed{Block: blk, Hashes: blk.TxHashes(), Batch: b}, cert)
	if err := st.Commit(b); err != nil {
		return nil, fmt.Errorf("%w: replay block %d: %w", engine.ErrInvalidBlock, h, err)
	}
	return cb, nil
}

// CheckBody checks what a block's hash does not cover directly: that its
// txs and last commit are the ones its header commits to. A certificate
// covers only the header, so a peer could otherwise pair a certified
// header with other txs. An error wraps engine.ErrBadPeerMessage.
func CheckBody(b *types.Block) error {
	h := &b.Header
	if types.MerkleRoot(b.TxHashes()) != h.TxRoot {
		return fmt.Errorf("%w: block %d: txs do not match the header's tx root", engine.ErrBadPeerMessage, h.Height)
	}
	if h.Height == 1 {
		if b.LastCommit != nil || !h.LastCommitHash.IsZero() {
			return fmt.Errorf("%w: block 1 carries a last commit", engine.ErrBadPeerMessage)
		}
		return nil
	}
	if b.LastCommit == nil || b.LastCommit.Hash() != h.LastCommitHash {
		return fmt.Errorf("%w: block %d: last commit does not match the header", engine.ErrBadPeerMessage, h.Height)
	}
	return nil
}
