package epochs

import (
	"errors"
	"fmt"
	"sync"

	"aitbc/engine/bls"
	"aitbc/engine/state"
	"aitbc/engine/types"
	"aitbc/engine/validators"
)

// Errors of a History.
var (
	// ErrNotDue: Elect was asked at a height that is not an election
	// height (Due is false).
	ErrNotDue = errors.New("epochs: no election at this height")
	// ErrUnknownEpoch: the previous set of an election, or an installed
	// set's predecessor, is not known (sets are installed in order).
	ErrUnknownEpoch = errors.New("epochs: unknown epoch")
)

// History is the validator set of every epoch of one chain.
type History struct {
	mu      sync.RWMutex // guards sets: the node's read side asks At from any goroutine
	mode    string
	length  uint64
	cfg     validators.ElectionConfig
	genesis *validators.Set
	// sets[i] is the set of epoch i+2: epochs 0 and 1 use genesis.
	sets []*validators.Set
}

// New returns the history of a chain that has committed nothing: every
// epoch known so far is decided by genesis, the set of g.
func New(g *types.Genesis, genesis *validators.Set) (*History, error) {
	if g == nil || genesis == nil {
		return nil, errors.New("epochs: nil genesis or genesis set")
	}
	if g.Params.EpochLength == 0 {
		return nil, fmt.Errorf("%w: params.epoch_length must be > 0", types.ErrBadGenesis)
	}
	return &History{mode: g.ConsensusMode, length: g.Params.EpochLength, cfg: validators.ElectionConfigOf(g), genesis: genesis}, nil
}

// Staking reports whether the chain's sets change (pos and hybrid).
func (h *History) Staking() bool { return types.IsStakingMode(h.mode) }

// EpochOf is the epoch of a height ≥ 1 ((height−1) / epoch_length).
func (h *History) EpochOf(height uint64) uint64 {
	if height == 0 {
		return 0
	}
	return (height - 1) / h.length
}

// Known is the last epoch whose set is known (1 before any election).
func (h *History) Known() uint64 {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return h.known()
}

func (h *History) known() uint64 { return uint64(len(h.sets)) + 1 }

// Epoch is the set of epoch e, or nil if it is not known yet.
func (h *History) Epoch(e uint64) *validators.Set {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return h.epoch(e)
}

func (h *History) epoch(e uint64) *validators.Set {
	switch {
	case e <= 1:
		return h.genesis
	case e > h.known():
		return nil
	}
	return h.sets[e-2]
}

// At is the set that signs height (docs/spec.md §14.7, §17), or nil if its
// epoch is not known yet. A node that has committed head knows the sets of
// every height up to head+L+1, so every height it checks (1 to head+2).
func (h *History) At(height uint64) *validators.Set { return h.Epoch(h.EpochOf(height)) }

// Due reports whether committing height runs an election: on pos and
// hybrid chains, at the last height of every epoch from epoch 0 on
// (height e·L with e ≥ 1), electing the set of epoch e+1.
func (h *History) Due(height uint64) bool {
	return h.Staking() && height >= h.length && height%h.length == 0
}

// Elect runs the election after height (Due must hold): the set of epoch
// height/L + 1, from recs, the stake records of the state after height
// (sorted by address, as state.Batch.Stakes returns them), with the set of
// epoch height/L as the previous set. It does not install the set.
func (h *History) Elect(height uint64, recs []state.StakeRecord) (epoch uint64, set *validators.Set, rep validators.ElectionReport, err error) {
	if !h.Due(height) {
		return 0, nil, rep, fmt.Errorf("%w: height %d (epoch_length %d, mode %s)", ErrNotDue, height, h.length, h.mode)
	}
	e := height / h.length
	prev := h.Epoch(e)
	if prev == nil {
		return 0, nil, rep, fmt.Errorf("%w: the set of epoch %d (known up to %d)", ErrUnknownEpoch, e, h.Known())
	}
	set, rep, err = validators.Elect(h.cfg, prev, Candidates(recs))
	if err != nil {
		return 0, nil, rep, fmt.Errorf("epochs: election after height %d: %w", height, err)
	}
	return e + 1, set, rep, nil
}

// Install records the set of epoch e. Sets are installed in order (e is
// Known()+1); installing the set an epoch already has again is a no-op, and
// another set for a known epoch is an error (two elections disagreed).
func (h *History) Install(e uint64, set *validators.Set) error {
	if set == nil {
		return errors.New("epochs: install a nil set")
	}
	if e < 2 {
		return fmt.Errorf("%w: epoch %d is decided by genesis", ErrUnknownEpoch, e)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if e <= h.known() {
		if have := h.epoch(e); have.Hash() != set.Hash() {
			return fmt.Errorf("epochs: epoch %d has set %s, not %s", e, have.Hash(), set.Hash())
		}
		return nil
	}
	if e != h.known()+1 {
		return fmt.Errorf("%w: install epoch %d, known up to %d", ErrUnknownEpoch, e, h.known())
	}
	h.sets = append(h.sets, set)
	return nil
}

// Candidates turns stake records into election candidates, in the records'
// order: an authority with its fixed power, a staker with its bonded stake.
func Candidates(recs []state.StakeRecord) []validators.Candidate {
	out := make([]validators.Candidate, len(recs))
	for i := range recs {
		r := &recs[i]
		c := validators.Candidate{Address: r.Address, PubKey: r.PubKey[:], BLSPubKey: bls.PublicKey(r.BLSPubKey),
			Jailed: r.Jailed, Tombstoned: r.Tombstoned}
		if r.Kind == state.KindAuthority {
			c.Kind, c.Power = validators.Authority, r.Power
		} else {
			c.Kind, c.Stake = validators.Staker, r.Bonded
		}
		out[i] = c
	}
	return out
}
