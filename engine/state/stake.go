package state

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"math/bits"
	"slices"

	"aitbc/engine/bls"
	"aitbc/engine/types"
)

// Errors of STAKE, UNSTAKE and UNJAIL execution (docs/spec.md §13.6).
var (
	ErrStakePayload   = errors.New("bad stake payload")
	ErrBadPossession  = errors.New("bad BLS proof of possession")
	ErrKeyRegistered  = errors.New("BLS key registered by another validator")
	ErrStakeTooLow    = errors.New("bonded stake below min_self_stake")
	ErrNoStake        = errors.New("no stake")
	ErrUnstakeTooMuch = errors.New("unstake above the bonded stake")
	ErrNotJailed      = errors.New("not jailed")
	ErrJailNotOver    = errors.New("jail not over")
	ErrTombstoned     = errors.New("tombstoned")
	ErrBlockEnded     = errors.New("block already ended")
)

// Unbonding is stake on its way back to the balance: still slashable
// until it is released at height Release.
type Unbonding struct {
	Amount  uint64
	Release uint64
}

// StakeRecord is one validator candidate's stake (docs/spec.md §13.6).
type StakeRecord struct {
	Address     types.Address
	PubKey      [types.PubKeyLen]byte    // Ed25519 account key (the STAKE sender)
	BLSPubKey   [types.BLSPubKeyLen]byte // the key its votes verify under
	Bonded      uint64
	Unbonding   []Unbonding // in release order
	JailedUntil uint64      // height from which UNJAIL is allowed
	Jailed      bool
	Tombstoned  bool
}

func (r *StakeRecord) clone() StakeRecord {
	c := *r
	c.Unbonding = slices.Clone(r.Unbonding)
	return c
}

func (r *StakeRecord) equal(o *StakeRecord) bool {
	return r.Address == o.Address && r.PubKey == o.PubKey && r.BLSPubKey == o.BLSPubKey && r.Bonded == o.Bonded &&
		slices.Equal(r.Unbonding, o.Unbonding) && r.JailedUntil == o.JailedUntil && r.Jailed == o.Jailed && r.Tombstoned == o.Tombstoned
}

// stakeLeafDomain separates stake leaves from every other hash.
const stakeLeafDomain = "AITBC/stake/v1\x00"

// leaf is SHA-256 of stakeLeafDomain || address[20] || ed25519[32] ||
// bls[48] || u64 bonded || u32 n || n × (u64 amount || u64 release) ||
// u64 jailed_until || u8 flags (1 jailed, 2 tombstoned), big-endian.
func (r *StakeRecord) leaf() types.Hash {
	b := make([]byte, 0, len(stakeLeafDomain)+20+32+48+8+4+16*len(r.Unbonding)+9)
	b = append(b, stakeLeafDomain...)
	b = append(b, r.Address[:]...)
	b = append(b, r.PubKey[:]...)
	b = append(b, r.BLSPubKey[:]...)
	b = binary.BigEndian.AppendUint64(b, r.Bonded)
	b = binary.BigEndian.AppendUint32(b, uint32(len(r.Unbonding)))
	for _, u := range r.Unbonding {
		b = binary.BigEndian.AppendUint64(b, u.Amount)
		b = binary.BigEndian.AppendUint64(b, u.Release)
	}
	b = binary.BigEndian.AppendUint64(b, r.JailedUntil)
	var flags byte
	if r.Jailed {
		flags |= 1
	}
	if r.Tombstoned {
		flags |= 2
	}
	return sha256.Sum256(append(b, flags))
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

// stakeRootDomain is the state root's domain once stake records exist.
const stakeRootDomain = "AITBC/state-root/v2\x00"

// withStakes is the state root of a state holding stake records:
// SHA-256(stakeRootDomain || root without stakes || stakes root). A state
// without records keeps the v1 root (combineRoots).
func withStakes(base types.Hash, recs []StakeRecord) types.Hash {
	if len(recs) == 0 {
		return base
	}
	sr := stakesRoot(recs)
	var buf [len(stakeRootDomain) + 2*types.HashLen]byte
	n := copy(buf[:], stakeRootDomain)
	n += copy(buf[n:], base[:])
	copy(buf[n:], sr[:])
	return sha256.Sum256(buf[:])
}

// Stake returns addr's stake record in the committed state.
func (s *State) Stake(addr types.Address) (StakeRecord, bool) {
	r, ok := s.stakes[addr]
	if !ok {
		return StakeRecord{}, false
	}
	return r.clone(), true
}

// Stakes lists every stake record, sorted by address.
func (s *State) Stakes() []StakeRecord {
	out := make([]StakeRecord, 0, len(s.stakes))
	for _, r := range s.stakes { // sorted below
		out = append(out, r.clone())
	}
	slices.SortFunc(out, func(a, b StakeRecord) int { return bytes.Compare(a.Address[:], b.Address[:]) })
	return out
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

// ConsensusMode is the chain's mode ("poa" when built by New).
func (s *State) ConsensusMode() string { return s.mode }

// Stake returns addr's record as of the txs applied so far.
func (b *Batch) Stake(addr types.Address) (StakeRecord, bool) {
	if r, ok := b.stakeOver[addr]; ok {
		return r.clone(), true
	}
	return b.s.Stake(addr)
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
	slices.SortFunc(out, func(x, y StakeRecord) int { return bytes.Compare(x.Address[:], y.Address[:]) })
	return out
}

// allStakes is the committed records with the batch's over them, sorted.
func (b *Batch) allStakes() []StakeRecord {
	if len(b.stakeOver) == 0 {
		if len(b.s.stakes) == 0 {
			return nil
		}
		return b.s.Stakes()
	}
	out := make([]StakeRecord, 0, len(b.s.stakes)+len(b.stakeOver))
	for addr, r := range b.s.stakes { // sorted below
		if _, over := b.stakeOver[addr]; !over {
			out = append(out, r)
		}
	}
	for _, r := range b.stakeOver {
		out = append(out, r)
	}
	slices.SortFunc(out, func(x, y StakeRecord) int { return bytes.Compare(x.Address[:], y.Address[:]) })
	return out
}

// EndBlock runs the end of the block after its txs (docs/spec.md §13.6):
// unbonding entries whose release height is at or below the block's
// height return to their balances, in address order. Txs cannot be
// applied after it; the node calls it before Root and Commit.
func (b *Batch) EndBlock() error {
	if err := b.usable(); err != nil {
		return err
	}
	for _, r := range b.allStakes() {
		keep := r.Unbonding[:0:0]
		var release uint64
		for _, u := range r.Unbonding {
			if u.Release <= b.height {
				release += u.Amount // the amounts were balance once: the sum fits
				continue
			}
			keep = append(keep, u)
		}
		if release == 0 {
			continue
		}
		a := b.Account(r.Address)
		bal, ok := add64(a.Balance, release)
		if !ok {
			return fmt.Errorf("%w: releasing %d to %s with balance %d", ErrOverflow, release, r.Address, a.Balance)
		}
		a.Balance = bal
		b.over[r.Address] = a
		r = r.clone()
		r.Unbonding = keep
		b.stakeOver[r.Address] = r
	}
	b.ended = true
	b.diffOK, b.p = false, nil
	return nil
}

// stakeExecutors run on pos and hybrid chains only.
var stakeExecutors = map[types.TxType]executor{
	types.TxStake:   execStake,
	types.TxUnstake: execUnstake,
	types.TxUnjail:  execUnjail,
}

// execStake bonds Amount from the sender's balance. The first STAKE
// registers the sender with the BLS key of its payload.
func execStake(c *txCtx, tx *types.Tx) error {
	from := tx.From()
	rec, exists := c.b.Stake(from)
	if rec.Tombstoned {
		return fmt.Errorf("%w: %s cannot stake again", ErrTombstoned, from)
	}
	if !exists {
		if len(tx.Payload) == 0 {
			return fmt.Errorf("%w: the first STAKE of %s must carry its BLS key and proof of possession", ErrStakePayload, from)
		}
		p, err := types.DecodeStakePayload(tx.Payload)
		if err != nil {
			return fmt.Errorf("%w: %w", ErrStakePayload, err)
		}
		pk, err := bls.PublicKeyFromBytes(p.BLSPubKey[:])
		if err != nil {
			return fmt.Errorf("%w: %w", ErrStakePayload, err)
		}
		pop, err := bls.SignatureFromBytes(p.PoP[:])
		if err != nil || !bls.VerifyPossession(pk, pop) {
			return fmt.Errorf("%w: %s", ErrBadPossession, from)
		}
		if owner, taken := c.b.blsOwner(p.BLSPubKey); taken {
			return fmt.Errorf("%w: %s", ErrKeyRegistered, owner)
		}
		rec = StakeRecord{Address: from, PubKey: tx.Sender, BLSPubKey: p.BLSPubKey}
	} else if len(tx.Payload) != 0 {
		return fmt.Errorf("%w: %s is registered; later STAKEs carry no payload", ErrStakePayload, from)
	}
	bonded, ok := add64(rec.Bonded, tx.Amount)
	if !ok {
		return fmt.Errorf("%w: bonded %d + %d", ErrOverflow, rec.Bonded, tx.Amount)
	}
	if min := uint64(c.b.s.params.MinSelfStake); bonded < min {
		return fmt.Errorf("%w: %d < %d", ErrStakeTooLow, bonded, min)
	}
	if err := chargeSender(c, tx, tx.Amount); err != nil {
		return err
	}
	rec.Bonded = bonded
	c.stake, c.hasStake = rec, true
	return nil
}

// execUnstake starts unbonding Amount; it is released unbonding_period
// blocks later.
func execUnstake(c *txCtx, tx *types.Tx) error {
	from := tx.From()
	rec, exists := c.b.Stake(from)
	switch {
	case !exists:
		return fmt.Errorf("%w: %s has never staked", ErrNoStake, from)
	case tx.Amount > rec.Bonded:
		return fmt.Errorf("%w: %d > bonded %d", ErrUnstakeTooMuch, tx.Amount, rec.Bonded)
	}
	release, ok := add64(c.b.height, c.b.s.params.UnbondingPeriod)
	if !ok {
		return fmt.Errorf("%w: release height %d + %d", ErrOverflow, c.b.height, c.b.s.params.UnbondingPeriod)
	}
	if err := chargeSender(c, tx, 0); err != nil {
		return err
	}
	rec.Bonded -= tx.Amount
	rec.Unbonding = append(rec.Unbonding, Unbonding{Amount: tx.Amount, Release: release})
	c.stake, c.hasStake = rec, true
	return nil
}

// execUnjail ends a downtime jail that is over.
func execUnjail(c *txCtx, tx *types.Tx) error {
	from := tx.From()
	rec, exists := c.b.Stake(from)
	switch {
	case !exists:
		return fmt.Errorf("%w: %s has never staked", ErrNoStake, from)
	case rec.Tombstoned:
		return fmt.Errorf("%w: %s can never rejoin", ErrTombstoned, from)
	case !rec.Jailed:
		return fmt.Errorf("%w: %s", ErrNotJailed, from)
	case c.b.height < rec.JailedUntil:
		return fmt.Errorf("%w: height %d < %d", ErrJailNotOver, c.b.height, rec.JailedUntil)
	}
	if err := chargeSender(c, tx, 0); err != nil {
		return err
	}
	rec.Jailed, rec.JailedUntil = false, 0
	c.stake, c.hasStake = rec, true
	return nil
}

// ErrEvidenceApplied: the offender is tombstoned already, so evidence of
// its double signing (this piece or another) was applied before; a
// validator is slashed for double signing once.
var ErrEvidenceApplied = errors.New("evidence already applied")

// slash removes bps/10000 (floor) of rec's bonded stake and of each
// unbonding entry that began at or after the infraction height (it was
// bonded then); entries that began before it are untouched. It returns
// the amount removed, which is burned.
func (b *Batch) slash(rec *StakeRecord, infraction uint64, bps uint32) uint64 {
	cut := func(v uint64) uint64 {
		hi, lo := bits.Mul64(v, uint64(bps))
		q, _ := bits.Div64(hi, lo, 10000) // hi < 10000 since bps <= 10000
		return q
	}
	var total uint64
	c := cut(rec.Bonded)
	rec.Bonded -= c
	total += c
	period := b.s.params.UnbondingPeriod
	for i := range rec.Unbonding {
		u := &rec.Unbonding[i]
		if u.Release < period || u.Release-period < infraction { // began before the infraction
			continue
		}
		c := cut(u.Amount)
		u.Amount -= c
		total += c
	}
	return total
}

// ApplyEvidence executes verified double-sign evidence against offender
// (docs/spec.md §13.6): slash_double_sign_bps of the stake bonded at the
// infraction height is burned, and the offender is jailed and tombstoned
// (it never rejoins). A tombstoned offender is ErrEvidenceApplied; one
// without a record is ErrNoStake. It returns the amount slashed. The
// caller (block execution) verifies the evidence's signatures first.
func (b *Batch) ApplyEvidence(offender types.Address, infraction uint64) (uint64, error) {
	if err := b.usable(); err != nil {
		return 0, err
	}
	rec, ok := b.Stake(offender)
	switch {
	case !ok:
		return 0, fmt.Errorf("%w: evidence against %s, which has no stake record", ErrNoStake, offender)
	case rec.Tombstoned:
		return 0, fmt.Errorf("%w: %s is tombstoned", ErrEvidenceApplied, offender)
	}
	n := b.slash(&rec, infraction, b.s.params.PoS().SlashDoubleSignBps)
	rec.Tombstoned, rec.Jailed = true, true
	b.stakeOver[offender] = rec
	return n, nil
}

// Jail jails addr for downtime until height until (UNJAIL allowed from
// then) and burns slash_downtime_bps of its stake bonded at infraction.
// A tombstoned or already jailed validator is left alone (0, nil).
func (b *Batch) Jail(addr types.Address, infraction, until uint64) (uint64, error) {
	if err := b.usable(); err != nil {
		return 0, err
	}
	rec, ok := b.Stake(addr)
	if !ok {
		return 0, fmt.Errorf("%w: %s", ErrNoStake, addr)
	}
	if rec.Tombstoned || rec.Jailed {
		return 0, nil
	}
	n := b.slash(&rec, infraction, b.s.params.PoS().SlashDowntimeBps)
	rec.Jailed, rec.JailedUntil = true, until
	b.stakeOver[addr] = rec
	return n, nil
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
