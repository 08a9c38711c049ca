package indexer

import (
	"context"
	"errors"
	"fmt"

	"aitbc/engine"
	"aitbc/engine/types"
)

// ReindexOptions tune Reindex.
type ReindexOptions struct {
	// From is the first height written (0 and 1: all). Heights below it are
	// replayed, not written; From may not exceed LastIndexedHeight+1.
	From uint64
	// Batch is the number of blocks per transaction (default DefaultBatch).
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
}

// DefaultBatch is the blocks per index transaction of Reindex and of the
// node's indexer.
const DefaultBatch = 64

// ErrGap: Reindex was asked to start above the index's end, which would
// leave a gap.
var ErrGap = errors.New("reindex would leave a gap")

// Reindex rebuilds the index from the block store: it replays every block
// from genesis (Replayer: the same CommittedBlock live commit produced,
// each block's state root checked against its header; no signature
// checks, the blocks are final) and writes heights From..head with
// IndexBlocks, in batches. Idempotent: re-running rewrites the same rows.
// It stops at the head the store had when it started.
func Reindex(ctx context.Context, ix engine.Index, src engine.BlockSource, gen *types.Genesis, opts ReindexOptions) (ReindexProgress, error) {
	batch := opts.Batch
	if batch <= 0 {
		batch = DefaultBatch
	}
	from := max(opts.From, 1)
	var p ReindexProgress
	head, _, err := src.Head()
	if err != nil {
		return p, fmt.Errorf("reindex: read head: %w", err)
	}
	p.Head = head
	last, err := ix.LastIndexedHeight(ctx)
	if err != nil {
		return p, err
	}
	if from > last+1 {
		return p, fmt.Errorf("%w: --from %d but the index ends at %d (start at %d or lower)", ErrGap, from, last, last+1)
	}
	r := NewReplayer(gen, src)
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
		cb, err := r.At(h)
		if err != nil {
			return p, fmt.Errorf("reindex: %w", err)
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
	return p, flush()
}
