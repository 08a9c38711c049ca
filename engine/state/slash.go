package state

import (
	"fmt"
	"math/bits"
	"slices"

	"aitbc/engine/types"
)

// SlashEvent is one slash a batch applied (for logs and indexes; the
// state root commits to its effect, not to the event).
type SlashEvent struct {
	Address types.Address
	Amount  uint64 // burned
	Reason  string // "double_sign", "downtime" or the caller's
}

// Slashes lists the slashes the batch applied, in order (the batch's own
// slice: do not modify it).
func (b *Batch) Slashes() []SlashEvent { return b.slashes }

// slashRecord burns bps/10000 (floor, per part) of rec's bonded stake and
// of each unbonding entry that began at or after the infraction height
// (that stake was bonded then); older entries are untouched. It returns
// the amount burned and counts it in the supply.
func (b *Batch) slashRecord(rec *StakeRecord, infraction uint64, bps uint32, reason string) (uint64, error) {
	if bps > 10000 {
		return 0, fmt.Errorf("%w: %d bps", ErrBadSlash, bps)
	}
	cut := func(v uint64) uint64 {
		hi, lo := bits.Mul64(v, uint64(bps))
		q, _ := bits.Div64(hi, lo, 10000) // hi < 10000 since bps <= 10000
		return q
	}
	c := cut(rec.Bonded)
	bonded, total := rec.Bonded-c, c
	unb := slices.Clone(rec.Unbonding)
	for i := range unb {
		if unb[i].Start < infraction {
			continue
		}
		c := cut(unb[i].Amount)
		unb[i].Amount -= c
		total += c // parts of one former balance: no overflow
	}
	slashed, ok := add64(b.supply.Slashed, total)
	if !ok {
		return 0, fmt.Errorf("%w: slashed %d + %d", ErrOverflow, b.supply.Slashed, total)
	}
	rec.Bonded, rec.Unbonding, b.supply.Slashed = bonded, unb, slashed
	// Every slash is an event, also one that burns nothing (an authority
	// has no bonded stake): its jail or tombstone is what operators watch.
	b.slashes = append(b.slashes, SlashEvent{Address: rec.Address, Amount: total, Reason: reason})
	return total, nil
}

// Slash burns bps/10000 of addr's stake that was bonded at the infraction
// height: its bonded stake and the unbonding entries that began at or
// after that height, floor per part. It returns the amount burned; on
// error nothing changes. It neither jails nor tombstones.
func (b *Batch) Slash(addr types.Address, infraction uint64, bps uint32, reason string) (uint64, error) {
	if err := b.usable(); err != nil {
		return 0, err
	}
	rec, ok := b.Stake(addr)
	if !ok {
		return 0, fmt.Errorf("%w: slash of %s, which has no stake record", ErrNoStake, addr)
	}
	n, err := b.slashRecord(&rec, infraction, bps, reason)
	if err != nil {
		return 0, err
	}
	b.stakeOver[addr] = rec
	return n, nil
}

// Tombstone jails addr for good: it can never UNJAIL or STAKE again.
func (b *Batch) Tombstone(addr types.Address) error {
	if err := b.usable(); err != nil {
		return err
	}
	rec, ok := b.Stake(addr)
	if !ok {
		return fmt.Errorf("%w: tombstone of %s, which has no stake record", ErrNoStake, addr)
	}
	rec.Tombstoned, rec.Jailed = true, true
	b.stakeOver[addr] = rec
	return nil
}

// ApplyEvidence executes verified double-sign evidence with hash h
// against offender, for an infraction at height (docs/spec.md §13.6):
// slash_double_sign_bps of the stake bonded then is burned and the
// offender is tombstoned. The hash joins the applied-evidence set, and
// a hash in it is ErrEvidenceApplied. Evidence against an offender
// tombstoned already is recorded and slashes nothing (a validator pays
// for double signing once). The infraction must lie below the block's
// height and at most max_evidence_age blocks back (ErrEvidenceHeight).
// A block applies at most max_evidence_per_block pieces (ErrEvidenceLimit).
// The caller (block execution) verifies the evidence's signatures first.
// On error nothing changes.
func (b *Batch) ApplyEvidence(h types.Hash, offender types.Address, height uint64) (uint64, error) {
	if err := b.usable(); err != nil {
		return 0, err
	}
	if b.EvidenceApplied(h) {
		return 0, fmt.Errorf("%w: %s", ErrEvidenceApplied, h)
	}
	pos := b.s.params.PoS()
	if len(b.evidenceList) >= int(pos.MaxEvidencePerBlock) {
		return 0, fmt.Errorf("%w: max_evidence_per_block is %d", ErrEvidenceLimit, pos.MaxEvidencePerBlock)
	}
	if height >= b.info.Height || b.info.Height-height > pos.MaxEvidenceAge {
		return 0, fmt.Errorf("%w: infraction at %d in block %d (max_evidence_age %d)", ErrEvidenceHeight, height, b.info.Height, pos.MaxEvidenceAge)
	}
	rec, ok := b.Stake(offender)
	if !ok {
		return 0, fmt.Errorf("%w: evidence against %s, which has no stake record", ErrNoStake, offender)
	}
	var n uint64
	if !rec.Tombstoned {
		var err error
		if n, err = b.slashRecord(&rec, height, pos.SlashDoubleSignBps, "double_sign"); err != nil {
			return 0, err
		}
		rec.Tombstoned, rec.Jailed = true, true
		b.stakeOver[offender] = rec
	}
	if b.evidence == nil {
		b.evidence = map[types.Hash]struct{}{}
	}
	b.evidence[h] = struct{}{}
	b.evidenceList = append(b.evidenceList, h)
	return n, nil
}

// EvidenceApplied reports whether evidence with hash h was applied in the
// State or in this batch.
func (b *Batch) EvidenceApplied(h types.Hash) bool {
	if _, ok := b.evidence[h]; ok {
		return true
	}
	return b.s.EvidenceApplied(h)
}

// EvidenceUpdates lists the evidence hashes the batch applied, sorted
// (nil if none or stale): persist them, and restore with AddEvidence.
func (b *Batch) EvidenceUpdates() []types.Hash {
	if b.Stale() || len(b.evidenceList) == 0 {
		return nil
	}
	out := slices.Clone(b.evidenceList)
	slices.SortFunc(out, func(x, y types.Hash) int { return compareHash(&x, &y) })
	return out
}

// EvidenceApplied reports whether evidence with hash h was applied.
func (s *State) EvidenceApplied(h types.Hash) bool {
	_, ok := slices.BinarySearchFunc(s.evidence, h, func(x, y types.Hash) int { return compareHash(&x, &y) })
	return ok
}

// AddEvidence marks an evidence hash applied, as restored from the block
// store at start (like AddClaimed); open batches become stale.
func (s *State) AddEvidence(h types.Hash) {
	i, ok := slices.BinarySearchFunc(s.evidence, h, func(x, y types.Hash) int { return compareHash(&x, &y) })
	if ok {
		return
	}
	s.evidence = slices.Insert(s.evidence, i, h)
	s.version++
}

func (b *Batch) usable() error {
	if b.Stale() {
		return fmt.Errorf("%w: state is at version %d, batch began at %d", ErrStaleBatch, b.s.version, b.version)
	}
	if b.ended {
		return ErrBlockEnded
	}
	return nil
}
