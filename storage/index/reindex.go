package index

import (
	"context"
	"errors"
	"fmt"
	"time"

	"aitbc/engine"
	"aitbc/engine/state"
	"aitbc/engine/types"
)

// Source is what Reindex reads: the block store (engine.BlockStore and
// *blockstore.Store satisfy it).
type Source interface {
	Head() (uint64, types.Hash, error)
	Block(height uint64) (*types.Block, error)
	CommitCert(height uint64) (*types.CommitCert, error)
}

// ReindexOptions tune Reindex.
type ReindexOptions struct {
	// From is the first height written (0 and 1: all). Heights below it are
	// replayed, not written; From may not exceed LastIndexedHeight+1.
	From uint64
	// Batch is the number of blocks per transaction (default 64).
	Batch int
	// Progress, if set, is called after every batch.
	Progress func(ReindexProgress)
}

// ReindexProgress reports how far Reindex got.
type ReindexProgress struct {
	Height   uint64 // last height written
	Head     uint64 // the store's head when Reindex started
	Blocks   int    // blocks written so far
	Txs      int
	Receipts int
	Elapsed  time.Duration
}

// DefaultReindexBatch is ReindexOptions.Batch's default: the engine's.
const DefaultReindexBatch = 64

// Reindex rebuilds the index from the block store: it replays every block
// from genesis through the ledger (engine/state, no signature checks: the
// blocks are final) and writes heights From..head with IndexBlocks, in
// batches. The replay yields exactly the CommittedBlock the pipeline
// produced at commit time (accounts changed by each block, receipts), so
// the rows equal those live indexing wrote; each block's replayed state
// root is checked against its header. Idempotent: re-running rewrites the
// same rows. It stops at the head the store had when it started.
func Reindex(ctx context.Context, ix *Index, src Source, gen *types.Genesis, opts ReindexOptions) (ReindexProgress, error) {
	start := time.Now()
	batch := opts.Batch
	if batch <= 0 {
		batch = DefaultReindexBatch
	}
	from := max(opts.From, 1)
	var p ReindexProgress
	head, _, err := src.Head()
	if err != nil {
		return p, fmt.Errorf("index: reindex: read head: %w", err)
	}
	p.Head = head
	last, err := ix.LastIndexedHeight(ctx)
	if err != nil {
		return p, err
	}
	if from > last+1 {
		return p, fmt.Errorf("%w: --from %d but the index ends at %d (start at %d or lower)", ErrGap, from, last, last+1)
	}
	st, err := state.FromGenesis(gen)
	if err != nil {
		return p, fmt.Errorf("index: reindex: genesis state: %w", err)
	}
	pending := make([]*engine.CommittedBlock, 0, batch)
	flush := func() error {
		if len(pending) == 0 {
			return nil
		}
		if err := ix.IndexBlocks(ctx, pending); err != nil {
			return err
		}
		for _, cb := range pending {
			p.Blocks++
			p.Txs += len(cb.Block.Txs)
			p.Receipts += len(cb.Receipts)
		}
		p.Height = pending[len(pending)-1].Block.Header.Height
		p.Elapsed = time.Since(start)
		pending = pending[:0]
		if opts.Progress != nil {
			opts.Progress(p)
		}
		return nil
	}
	for h := uint64(1); h <= head; h++ {
		if err := ctx.Err(); err != nil {
			return p, err
		}
		cb, err := replay(st, src, h, gen.ChainID)
		if err != nil {
			return p, err
		}
		if h < from {
			continue
		}
		pending = append(pending, cb)
		if len(pending) == batch {
			if err := flush(); err != nil {
				return p, err
			}
		}
	}
	if err := flush(); err != nil {
		return p, err
	}
	p.Elapsed = time.Since(start)
	return p, nil
}

// ErrReplay: a stored block does not replay to its header's state root.
var ErrReplay = errors.New("index: reindex: stored block does not replay")

// replay executes block h on st and returns what its commit produced.
func replay(st *state.State, src Source, h uint64, chainID string) (*engine.CommittedBlock, error) {
	blk, err := src.Block(h)
	if err != nil {
		return nil, fmt.Errorf("index: reindex: block %d: %w", h, err)
	}
	cert, err := src.CommitCert(h)
	if err != nil {
		return nil, fmt.Errorf("index: reindex: commit %d: %w", h, err)
	}
	if blk.Header.Height != h || blk.Header.ChainID != chainID {
		return nil, fmt.Errorf("%w: block %d is height %d of chain %q", ErrReplay, h, blk.Header.Height, blk.Header.ChainID)
	}
	b := st.Begin(blk.Header.Proposer)
	for i, tx := range blk.Txs {
		if err := b.Apply(tx); err != nil {
			return nil, fmt.Errorf("%w: block %d tx %d: %w", ErrReplay, h, i, err)
		}
	}
	if root := b.Root(); root != blk.Header.StateRoot {
		return nil, fmt.Errorf("%w: block %d: state root %s, header says %s (wrong genesis?)", ErrReplay, h, root, blk.Header.StateRoot)
	}
	cb := &engine.CommittedBlock{Block: blk, Cert: cert, TxHashes: blk.TxHashes(), Accounts: b.Updates(), Receipts: b.Receipts()}
	if err := st.Commit(b); err != nil {
		return nil, fmt.Errorf("index: reindex: block %d: %w", h, err)
	}
	return cb, nil
}
