package state

import (
	"fmt"
	"math"

	"aitbc/engine/bls"
	"aitbc/engine/types"
)

// stakeExecutors run on pos and hybrid chains only (poa: ErrWrongMode).
var stakeExecutors = map[types.TxType]executor{
	types.TxStake:   execStake,
	types.TxUnstake: execUnstake,
	types.TxUnjail:  execUnjail,
}

// stakeChecks are the staking rules of each type against the batch's
// records, without the fee, nonce and balance (chargeSender) and without
// changing anything: what execution checks first and admission checks
// early (State.CheckStakingTx).
var stakeChecks = map[types.TxType]func(b *Batch, tx *types.Tx) (StakeRecord, error){
	types.TxStake:   checkStake,
	types.TxUnstake: checkUnstake,
	types.TxUnjail:  checkUnjail,
}

// CheckStakingTx runs the staking rules of a STAKE, UNSTAKE or UNJAIL
// against the committed records, as admission does before a tx enters
// the mempool: the same typed errors as execution (ErrStakeTooLow,
// ErrBadPossession, ErrKeyRegistered, ErrUnstakeTooMuch, ErrNotJailed, …),
// except that a jail's end is left to execution (admission does not know
// the height the tx will execute at). Other types, and a poa chain's
// staking txs (refused by Executable), pass. Nothing changes.
func (s *State) CheckStakingTx(tx *types.Tx) error {
	chk, ok := stakeChecks[tx.Type]
	if !ok || !s.staking() {
		return nil
	}
	_, err := chk(s.Begin(BlockInfo{Height: math.MaxUint64}), tx)
	return err
}

// execStake bonds Amount from the sender's balance. The first STAKE
// registers the sender with the BLS key of its payload.
func execStake(c *txCtx, tx *types.Tx) error {
	rec, err := checkStake(c.b, tx)
	if err != nil {
		return err
	}
	if err := chargeSender(c, tx, tx.Amount); err != nil {
		return err
	}
	c.stake, c.hasStake = rec, true
	return nil
}

// checkStake is STAKE's rules; rec is the record after it.
func checkStake(b *Batch, tx *types.Tx) (StakeRecord, error) {
	from := tx.From()
	rec, exists := b.Stake(from)
	if rec.Tombstoned {
		return rec, fmt.Errorf("%w: %s cannot stake again", ErrTombstoned, from)
	}
	if !exists {
		if len(tx.Payload) == 0 {
			return rec, fmt.Errorf("%w: the first STAKE of %s must carry its BLS key and proof of possession", ErrStakePayload, from)
		}
		p, err := types.DecodeStakePayload(tx.Payload)
		if err != nil {
			return rec, fmt.Errorf("%w: %w", ErrStakePayload, err)
		}
		pk, err := bls.PublicKeyFromBytes(p.BLSPubKey[:])
		if err != nil {
			return rec, fmt.Errorf("%w: %w", ErrStakePayload, err)
		}
		pop, err := bls.SignatureFromBytes(p.PoP[:])
		if err != nil || !bls.VerifyPossession(pk, pop) {
			return rec, fmt.Errorf("%w: %s", ErrBadPossession, from)
		}
		if owner, taken := b.blsOwner(p.BLSPubKey); taken {
			return rec, fmt.Errorf("%w: %s", ErrKeyRegistered, owner)
		}
		rec = StakeRecord{Address: from, Kind: KindStaker, PubKey: tx.Sender, BLSPubKey: p.BLSPubKey}
	} else if len(tx.Payload) != 0 {
		return rec, fmt.Errorf("%w: %s is registered; later STAKEs carry no payload", ErrStakePayload, from)
	}
	bonded, ok := add64(rec.Bonded, tx.Amount)
	if !ok {
		return rec, fmt.Errorf("%w: bonded %d + %d", ErrOverflow, rec.Bonded, tx.Amount)
	}
	if min := uint64(b.s.params.MinSelfStake); bonded < min {
		return rec, fmt.Errorf("%w: %d < %d", ErrStakeTooLow, bonded, min)
	}
	rec.Bonded = bonded
	return rec, nil
}

// execUnstake starts unbonding Amount; it is released unbonding_period
// blocks later and stays slashable until then.
func execUnstake(c *txCtx, tx *types.Tx) error {
	rec, err := checkUnstake(c.b, tx)
	if err != nil {
		return err
	}
	h := c.b.info.Height
	release, ok := add64(h, c.b.s.params.UnbondingPeriod)
	if !ok {
		return fmt.Errorf("%w: release height %d + %d", ErrOverflow, h, c.b.s.params.UnbondingPeriod)
	}
	if err := chargeSender(c, tx, 0); err != nil {
		return err
	}
	rec.Bonded -= tx.Amount
	rec.Unbonding = append(rec.Unbonding, Unbonding{Amount: tx.Amount, Release: release, Start: h})
	c.stake, c.hasStake = rec, true
	return nil
}

// checkUnstake is UNSTAKE's rules; rec is the record before it.
func checkUnstake(b *Batch, tx *types.Tx) (StakeRecord, error) {
	from := tx.From()
	rec, exists := b.Stake(from)
	switch {
	case !exists:
		return rec, fmt.Errorf("%w: %s has never staked", ErrNoStake, from)
	case tx.Amount > rec.Bonded:
		return rec, fmt.Errorf("%w: %d > bonded %d", ErrUnstakeTooMuch, tx.Amount, rec.Bonded)
	case len(rec.Unbonding) >= MaxUnbondingEntries:
		return rec, fmt.Errorf("%w: %d entries of %s are unbonding (at most %d); wait for the first release at height %d",
			ErrUnbondingEntries, len(rec.Unbonding), from, MaxUnbondingEntries, rec.Unbonding[0].Release)
	}
	return rec, nil
}

// MaxUnbondingEntries bounds a record's unbonding entries (docs/spec.md
// §13.6): an UNSTAKE beyond it is ErrUnbondingEntries.
const MaxUnbondingEntries = 16

// execUnjail ends a downtime jail that is over.
func execUnjail(c *txCtx, tx *types.Tx) error {
	rec, err := checkUnjail(c.b, tx)
	if err != nil {
		return err
	}
	if err := chargeSender(c, tx, 0); err != nil {
		return err
	}
	rec.Jailed, rec.JailedUntil = false, 0
	c.stake, c.hasStake = rec, true
	return nil
}

// checkUnjail is UNJAIL's rules; rec is the record before it.
func checkUnjail(b *Batch, tx *types.Tx) (StakeRecord, error) {
	from := tx.From()
	rec, exists := b.Stake(from)
	switch {
	case !exists:
		return rec, fmt.Errorf("%w: %s has never staked", ErrNoStake, from)
	case rec.Tombstoned:
		return rec, fmt.Errorf("%w: %s can never rejoin", ErrTombstoned, from)
	case !rec.Jailed:
		return rec, fmt.Errorf("%w: %s", ErrNotJailed, from)
	case b.info.Height < rec.JailedUntil:
		return rec, fmt.Errorf("%w: height %d < %d", ErrJailNotOver, b.info.Height, rec.JailedUntil)
	}
	return rec, nil
}
