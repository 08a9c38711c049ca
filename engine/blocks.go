package engine

import (
	"errors"
	"fmt"
	"time"

	"aitbc/engine/consensus"
	"aitbc/engine/state"
	"aitbc/engine/types"
	"aitbc/gpu"
)

// build reaps the mempool, executes the txs on a state overlay and returns
// the proposal block. Txs that fail execution are left out and dropped from
// the mempool (they could never apply in this order).
func (n *Node) build(req *consensus.BuildRequest) *types.Block {
	head := n.head.Load()
	p := n.state.Params()
	n.mu.Lock()
	txs := n.pool.Reap(int(p.MaxBlockTxs), int(p.MaxBlockBytes)-4096, n.nonceOf)
	batch := n.state.Begin(n.self)
	included := make([]*types.Tx, 0, len(txs))
	var failed []*types.Tx
	for _, tx := range txs {
		if err := batch.Apply(tx); err != nil {
			n.log.Debug("tx left out of block", "tx", tx.Hash().String(), "err", err)
			failed = append(failed, tx)
			continue
		}
		included = append(included, tx)
	}
	if len(failed) > 0 {
		n.pool.Update(failed, n.nonceOf)
	}
	root := batch.Root()
	n.mu.Unlock()

	hashes := make([]types.Hash, len(included))
	for i, tx := range included {
		hashes[i] = tx.Hash()
	}
	now := uint64(n.clock.Now().UnixMilli())
	if now <= head.Time {
		now = head.Time + 1 // block time strictly increases
	}
	blk := &types.Block{
		Header: types.Header{
			ChainID: n.chainID, Height: req.Height, Time: now, ParentHash: head.Hash,
			Proposer: n.self, TxRoot: types.MerkleRoot(hashes), StateRoot: root,
			ValidatorsHash: n.vals.Hash(),
		},
		Txs:        included,
		LastCommit: req.LastCommit,
	}
	if req.LastCommit != nil {
		blk.Header.LastCommitHash = req.LastCommit.Hash()
	}
	n.pending[blk.Hash()] = &builtBlock{block: blk, hashes: hashes, batch: batch}
	return blk
}

// Block validation errors.
var errInvalidBlock = errors.New("invalid block")

// validate checks a proposed block against the head and executes it.
func (n *Node) validate(blk *types.Block) error {
	if _, ok := n.pending[blk.Hash()]; ok {
		return nil // we built or already validated it
	}
	head := n.head.Load()
	h := &blk.Header
	bad := func(format string, a ...any) error {
		return fmt.Errorf("%w: height %d: %s", errInvalidBlock, h.Height, fmt.Sprintf(format, a...))
	}
	switch {
	case h.ChainID != n.chainID:
		return bad("chain_id %q", h.ChainID)
	case h.Height != head.Height+1:
		return bad("expected height %d", head.Height+1)
	case h.ParentHash != head.Hash:
		return bad("parent %s, head is %s", h.ParentHash, head.Hash)
	case h.Time <= head.Time:
		return bad("time %d not after parent time %d", h.Time, head.Time)
	case h.ValidatorsHash != n.vals.Hash():
		return bad("validators hash mismatch")
	case len(blk.Txs) > int(n.state.Params().MaxBlockTxs):
		return bad("%d txs over the limit", len(blk.Txs))
	}
	if _, ok := n.vals.IndexOf(h.Proposer); !ok {
		return bad("proposer %s is not a validator", h.Proposer)
	}
	if h.Height > 1 {
		if blk.LastCommit == nil || blk.LastCommit.Hash() != h.LastCommitHash || blk.LastCommit.BlockHash != head.Hash {
			return bad("last commit missing or not for the parent")
		}
		if err := n.vals.VerifyCommit(n.chainID, blk.LastCommit); err != nil {
			return bad("last commit: %v", err)
		}
	} else if blk.LastCommit != nil || !h.LastCommitHash.IsZero() {
		return bad("height 1 carries a last commit")
	}
	hashes := blk.TxHashes()
	if types.MerkleRoot(hashes) != h.TxRoot {
		return bad("tx root mismatch")
	}
	if err := n.verifyTxs(blk.Txs, hashes); err != nil {
		return bad("%v", err)
	}
	n.mu.RLock()
	batch := n.state.Begin(h.Proposer)
	n.mu.RUnlock()
	for i, tx := range blk.Txs {
		if err := tx.ValidateBasic(n.chainID); err != nil {
			return bad("tx %d: %v", i, err)
		}
		if err := batch.Apply(tx); err != nil {
			return bad("tx %d: %v", i, err)
		}
	}
	if root := batch.Root(); root != h.StateRoot {
		return bad("state root %s, header says %s", root, h.StateRoot)
	}
	n.pending[blk.Hash()] = &builtBlock{block: blk, hashes: hashes, batch: batch}
	return nil
}

// verifyTxs checks the signatures of the txs not already in the verdict
// cache, as one batch: each tx's own signature and, for a RECEIPT_CLAIM,
// its coordinator attestation. A tx's hash is cached only when all of its
// checks pass.
func (n *Node) verifyTxs(txs []*types.Tx, hashes []types.Hash) error {
	var items []gpu.Item
	type pendingTx struct{ i, first, n int }
	var pend []pendingTx
	for i, tx := range txs {
		if n.verdicts.has(hashes[i]) {
			continue
		}
		p := pendingTx{i: i, first: len(items), n: 1}
		items = append(items, txSigItem(tx))
		if tx.Type == types.TxReceiptClaim {
			rc, err := state.DecodeClaim(tx)
			if err != nil {
				return fmt.Errorf("tx %d: %w", i, err)
			}
			items = append(items, attestItem(n.chainID, tx, rc))
			p.n++
		}
		pend = append(pend, p)
	}
	if len(items) == 0 {
		return nil
	}
	ctx, cancel := n.ctx()
	defer cancel()
	ok, err := n.verify.VerifyAll(ctx, items)
	if err != nil {
		return fmt.Errorf("signature check: %w", err)
	}
	for _, p := range pend {
		for k := 0; k < p.n; k++ {
			if !ok[p.first+k] {
				return fmt.Errorf("tx %d: %w: %s", p.i, ErrBadSignature, sigName(k))
			}
		}
		n.verdicts.add(hashes[p.i])
	}
	return nil
}

// commit makes a decided block durable, applies it, and publishes it.
// Any error here is fatal: consensus decided the block, so the node must
// not go on without it.
func (n *Node) commit(c consensus.Commit) error {
	hash := c.Block.Hash()
	bb := n.pending[hash]
	if bb == nil {
		if err := n.validate(c.Block); err != nil {
			return fmt.Errorf("committed block fails validation: %w", err)
		}
		bb = n.pending[hash]
	}
	cb := &CommittedBlock{Block: bb.block, Cert: c.Cert, TxHashes: bb.hashes, Accounts: bb.batch.Updates(), Receipts: bb.batch.Receipts()}
	n.faultAt(FaultBeforeStore, cb)
	t0 := time.Now()
	if err := n.store.Commit(cb); err != nil {
		return fmt.Errorf("store block %d: %w", c.Block.Header.Height, err)
	}
	n.m.CommitDuration.Observe(time.Since(t0).Seconds())
	n.faultAt(FaultAfterStore, cb)

	now := n.clock.Now()
	n.mu.Lock()
	if err := n.state.Commit(bb.batch); err != nil {
		n.mu.Unlock()
		return fmt.Errorf("apply block %d: %w", c.Block.Header.Height, err)
	}
	n.pool.Update(bb.block.Txs, n.nonceOf)
	for _, th := range bb.hashes {
		if t, ok := n.admitted[th]; ok {
			n.m.FinalityLatency.Observe(now.Sub(t).Seconds())
			delete(n.admitted, th)
		}
	}
	n.pruneAdmitted()
	n.m.MempoolTxs.Set(float64(n.pool.Len()))
	n.m.MempoolBytes.Set(float64(n.pool.Bytes()))
	n.mu.Unlock()
	n.faultAt(FaultAfterApply, cb)

	h := bb.block.Header
	n.head.Store(&Head{Height: h.Height, Hash: hash, Time: h.Time, StateRoot: h.StateRoot, TxCount: len(bb.block.Txs)})
	clear(n.pending)
	n.m.HeadHeight.Set(float64(h.Height))
	n.m.TxsCommitted.Add(float64(len(bb.block.Txs)))
	n.m.BlockInterval.Observe(now.Sub(n.lastCommt).Seconds())
	n.lastCommt = now
	n.log.Info("committed", "height", h.Height, "hash", hash.String(), "txs", len(bb.block.Txs))
	n.publish.BlockCommitted(cb)
	n.publish.ConsensusEvent(Event{Kind: "commit", Height: h.Height, Round: c.Cert.Round, Step: "commit", BlockHash: hash, Time: now})
	if n.indexer != nil {
		n.indexer.enqueue(cb)
	}
	n.faultAt(FaultAfterPublish, cb)
	return nil
}

// pruneAdmitted drops admission times of txs no longer pending (replaced or
// evicted), so the map stays bounded by the mempool. Caller holds mu.
func (n *Node) pruneAdmitted() {
	if len(n.admitted) <= 2*n.pool.Len()+1024 {
		return
	}
	for h := range n.admitted {
		if _, ok := n.pool.Get(h); !ok {
			delete(n.admitted, h)
		}
	}
}
