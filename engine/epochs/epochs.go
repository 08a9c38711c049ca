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

// Loader reads the stored set of an epoch (engine.BlockStore.ValidatorSet).
type Loader func(epoch uint64) (*validators.Set, error)

// History is the validator set of every epoch of one chain: the newest
// sets in memory, older ones, when Bound, read back from the store.
type History struct {
	mu      sync.RWMutex // guards sets and known: the node's read side asks At from any goroutine
	mode    string
	length  uint64
	cfg     validators.ElectionConfig
	genesis *validators.Set
	// last is the last epoch whose set is known (1 before any election);
	// sets holds the newest of them, epochs last-len(sets)+1 … last.
	last uint64
	sets []*validators.Set
	// keep bounds sets (0: every set is kept); load reads an older one.
	keep int
	load Loader
	// loaded is the last set load returned, so that a client paging
	// through one old epoch reads the store once.
	loadMu sync.Mutex
	loaded struct {
		epoch uint64
		set   *validators.Set
	}
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
	return &History{mode: g.ConsensusMode, length: g.Params.EpochLength, cfg: validators.ElectionConfigOf(g), genesis: genesis, last: 1}, nil
}

// MinKept is the fewest sets a bounded History keeps in memory for chain
// g: every set a consensus check can ask for — the heights being decided
// and committed (up to two epochs back from the newest known, which is
// one ahead of the head's) and evidence up to params.max_evidence_age
// blocks old — so that only the read side ever reads the store.
func MinKept(g *types.Genesis) int {
	L := max(g.Params.EpochLength, 1)
	age := g.Params.PoS().MaxEvidenceAge
	return int(min((age+L-1)/L+4, 1<<20))
}

// Kept is how many sets Bound keeps in memory (0: all of them).
func (h *History) Kept() int {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return h.keep
}

// Bound keeps at most keep sets in memory (raised to at least 1) and
// reads older ones with load. Call it before the first Install. With a
// loader, the first Install may name any epoch above Known(): the epochs
// between are the store's (a restart installs only the newest sets).
func (h *History) Bound(keep int, load Loader) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.keep, h.load = max(keep, 1), load
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
	return h.last
}

// Epoch is the set of epoch e, or nil if it is not known yet, or, for
// an epoch older than a bounded History keeps, if the store cannot give
// it (the read side then answers not found).
func (h *History) Epoch(e uint64) *validators.Set {
	h.mu.RLock()
	set, old := h.epoch(e)
	h.mu.RUnlock()
	if !old {
		return set
	}
	set, err := h.loadOld(e)
	if err != nil {
		return nil
	}
	return set
}

// epoch is the set of epoch e held in memory; old reports an epoch that
// is known but only in the store (h.mu held).
func (h *History) epoch(e uint64) (set *validators.Set, old bool) {
	first := h.last - uint64(len(h.sets)) + 1
	switch {
	case e <= 1:
		return h.genesis, false
	case e > h.last:
		return nil, false
	case e < first:
		return nil, true
	}
	return h.sets[e-first], false
}

// loadOld reads the set of an epoch older than the ones kept.
func (h *History) loadOld(e uint64) (*validators.Set, error) {
	h.loadMu.Lock()
	defer h.loadMu.Unlock()
	if h.loaded.set != nil && h.loaded.epoch == e {
		return h.loaded.set, nil
	}
	if h.load == nil {
		return nil, fmt.Errorf("%w: epoch %d is not kept and there is no store", ErrUnknownEpoch, e)
	}
	set, err := h.load(e)
	if err != nil {
		return nil, fmt.Errorf("epochs: read the set of epoch %d: %w", e, err)
	}
	if set == nil {
		return nil, fmt.Errorf("%w: the store has no set of epoch %d", ErrUnknownEpoch, e)
	}
	h.loaded.epoch, h.loaded.set = e, set
	return set, nil
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
	if e <= h.last {
		have, old := h.epoch(e)
		if old {
			// Installed again after the window moved past it (a replay
			// of old blocks): the store holds it; compare with that.
			h.mu.Unlock()
			var err error
			have, err = h.loadOld(e)
			h.mu.Lock()
			if err != nil {
				return err
			}
		}
		if have.Hash() != set.Hash() {
			return fmt.Errorf("epochs: epoch %d has set %s, not %s", e, have.Hash(), set.Hash())
		}
		return nil
	}
	if e != h.last+1 && (h.load == nil || len(h.sets) > 0) {
		return fmt.Errorf("%w: install epoch %d, known up to %d", ErrUnknownEpoch, e, h.last)
	}
	h.sets = append(h.sets, set)
	h.last = e
	if h.keep > 0 && len(h.sets) > h.keep {
		h.sets[0] = nil // the backing array's head is dropped at the next growth
		h.sets = h.sets[1:]
	}
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
