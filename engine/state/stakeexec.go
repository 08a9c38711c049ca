package state

import (
	"fmt"

	"aitbc/engine/bls"
	"aitbc/engine/types"
)

// stakeExecutors run on pos and hybrid chains only (poa: ErrWrongMode).
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
		rec = StakeRecord{Address: from, Kind: KindStaker, PubKey: tx.Sender, BLSPubKey: p.BLSPubKey}
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
// blocks later and stays slashable until then.
func execUnstake(c *txCtx, tx *types.Tx) error {
	from := tx.From()
	rec, exists := c.b.Stake(from)
	switch {
	case !exists:
		return fmt.Errorf("%w: %s has never staked", ErrNoStake, from)
	case tx.Amount > rec.Bonded:
		return fmt.Errorf("%w: %d > bonded %d", ErrUnstakeTooMuch, tx.Amount, rec.Bonded)
	case len(rec.Unbonding) >= MaxUnbondingEntries:
		return fmt.Errorf("%w: %d entries of %s are unbonding (at most %d); wait for the first release at height %d",
			ErrUnbondingEntries, len(rec.Unbonding), from, MaxUnbondingEntries, rec.Unbonding[0].Release)
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

// MaxUnbondingEntries bounds a record's unbonding entries (docs/spec.md
// §13.6): an UNSTAKE beyond it is ErrUnbondingEntries.
const MaxUnbondingEntries = 16

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
	case c.b.info.Height < rec.JailedUntil:
		return fmt.Errorf("%w: height %d < %d", ErrJailNotOver, c.b.info.Height, rec.JailedUntil)
	}
	if err := chargeSender(c, tx, 0); err != nil {
		return err
	}
	rec.Jailed, rec.JailedUntil = false, 0
	c.stake, c.hasStake = rec, true
	return nil
}
