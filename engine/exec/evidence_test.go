package exec

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"aitbc/engine"
	"aitbc/engine/consensus"
	"aitbc/engine/enginetest"
	"aitbc/engine/epochs"
	"aitbc/engine/state"
	"aitbc/engine/types"
	"aitbc/engine/validators"
	"aitbc/engine/validators/valtest"
)

// hybridExec is an executor on a hybrid chain of four authorities that has
// committed block 1 (certified by all four), with recorded evidence of
// validator 1 precommitting twice at height 1 in its evidence source.
type hybridExec struct {
	exec   *Executor
	ledger *Ledger
	set    *validators.Set
	keys   []valtest.Keys
	head   engine.Head
	last   *types.CommitCert
	ev     *types.Evidence
	stored []*types.Evidence
}

func newHybridExec(t *testing.T) *hybridExec {
	t.Helper()
	gen := valtest.Genesis("exec-hybrid", 10, 10, 10, 10)
	gen.ConsensusMode = "hybrid"
	gen.GenesisTime = uint64(enginetest.Epoch.UnixMilli())
	gen.Params.UnbondingPeriod, gen.Params.MaxEvidenceAge = 50, 20
	ledger, set := ledgerOf(t, gen)
	hist, err := epochs.New(gen, set)
	if err != nil {
		t.Fatal(err)
	}
	h := &hybridExec{ledger: ledger, set: set}
	for i := range 4 {
		_, k := valtest.Validator(i, 10)
		h.keys = append(h.keys, k)
	}
	h.exec = NewExecutor(gen.ChainID, set, set.Get(0).Address, h.ledger, enginetest.SyncVerifier{}, NewVerdictCache(64), slog.New(slog.DiscardHandler))
	h.exec.SetEpochs(hist)
	h.exec.SetEvidenceSource(func(from uint64, limit int) ([]*types.Evidence, error) { return h.stored, nil })
	h.head = engine.Head{Hash: types.ZeroHash, Time: gen.GenesisTime, StateRoot: h.ledger.Root()}

	blk := h.exec.Build(&consensus.BuildRequest{Height: 1}, h.head, enginetest.Epoch.Add(time.Second))
	h.last = h.certify(t, gen.ChainID, 1, blk.Hash())
	x, err := h.exec.Decided(context.Background(), blk, h.head)
	if err != nil {
		t.Fatal(err)
	}
	if err := h.ledger.Commit(x, enginetest.Epoch); err != nil {
		t.Fatal(err)
	}
	h.exec.Reset()
	h.head = engine.Head{Height: 1, Hash: blk.Hash(), Time: blk.Header.Time, StateRoot: blk.Header.StateRoot}

	idx, _ := set.IndexOfBLS(h.keys[1].BLS.PublicKey())
	v := set.Get(idx)
	a := valtest.Vote(gen.ChainID, h.keys[1], types.Precommit, idx, 1, 0, blk.Hash())
	b := valtest.Vote(gen.ChainID, h.keys[1], types.Precommit, idx, 1, 0, types.Hash{0xbb})
	if h.ev, err = types.NewDuplicateVoteEvidence(a, b, v.Address, v.BLSPubKey); err != nil {
		t.Fatal(err)
	}
	h.stored = []*types.Evidence{h.ev}
	return h
}

func (h *hybridExec) certify(t *testing.T, chainID string, height uint64, hash types.Hash) *types.CommitCert {
	t.Helper()
	var votes []*types.Vote
	for _, k := range h.keys {
		i, _ := h.set.IndexOfBLS(k.BLS.PublicKey())
		votes = append(votes, valtest.Vote(chainID, k, types.Precommit, i, height, 0, hash))
	}
	c, err := h.set.MakeCommit(height, 0, hash, votes)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func (h *hybridExec) build(t *testing.T) *types.Block {
	t.Helper()
	blk := h.exec.Build(&consensus.BuildRequest{Height: 2, LastCommit: h.last}, h.head, enginetest.Epoch.Add(2*time.Second))
	h.exec.Reset()
	return blk
}

// A proposal carries the recorded evidence; validating it tombstones the
// double signer (docs/spec.md §13.6).
func TestBlockEvidenceTombstones(t *testing.T) {
	h := newHybridExec(t)
	blk := h.build(t)
	if len(blk.Evidence) != 1 || blk.Evidence[0].Hash() != h.ev.Hash() || blk.Header.EvidenceHash != types.EvidenceRoot(blk.Evidence) {
		t.Fatalf("the proposal carries %d pieces (hash %s)", len(blk.Evidence), blk.Header.EvidenceHash)
	}
	x, err := h.exec.Decided(context.Background(), blk, h.head)
	if err != nil {
		t.Fatal(err)
	}
	if got := x.Batch.EvidenceUpdates(); len(got) != 1 || got[0] != h.ev.Hash() {
		t.Fatalf("applied evidence %v", got)
	}
	if err := h.ledger.Commit(x, enginetest.Epoch); err != nil {
		t.Fatal(err)
	}
	rec, _ := h.ledger.Stake(h.ev.Validator)
	if !rec.Tombstoned || !rec.Jailed {
		t.Fatalf("the double signer's record after the block: %+v", rec)
	}
}

// Evidence a proposer must not include makes its block invalid: a piece
// whose signatures do not verify, that names another validator, of a
// height not below the block, given twice, or applied already.
func TestBlockEvidenceRefusals(t *testing.T) {
	forge := func(h *hybridExec, mut func(ev *types.Evidence)) *types.Evidence {
		cp := *h.ev
		a, b := *cp.VoteA, *cp.VoteB
		cp.VoteA, cp.VoteB = &a, &b
		mut(&cp)
		return &cp
	}
	for _, tc := range []struct {
		name string
		evs  func(h *hybridExec) []*types.Evidence
		want error
		text string
	}{
		{"bad signature", func(h *hybridExec) []*types.Evidence {
			return []*types.Evidence{forge(h, func(ev *types.Evidence) { ev.VoteB.Sig[5] ^= 1 })}
		}, consensus.ErrBadEvidence, ""},
		{"another validator's name", func(h *hybridExec) []*types.Evidence {
			return []*types.Evidence{forge(h, func(ev *types.Evidence) { ev.Validator = h.set.Get(2).Address })}
		}, consensus.ErrBadEvidence, ""},
		{"twice in one block", func(h *hybridExec) []*types.Evidence { return []*types.Evidence{h.ev, h.ev} }, state.ErrEvidenceApplied, ""},
		{"of the block's own height", func(h *hybridExec) []*types.Evidence {
			return []*types.Evidence{forge(h, func(ev *types.Evidence) { ev.VoteA.Height, ev.VoteB.Height = 2, 2 })}
		}, nil, "not below"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHybridExec(t)
			h.stored = nil
			blk := h.build(t)
			blk.Evidence = tc.evs(h)
			blk.Header.EvidenceHash = types.EvidenceRoot(blk.Evidence)
			err := h.exec.Validate(context.Background(), blk, h.head)
			if !errors.Is(err, engine.ErrInvalidBlock) || (tc.want != nil && !errors.Is(err, tc.want)) || !strings.Contains(err.Error(), tc.text) {
				t.Fatalf("Validate: %v, want ErrInvalidBlock and %v %q", err, tc.want, tc.text)
			}
		})
	}
	// Applied already: the next block cannot carry it again, and a
	// proposer leaves it out.
	h := newHybridExec(t)
	x, err := h.exec.Decided(context.Background(), h.build(t), h.head)
	if err != nil {
		t.Fatal(err)
	}
	if err := h.ledger.Commit(x, enginetest.Epoch); err != nil {
		t.Fatal(err)
	}
	h.head = engine.Head{Height: 2, Hash: x.Block.Hash(), Time: x.Block.Header.Time, StateRoot: x.Block.Header.StateRoot}
	h.last = h.certify(t, "exec-hybrid", 2, x.Block.Hash())
	next := h.exec.Build(&consensus.BuildRequest{Height: 3, LastCommit: h.last}, h.head, enginetest.Epoch.Add(3*time.Second))
	h.exec.Reset()
	if len(next.Evidence) != 0 {
		t.Fatalf("the next proposal carries applied evidence again")
	}
	next.Evidence = []*types.Evidence{h.ev}
	next.Header.EvidenceHash = types.EvidenceRoot(next.Evidence)
	if err := h.exec.Validate(context.Background(), next, h.head); !errors.Is(err, state.ErrEvidenceApplied) {
		t.Fatalf("applied evidence again: %v", err)
	}
}
