package indexer

import (
	"fmt"

	"aitbc/engine"
	"aitbc/engine/epochs"
	"aitbc/engine/exec"
	"aitbc/engine/state"
	"aitbc/engine/types"
	"aitbc/engine/validators"
)

// Replayer rebuilds the CommittedBlock of any stored height by replaying
// the chain from genesis on a replica state (exec.Replay), so what it
// yields for a height equals, field for field, what that height's live
// commit produced: the accounts a block changed as of that height, not as
// of the head. The replica is built on first use and then kept at the
// height last asked for (Follow advances it with live blocks), so
// re-reading consecutive heights costs one block each; asking for a
// height at or below the replica's starts again from genesis. Not safe
// for concurrent use; the replica holds a second copy of the state.
type Replayer struct {
	gen    *types.Genesis
	src    engine.BlockSource
	st     *state.State    // nil until first use
	hist   *epochs.History // the sets as of st
	height uint64          // st is the state after this height
}

// NewReplayer replays gen's chain from the blocks in src.
func NewReplayer(gen *types.Genesis, src engine.BlockSource) *Replayer {
	return &Replayer{gen: gen, src: src}
}

// At returns what committing stored block h produced.
func (r *Replayer) At(h uint64) (*engine.CommittedBlock, error) {
	if h == 0 {
		return nil, fmt.Errorf("%w: replay height 0", engine.ErrInvalidBlock)
	}
	if r.st == nil || r.height >= h {
		st, err := state.FromGenesis(r.gen)
		if err != nil {
			return nil, fmt.Errorf("replay: genesis state: %w", err)
		}
		set, err := validators.FromGenesis(r.gen)
		if err != nil {
			return nil, fmt.Errorf("replay: genesis set: %w", err)
		}
		hist, err := epochs.New(r.gen, set)
		if err != nil {
			return nil, fmt.Errorf("replay: %w", err)
		}
		r.st, r.hist, r.height = st, hist, 0
	}
	for { // r.height < h here
		cb, err := r.replayNext()
		if err != nil {
			r.st = nil // partly replayed: start over next time
			return nil, err
		}
		if r.height == h {
			return cb, nil
		}
	}
}

// Follow advances the replica past a live-committed block, when the
// replica exists and the block is the next one, by applying what the
// block recorded (exec.Follow; no re-execution). A block the replica
// cannot follow drops it: the next At replays from genesis.
func (r *Replayer) Follow(cb *engine.CommittedBlock) {
	if r.st == nil || cb.Block.Header.Height != r.height+1 {
		return
	}
	if err := exec.Follow(r.st, r.hist, cb); err != nil {
		r.st = nil
		return
	}
	r.height++
}

func (r *Replayer) replayNext() (*engine.CommittedBlock, error) {
	h := r.height + 1
	blk, err := r.src.Block(h)
	if err != nil {
		return nil, fmt.Errorf("replay: block %d: %w", h, err)
	}
	cert, err := r.src.CommitCert(h)
	if err != nil {
		return nil, fmt.Errorf("replay: commit %d: %w", h, err)
	}
	if blk.Header.Height != h || blk.Header.ChainID != r.gen.ChainID {
		return nil, fmt.Errorf("%w: stored block %d is height %d of chain %q", engine.ErrInvalidBlock, h, blk.Header.Height, blk.Header.ChainID)
	}
	cb, err := exec.Replay(r.st, r.hist, blk, cert)
	if err != nil {
		return nil, err
	}
	r.height = h
	return cb, nil
}
