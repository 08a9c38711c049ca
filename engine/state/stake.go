package state

import (
	"bytes"
	"crypto/sha256"
	"math"
	"slices"

	"aitbc/engine/types"
)

// StakeKind says where a validator's power comes from.
type StakeKind uint8

const (
	// KindStaker registered with a STAKE tx; its power is bonded /
	// stake_per_power (the election, docs/spec.md §17.3, computes it).
	KindStaker StakeKind = 0
	// KindAuthority is a genesis authority: its power is the fixed
	// genesis weight, whatever it bonds.
	KindAuthority StakeKind = 1
)

func (k StakeKind) String() string {
	switch k {
	case KindStaker:
		return "staker"
	case KindAuthority:
		return "authority"
	}
	return "unknown"
}

// Unbonding is stake on its way back to the balance: still slashable for
// infractions at or after Start until it is released at height Release.
type Unbonding struct {
	Amount  uint64
	Release uint64 // height at whose end it returns to the balance
	Start   uint64 // height of the UNSTAKE
}

// StakeRecord is one validator's stake (docs/spec.md §13.6).
type StakeRecord struct {
	Address     types.Address
	Kind        StakeKind
	Power       uint64                   // KindAuthority: the genesis weight; 0 for stakers
	PubKey      [types.PubKeyLen]byte    // Ed25519 account key
	BLSPubKey   [types.BLSPubKeyLen]byte // the key its votes verify under
	Bonded      uint64
	Unbonding   []Unbonding // in release order
	JailedUntil uint64      // height from which UNJAIL is allowed
	Jailed      bool
	Tombstoned  bool
	// The downtime window: bit h mod signed_blocks_window (bit i is
	// Missed[i/8] >> (i%8) & 1) is set when the record was in the parent
	// set of block h and not in its signers. Nil whenever MissedCount is 0,
	// so a record has one encoding.
	Missed      []byte
	MissedCount uint64
}

func (r *StakeRecord) clone() StakeRecord {
	c := *r
	c.Unbonding = slices.Clone(r.Unbonding)
	c.Missed = slices.Clone(r.Missed)
	return c
}

func (r *StakeRecord) equal(o *StakeRecord) bool {
	return r.Address == o.Address && r.Kind == o.Kind && r.Power == o.Power && r.PubKey == o.PubKey &&
		r.BLSPubKey == o.BLSPubKey && r.Bonded == o.Bonded && slices.Equal(r.Unbonding, o.Unbonding) &&
		r.JailedUntil == o.JailedUntil && r.Jailed == o.Jailed && r.Tombstoned == o.Tombstoned &&
		bytes.Equal(r.Missed, o.Missed) && r.MissedCount == o.MissedCount
}

// setMissed sets bit i of the window of size window to v and keeps
// MissedCount and the nil-when-empty rule.
func (r *StakeRecord) setMissed(i, window uint64, v bool) {
	n := int((window + 7) / 8)
	if len(r.Missed) != n {
		m := make([]byte, n)
		copy(m, r.Missed) // a restored record of another window size: keep what fits
		r.Missed = m
	}
	mask := byte(1) << (i % 8)
	was := r.Missed[i/8]&mask != 0
	switch {
	case v && !was:
		r.Missed[i/8] |= mask
		r.MissedCount++
	case !v && was:
		r.Missed[i/8] &^= mask
		r.MissedCount--
	}
	if r.MissedCount == 0 {
		r.Missed = nil
	}
}

// stakeLeafDomain separates stake leaves from every other hash.
const stakeLeafDomain = "AITBC/stake/v2\x00"

// leaf is SHA-256 of stakeLeafDomain || address[20] || u8 kind ||
// u64 power || ed25519[32] || bls[48] || u64 bonded || u32 n ||
// n × (u64 amount || u64 release || u64 start) || u64 jailed_until ||
// u8 flags (1 jailed, 2 tombstoned) || u64 missed_count || u32 m ||
// missed[m], integers big-endian (docs/spec.md §13.6).
func (r *StakeRecord) leaf() types.Hash {
	b := make([]byte, 0, len(stakeLeafDomain)+r.fieldsLen())
	return sha256.Sum256(r.appendFields(append(b, stakeLeafDomain...)))
}

// stakesRoot is the MerkleRoot (§8) of the leaves of recs, which are sorted
// by address.
func stakesRoot(recs []StakeRecord) types.Hash {
	leaves := make([]types.Hash, len(recs))
	for i := range recs {
		leaves[i] = recs[i].leaf()
	}
	return types.MerkleRoot(leaves)
}

func byAddress(x, y StakeRecord) int { return bytes.Compare(x.Address[:], y.Address[:]) }

// Stake returns addr's stake record in the committed state.
func (s *State) Stake(addr types.Address) (StakeRecord, bool) {
	r, ok := s.stakes[addr]
	if !ok {
		return StakeRecord{}, false
	}
	return r.clone(), true
}

// Stakes lists every stake record, sorted by address (the election's input).
func (s *State) Stakes() []StakeRecord {
	out := make([]StakeRecord, 0, len(s.stakes))
	for _, r := range s.stakes { // sorted below
		out = append(out, r.clone())
	}
	slices.SortFunc(out, byAddress)
	return out
}

// Bonded is the stake bonded by every record, saturating at the top of
// uint64 (a metric's value: no order, no copies).
func (s *State) Bonded() uint64 {
	var total uint64
	for _, r := range s.stakes { // a sum: the order does not matter
		if t, ok := add64(total, r.Bonded); ok {
			total = t
		} else {
			return math.MaxUint64
		}
	}
	return total
}

// SetStake writes one record, as restored from the block store at start
// (like Set); open batches become stale.
func (s *State) SetStake(r StakeRecord) {
	if old, ok := s.stakes[r.Address]; ok {
		delete(s.bls, old.BLSPubKey)
	}
	s.stakes[r.Address] = r.clone()
	s.bls[r.BLSPubKey] = r.Address
	s.version++
}

// Stake returns addr's record as of the txs applied so far.
func (b *Batch) Stake(addr types.Address) (StakeRecord, bool) {
	if r, ok := b.stakeOver[addr]; ok {
		return r.clone(), true
	}
	return b.s.Stake(addr)
}

// putStake writes a record to the batch (rec is the batch's from now on).
func (b *Batch) putStake(rec StakeRecord) {
	if old, ok := b.Stake(rec.Address); !ok || old.BLSPubKey != rec.BLSPubKey {
		b.blsOver[rec.BLSPubKey] = rec.Address
	}
	b.stakeOver[rec.Address] = rec
}

func (b *Batch) blsOwner(k [types.BLSPubKeyLen]byte) (types.Address, bool) {
	if a, ok := b.blsOver[k]; ok {
		return a, true
	}
	a, ok := b.s.bls[k]
	return a, ok
}

// StakeUpdates lists the records the batch changed, sorted by address
// (nil if none or stale): persist them, and restore with SetStake.
func (b *Batch) StakeUpdates() []StakeRecord {
	if b.Stale() || len(b.stakeOver) == 0 {
		return nil
	}
	var out []StakeRecord
	for addr, r := range b.stakeOver { // sorted below
		if old, ok := b.s.stakes[addr]; ok && old.equal(&r) {
			continue
		}
		out = append(out, r.clone())
	}
	slices.SortFunc(out, byAddress)
	return out
}

// allStakes is the committed records with the batch's over them, sorted.
func (b *Batch) allStakes() []StakeRecord {
	out := make([]StakeRecord, 0, len(b.s.stakes)+len(b.stakeOver))
	for addr, r := range b.s.stakes { // sorted below
		if _, over := b.stakeOver[addr]; !over {
			out = append(out, r)
		}
	}
	for _, r := range b.stakeOver { // sorted below
		out = append(out, r)
	}
	slices.SortFunc(out, byAddress)
	return out
}

// Stakes lists every stake record as of the batch (the committed records
// with the batch's changes over them), sorted by address: what the
// election after this block reads (engine/epochs).
func (b *Batch) Stakes() []StakeRecord {
	recs := b.allStakes()
	for i := range recs {
		recs[i] = recs[i].clone()
	}
	return recs
}
