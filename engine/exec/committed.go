package exec

import (
	"fmt"

	"aitbc/engine"
	"aitbc/engine/epochs"
	"aitbc/engine/state"
	"aitbc/engine/types"
)

// Committed is the one producer of engine.CommittedBlock: what committing
// x with its certificate makes durable. Live commit, the indexer's re-read
// of a stored block and reindex (both through Replay) all build it here,
// so every path fills every field the same way.
func Committed(x *Executed, cert *types.CommitCert) *engine.CommittedBlock {
	return &engine.CommittedBlock{Block: x.Block, Cert: cert, TxHashes: x.Hashes,
		Accounts: x.Batch.Updates(), Receipts: x.Batch.Receipts(),
		Stakes: x.Batch.StakeUpdates(), Evidence: x.Batch.EvidenceUpdates(), Supply: x.Batch.Supply(), Elected: x.Elected}
}

// Replay executes a committed block on st (the state as of the block's
// parent) with hist (the chain's sets, as of the parent), checks the state
// root its header commits to, applies it to st, installs the set the
// election after it chooses (pos and hybrid) in hist, and returns what its
// live commit produced. Signatures are not checked: the block is final.
// An error wraps engine.ErrInvalidBlock, and st and hist are left
// unchanged.
func Replay(st *state.State, hist *epochs.History, blk *types.Block, cert *types.CommitCert) (*engine.CommittedBlock, error) {
	h := blk.Header.Height
	b := st.Begin(BlockInfoOf(hist, h, blk.Header.Proposer, blk.LastCommit))
	if err := applyEvidence(b, blk.Evidence); err != nil {
		return nil, fmt.Errorf("%w: replay block %d: %w", engine.ErrInvalidBlock, h, err)
	}
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
	elected, err := elect(hist, h, b)
	if err != nil {
		return nil, fmt.Errorf("%w: replay block %d: %w", engine.ErrInvalidBlock, h, err)
	}
	cb := Committed(&Executed{Block: blk, Hashes: blk.TxHashes(), Batch: b, Elected: elected}, cert)
	if elected != nil {
		if err := hist.Install(elected.Epoch, elected.Set); err != nil {
			return nil, fmt.Errorf("%w: replay block %d: %w", engine.ErrInvalidBlock, h, err)
		}
	}
	if err := st.Commit(b); err != nil {
		return nil, fmt.Errorf("%w: replay block %d: %w", engine.ErrInvalidBlock, h, err)
	}
	return cb, nil
}

// Follow applies what committing cb recorded to st and hist without
// executing it again (a replica following live commits): the accounts,
// claimed jobs, stake records, applied evidence, supply and the elected
// set. cb must be the block after st's.
func Follow(st *state.State, hist *epochs.History, cb *engine.CommittedBlock) error {
	for _, u := range cb.Accounts {
		st.Set(u.Address, u.Account)
	}
	for _, rc := range cb.Receipts {
		st.AddClaimed(rc.JobHash)
	}
	for _, r := range cb.Stakes {
		st.SetStake(r)
	}
	for _, h := range cb.Evidence {
		st.AddEvidence(h)
	}
	st.SetSupply(cb.Supply)
	if cb.Elected != nil && hist != nil {
		return hist.Install(cb.Elected.Epoch, cb.Elected.Set)
	}
	return nil
}

// applyEvidence applies a block's verified evidence to its batch, in
// block order, before its txs (docs/spec.md §13.6).
func applyEvidence(b *state.Batch, evs []*types.Evidence) error {
	for i, ev := range evs {
		if _, err := b.ApplyEvidence(ev.Hash(), ev.Validator, ev.Height()); err != nil {
			return fmt.Errorf("evidence %d: %w", i, err)
		}
	}
	return nil
}

// BlockInfoOf is what executing the block of height by proposer with
// last commit lc needs besides its txs (docs/spec.md §13.3). On pos and
// hybrid chains (hist.Staking) the signers are the validators whose bits
// lc sets, with their power in the set of height−1, and Expected is that
// set's members, in set order; on poa chains (or a nil hist) both stay
// empty and the whole fee pot goes to the proposer. lc must have been
// verified against the set of height−1 (its bitmap has that set's size).
func BlockInfoOf(hist *epochs.History, height uint64, proposer types.Address, lc *types.CommitCert) state.BlockInfo {
	info := state.BlockInfo{Height: height, Proposer: proposer}
	if hist == nil || !hist.Staking() || height <= 1 || lc == nil {
		return info
	}
	parent := hist.At(height - 1)
	if parent == nil {
		return info
	}
	n := parent.Size()
	info.Expected = make([]types.Address, 0, n)
	for i := 0; i < n; i++ {
		v := parent.Get(i)
		info.Expected = append(info.Expected, v.Address)
		if lc.Signers.Get(i) {
			info.Signers = append(info.Signers, state.Signer{Address: v.Address, Power: v.Weight})
		}
	}
	return info
}

// elect runs the election after the block of height executed in b when
// one is due (pos and hybrid chains, the last height of an epoch): the
// set it chooses, or nil when none is due. It installs nothing.
func elect(hist *epochs.History, height uint64, b *state.Batch) (*engine.ElectedSet, error) {
	if hist == nil || !hist.Due(height) {
		return nil, nil
	}
	e, set, rep, err := hist.Elect(height, b.Stakes())
	if err != nil {
		return nil, err
	}
	return &engine.ElectedSet{Epoch: e, Set: set, Report: rep}, nil
}

// CheckBody checks what a block's hash does not cover directly: that its
// txs, evidence and last commit are the ones its header commits to. A certificate
// covers only the header, so a peer could otherwise pair a certified
// header with other txs. An error wraps engine.ErrBadPeerMessage.
func CheckBody(b *types.Block) error {
	h := &b.Header
	if types.MerkleRoot(b.TxHashes()) != h.TxRoot {
		return fmt.Errorf("%w: block %d: txs do not match the header's tx root", engine.ErrBadPeerMessage, h.Height)
	}
	if types.EvidenceRoot(b.Evidence) != h.EvidenceHash {
		return fmt.Errorf("%w: block %d: evidence does not match the header's evidence hash", engine.ErrBadPeerMessage, h.Height)
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
