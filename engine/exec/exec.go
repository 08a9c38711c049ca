package exec

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"aitbc/engine"
	"aitbc/engine/bls"
	"aitbc/engine/consensus"
	"aitbc/engine/epochs"
	"aitbc/engine/state"
	"aitbc/engine/types"
	"aitbc/engine/validators"
)

// Executed is a block whose txs were executed against the head: the
// block, its tx hashes and the state batch its commit applies.
type Executed struct {
	Block  *types.Block
	Hashes []types.Hash
	Batch  *state.Batch
	// Elected is the set the election after the block chose (pos and
	// hybrid chains, the last block of an epoch), else nil.
	Elected *engine.ElectedSet
}

// Executor builds our proposals and validates others', executing each on
// a batch over the Ledger's committed state, and keeps the executed
// candidates of the height being decided until one commits. Build,
// Validate, Decided and Reset are for the node loop only; the verdict
// cache it shares with ingest is safe for concurrent use.
type Executor struct {
	chainID  string
	vals     *validators.Set
	self     types.Address // our validator's fee-recipient address; zero if none
	ledger   *Ledger
	verify   engine.SigVerifier
	verdicts *VerdictCache
	log      *slog.Logger
	pending  map[types.Hash]*Executed
	// setAtFn gives the set that signs a height (nil, or a nil answer:
	// vals). Every set rule asks it: the header's two set hashes, the
	// proposer, and the last commit (the set of height-1).
	setAtFn func(height uint64) *validators.Set
	// hist holds the chain's sets by epoch and runs the election after
	// an epoch's last block (nil: the set never changes).
	hist *epochs.History
	// evidence lists recorded double-sign evidence of heights >= from
	// (nil: our proposals carry none); see SetEvidenceSource.
	evidence func(from uint64, limit int) ([]*types.Evidence, error)
	// selfKey is our validator's BLS key (nil: none); with it, Build names
	// as proposer the address that holds it in the set of the height.
	selfKey *bls.PublicKey
}

// SetEvidenceSource installs where our proposals find double-sign
// evidence (the block store's recorded evidence, BlockStore.Evidence): on
// pos and hybrid chains each proposal carries what it can apply
// (docs/spec.md §13.6).
func (e *Executor) SetEvidenceSource(f func(from uint64, limit int) ([]*types.Evidence, error)) {
	e.evidence = f
}

// evidenceFor lists the recorded evidence a proposal for height may carry:
// on pos and hybrid chains, pieces of heights within max_evidence_age
// below it, not applied yet, that verify against the set of their height,
// at most max_evidence_per_block of them. Applied pieces are skipped
// before their two pairing checks: every proposal walks the recorded
// evidence of the age window, most of it applied long ago. Reap then keeps
// those the state can apply.
func (e *Executor) evidenceFor(height uint64) []*types.Evidence {
	if e.evidence == nil || e.hist == nil || !e.hist.Staking() || height <= 1 {
		return nil
	}
	pos := e.ledger.Params().PoS()
	age := pos.MaxEvidenceAge
	from := uint64(1)
	if height > age {
		from = height - age
	}
	evs, err := e.evidence(from, types.MaxBlockEvidence)
	if err != nil {
		e.log.Warn("cannot read recorded evidence for our proposal", "height", height, "err", err)
		return nil
	}
	out := evs[:0]
	for _, ev := range evs {
		if len(out) == int(pos.MaxEvidencePerBlock) {
			break
		}
		if ev.Height() < height && !e.ledger.EvidenceApplied(ev.Hash()) &&
			consensus.VerifyEvidence(e.chainID, e.setAt(ev.Height()), ev) == nil {
			out = append(out, ev)
		}
	}
	return out
}

// SetSelfKey sets our validator's BLS key: our proposals name as proposer
// (and pay the fee remainder to) the member of the height's set that holds
// it, which on a pos or hybrid chain may be a staker not in genesis.
func (e *Executor) SetSelfKey(pk bls.PublicKey) { e.selfKey = &pk }

// proposer is the address our proposal for height names.
func (e *Executor) proposer(height uint64) types.Address {
	if e.selfKey != nil {
		set := e.setAt(height)
		if i, ok := set.IndexOfBLS(*e.selfKey); ok {
			return set.Get(i).Address
		}
	}
	return e.self
}

// SetEpochs installs the chain's set history (docs/spec.md §17): on pos
// and hybrid chains each executed block's fees go to the signers of its
// last commit (§13.3), and the last block of an epoch carries the set the
// election after it chooses (Executed.Elected). setAt answers from it
// unless SetSetAt installed a lookup. The executor reads hist; the caller
// installs elected sets in it once their block commits.
func (e *Executor) SetEpochs(hist *epochs.History) { e.hist = hist }

// SetSetAt installs the lookup of the set that signs a height, for chains
// whose set changes at epoch boundaries (docs/spec.md §17); without it
// every height is signed by the executor's own set. For a block of height
// h, Build stamps validators_hash with setAt(h) and next_validators_hash
// with setAt(h+1), and Validate requires both, a proposer of setAt(h) and
// a last commit that verifies against setAt(h-1), the set of its own
// height (§14.7).
func (e *Executor) SetSetAt(setAt func(height uint64) *validators.Set) { e.setAtFn = setAt }

// setAt is the set that signs height.
func (e *Executor) setAt(height uint64) *validators.Set {
	if e.setAtFn != nil {
		if s := e.setAtFn(height); s != nil {
			return s
		}
	}
	if e.hist != nil {
		if s := e.hist.At(height); s != nil {
			return s
		}
	}
	return e.vals
}

// NewExecutor returns an executor for chainID's validator set; self is
// the address our proposals pay fees to.
func NewExecutor(chainID string, vals *validators.Set, self types.Address, ledger *Ledger, verify engine.SigVerifier, verdicts *VerdictCache, log *slog.Logger) *Executor {
	return &Executor{chainID: chainID, vals: vals, self: self, ledger: ledger, verify: verify, verdicts: verdicts,
		log: log, pending: map[types.Hash]*Executed{}}
}

// blockSlack is the room Build leaves under MaxBlockBytes for the header
// and the last commit.
const blockSlack = 4096

// Build reaps the mempool into our proposal for req on top of head,
// stamped with now (at least head's time + 1 ms).
func (e *Executor) Build(req *consensus.BuildRequest, head engine.Head, now time.Time) *types.Block {
	p := e.ledger.Params()
	self := e.proposer(req.Height)
	info := BlockInfoOf(e.hist, req.Height, self, req.LastCommit)
	evs := e.evidenceFor(req.Height)
	room := int(p.MaxBlockBytes) - blockSlack
	for _, ev := range evs {
		room -= 4 + len(ev.Encode())
	}
	txs, evs, batch := e.ledger.Reap(info, evs, int(p.MaxBlockTxs), room, func(tx *types.Tx, err error) {
		e.log.Debug("tx left out of block", "tx", tx.Hash().String(), "err", err)
	})
	hashes := make([]types.Hash, len(txs))
	for i, tx := range txs {
		hashes[i] = tx.Hash()
	}
	ms := uint64(now.UnixMilli())
	if ms <= head.Time {
		ms = head.Time + 1 // block time strictly increases
	}
	blk := &types.Block{
		Header: types.Header{
			ChainID: e.chainID, Height: req.Height, Time: ms, ParentHash: head.Hash,
			Proposer: self, TxRoot: types.MerkleRoot(hashes), StateRoot: batch.Root(),
			ValidatorsHash: e.setAt(req.Height).Hash(), NextValidatorsHash: e.setAt(req.Height + 1).Hash(),
		},
		Txs:        txs,
		LastCommit: req.LastCommit,
		Evidence:   evs,
	}
	blk.Header.EvidenceHash = types.EvidenceRoot(evs)
	if req.LastCommit != nil {
		blk.Header.LastCommitHash = req.LastCommit.Hash()
	}
	elected, err := elect(e.hist, req.Height, batch)
	if err != nil {
		// Deterministic: every validator's execution of any block at
		// this height fails the same way, so the chain stops here.
		e.log.Error("election after our proposal failed; the block will not validate", "height", req.Height, "err", err)
	}
	e.pending[blk.Hash()] = &Executed{Block: blk, Hashes: hashes, Batch: batch, Elected: elected}
	return blk
}

// Validate checks a proposed block against head and executes it; an
// error wraps engine.ErrInvalidBlock (and the rule's own sentinel).
func (e *Executor) Validate(ctx context.Context, blk *types.Block, head engine.Head) error {
	_, err := e.execute(ctx, blk, head)
	return err
}

// Decided returns the executed form of a block consensus decided,
// validating it first when it is not a candidate already.
func (e *Executor) Decided(ctx context.Context, blk *types.Block, head engine.Head) (*Executed, error) {
	return e.execute(ctx, blk, head)
}

// Reset forgets the candidates of the height just committed.
func (e *Executor) Reset() { clear(e.pending) }

func (e *Executor) execute(ctx context.Context, blk *types.Block, head engine.Head) (*Executed, error) {
	if x, ok := e.pending[blk.Hash()]; ok {
		return x, nil // we built or already validated it
	}
	h := &blk.Header
	vals := e.setAt(h.Height)
	bad := func(format string, a ...any) error {
		return fmt.Errorf("%w: height %d: %w", engine.ErrInvalidBlock, h.Height, fmt.Errorf(format, a...))
	}
	switch {
	case h.ChainID != e.chainID:
		return nil, bad("chain_id %q", h.ChainID)
	case h.Height != head.Height+1:
		return nil, bad("expected height %d", head.Height+1)
	case h.ParentHash != head.Hash:
		return nil, bad("parent %s, head is %s", h.ParentHash, head.Hash)
	case h.Time <= head.Time:
		return nil, bad("time %d not after parent time %d", h.Time, head.Time)
	case h.Time > types.MaxBlockTimeMs:
		return nil, bad("time %d above %d", h.Time, uint64(types.MaxBlockTimeMs))
	case h.ValidatorsHash != vals.Hash():
		return nil, bad("%w", &SetHashError{Field: "validators_hash", Height: h.Height, Got: h.ValidatorsHash, Want: vals.Hash()})
	case h.NextValidatorsHash != e.setAt(h.Height+1).Hash():
		return nil, bad("%w", &SetHashError{Field: "next_validators_hash", Height: h.Height + 1, Got: h.NextValidatorsHash, Want: e.setAt(h.Height + 1).Hash()})
	case len(blk.Txs) > int(e.ledger.Params().MaxBlockTxs):
		return nil, bad("%d txs over the limit", len(blk.Txs))
	case blk.EncodedSize() > int(e.ledger.Params().MaxBlockBytes):
		return nil, bad("%d bytes over max_block_bytes %d", blk.EncodedSize(), e.ledger.Params().MaxBlockBytes)
	}
	if _, ok := vals.IndexOf(h.Proposer); !ok {
		return nil, bad("proposer %s is not a validator", h.Proposer)
	}
	if h.Height > 1 {
		if blk.LastCommit == nil || blk.LastCommit.Hash() != h.LastCommitHash || blk.LastCommit.BlockHash != head.Hash {
			return nil, bad("last commit missing or not for the parent")
		}
		// The parent's certificate was signed by the parent's set, which
		// differs from this height's at an epoch boundary.
		if err := e.setAt(h.Height-1).VerifyCommit(e.chainID, blk.LastCommit); err != nil {
			return nil, bad("last commit of height %d: %w", h.Height-1, err)
		}
	} else if blk.LastCommit != nil || !h.LastCommitHash.IsZero() {
		return nil, bad("height 1 carries a last commit")
	}
	hashes := blk.TxHashes()
	if types.MerkleRoot(hashes) != h.TxRoot {
		return nil, bad("tx root mismatch")
	}
	if types.EvidenceRoot(blk.Evidence) != h.EvidenceHash {
		return nil, bad("evidence root mismatch")
	}
	// Evidence (docs/spec.md §13.6): pos and hybrid chains only; each
	// piece of a height below this one, verified against the set of its
	// height, then applied before the txs.
	if len(blk.Evidence) > 0 && (e.hist == nil || !e.hist.Staking()) {
		return nil, bad("evidence on a chain without stake")
	}
	for i, ev := range blk.Evidence {
		if ev.Height() >= h.Height {
			return nil, bad("evidence %d: infraction at height %d, not below %d", i, ev.Height(), h.Height)
		}
		if err := consensus.VerifyEvidence(e.chainID, e.setAt(ev.Height()), ev); err != nil {
			return nil, bad("evidence %d: %w", i, err)
		}
	}
	for i, tx := range blk.Txs {
		if err := tx.ValidateBasic(e.chainID); err != nil {
			return nil, bad("tx %d: %w", i, err)
		}
	}
	checks := make([]SigCheck, len(blk.Txs))
	for i, tx := range blk.Txs {
		checks[i] = SigCheck{Tx: tx, Hash: hashes[i]}
	}
	verdicts, err := CheckSigs(ctx, e.verify, e.verdicts, e.chainID, checks)
	if err != nil && ctx.Err() == nil {
		// The backend failed (busy queue, device error, timeout): that says
		// nothing about the block. Check on the CPU instead, never vote nil
		// on a good block or halt on a decided one for it.
		e.log.Warn("signature backend failed; checking the block's signatures on the CPU", "height", h.Height, "err", err)
		verdicts, err = CheckSigs(ctx, cpuVerifier{}, e.verdicts, e.chainID, checks)
	}
	if err != nil {
		return nil, fmt.Errorf("signature check: %w", err)
	}
	for i, v := range verdicts {
		if v != nil {
			return nil, bad("tx %d: %w", i, v)
		}
	}
	batch := e.ledger.Begin(BlockInfoOf(e.hist, h.Height, h.Proposer, blk.LastCommit))
	if err := applyEvidence(batch, blk.Evidence); err != nil {
		return nil, bad("%w", err)
	}
	for i, tx := range blk.Txs {
		if err := batch.Apply(tx); err != nil {
			return nil, bad("tx %d: %w", i, err)
		}
	}
	if err := batch.End(); err != nil {
		return nil, bad("end of block: %w", err)
	}
	if root := batch.Root(); root != h.StateRoot {
		return nil, bad("state root %s, header says %s", root, h.StateRoot)
	}
	elected, err := elect(e.hist, h.Height, batch)
	if err != nil {
		return nil, bad("%w", err)
	}
	x := &Executed{Block: blk, Hashes: hashes, Batch: batch, Elected: elected}
	e.pending[blk.Hash()] = x
	return x, nil
}
