package state

import (
	"fmt"
	"math/bits"
	"slices"

	"aitbc/engine/types"
)

// Signer is a validator whose signature is in a block's last_commit.
type Signer struct {
	Address types.Address
	Power   uint64 // its voting power in the set that signed the parent
}

// BlockInfo is what executing a block needs besides its txs.
type BlockInfo struct {
	Height   uint64
	Proposer types.Address // paid what the signers' shares leave over
	// Signers are the validators whose signatures are in the block's
	// last_commit (they certified the parent), with their power: the
	// fees and block_reward are split among them. Empty at height 1.
	Signers []Signer
	// Expected are the members of the validator set at the parent's
	// height: downtime is judged over them (one not among Signers missed
	// the parent). Empty at height 1.
	Expected []types.Address
}

// Begin opens a batch for the block described by info (a copy is kept):
// a copy-on-write overlay; s is untouched.
func (s *State) Begin(info BlockInfo) *Batch {
	s.flush()
	info.Signers = slices.Clone(info.Signers)
	info.Expected = slices.Clone(info.Expected)
	return &Batch{s: s, version: s.version, info: info, over: make(map[types.Address]Account),
		stakeOver: map[types.Address]StakeRecord{}, blsOver: map[[types.BLSPubKeyLen]byte]types.Address{},
		supply: s.supply}
}

// End runs the end of the block, after its txs and before Root and
// Commit, in this order (docs/spec.md §13.6):
//
//  1. the fees of the block's txs and block_reward are paid to the
//     signers pro rata by power (floor), the rest to the proposer;
//  2. unbonding entries released at or below the height return to their
//     balances;
//  3. downtime: each member of Expected with a record, neither jailed nor
//     tombstoned, marks this height missed or signed in its window; one
//     that missed more than the window allows is jailed and slashed.
//
// It runs once: afterwards Apply, Slash, ApplyEvidence and End report
// ErrBlockEnded. An error (ErrBadBlockInfo, ErrOverflow) leaves the batch
// unusable: Commit refuses it.
func (b *Batch) End() error {
	if err := b.usable(); err != nil {
		return err
	}
	b.ended = true
	b.diffOK, b.p = false, nil
	if err := b.payRewards(); err != nil {
		b.endErr = err
		return err
	}
	if err := b.releaseUnbonding(); err != nil {
		b.endErr = err
		return err
	}
	if err := b.recordDowntime(); err != nil {
		b.endErr = err
		return err
	}
	return nil
}

// payRewards splits fees + block_reward: signer i gets
// floor(total × power_i / Σ power), the proposer the remainder.
func (b *Batch) payRewards() error {
	reward := b.s.params.PoS().BlockReward
	total, ok := add64(b.fees, reward)
	if !ok {
		return fmt.Errorf("%w: fees %d + block reward %d", ErrOverflow, b.fees, reward)
	}
	minted, ok := add64(b.supply.Minted, reward)
	if !ok {
		return fmt.Errorf("%w: minted %d + block reward %d", ErrOverflow, b.supply.Minted, reward)
	}
	b.supply.Minted = minted
	signers := slices.Clone(b.info.Signers)
	slices.SortFunc(signers, func(x, y Signer) int { return compareAddr(&x.Address, &y.Address) })
	var sum uint64
	for i, sg := range signers {
		if i > 0 && signers[i-1].Address == sg.Address {
			return fmt.Errorf("%w: signer %s listed twice", ErrBadBlockInfo, sg.Address)
		}
		if sum, ok = add64(sum, sg.Power); !ok {
			return fmt.Errorf("%w: signer powers overflow", ErrBadBlockInfo)
		}
	}
	rest := total
	if sum > 0 {
		for _, sg := range signers {
			hi, lo := bits.Mul64(total, sg.Power)
			share, _ := bits.Div64(hi, lo, sum) // hi < sum since power <= sum
			if err := b.credit(sg.Address, share, "reward"); err != nil {
				return err
			}
			rest -= share
		}
	}
	return b.credit(b.info.Proposer, rest, "reward")
}

// credit adds amount to addr's balance in the batch (0: no write).
func (b *Batch) credit(addr types.Address, amount uint64, what string) error {
	if amount == 0 {
		return nil
	}
	a := b.Account(addr)
	bal, ok := add64(a.Balance, amount)
	if !ok {
		return fmt.Errorf("%w: %s of %d to %s with balance %d", ErrOverflow, what, amount, addr, a.Balance)
	}
	a.Balance = bal
	b.over[addr] = a
	return nil
}

// releaseUnbonding returns the entries whose release height is at or
// below the block's height to their balances, in address order.
func (b *Batch) releaseUnbonding() error {
	for _, r := range b.allStakes() {
		keep := r.Unbonding[:0:0]
		var release uint64
		for _, u := range r.Unbonding {
			if u.Release <= b.info.Height {
				release += u.Amount // the amounts were one balance once: the sum fits
				continue
			}
			keep = append(keep, u)
		}
		if release == 0 && len(keep) == len(r.Unbonding) {
			continue
		}
		if err := b.credit(r.Address, release, "release"); err != nil {
			return err
		}
		r = r.clone()
		r.Unbonding = keep
		b.stakeOver[r.Address] = r
	}
	return nil
}

// recordDowntime marks bit height mod window of each expected
// validator's window and jails those past the limit: more than
// window − ceil(window × min_signed_bps / 10000) missed.
func (b *Batch) recordDowntime() error {
	if len(b.info.Expected) == 0 {
		return nil
	}
	pos := b.s.params.PoS()
	window := pos.SignedBlocksWindow
	maxMissed := window - (window*uint64(pos.MinSignedBps)+9999)/10000 // window <= 100000: no overflow
	signed := make(map[types.Address]bool, len(b.info.Signers))        // lookups only
	for _, sg := range b.info.Signers {
		signed[sg.Address] = true
	}
	expected := slices.Clone(b.info.Expected)
	slices.SortFunc(expected, func(x, y types.Address) int { return compareAddr(&x, &y) })
	expected = slices.Compact(expected)
	slot := b.info.Height % window
	for _, addr := range expected {
		rec, ok := b.Stake(addr)
		if !ok || rec.Jailed || rec.Tombstoned {
			continue
		}
		before := rec.MissedCount
		rec.setMissed(slot, window, !signed[addr])
		if rec.MissedCount <= maxMissed {
			if rec.MissedCount != before {
				b.stakeOver[addr] = rec
			}
			continue
		}
		until, ok := add64(b.info.Height, pos.DowntimeJailBlocks)
		if !ok {
			return fmt.Errorf("%w: jail of %s until %d + %d", ErrOverflow, addr, b.info.Height, pos.DowntimeJailBlocks)
		}
		// The stake that was bonded during the window is what failed to
		// sign: entries unbonding since before it are left alone.
		var since uint64
		if b.info.Height >= window {
			since = b.info.Height - window + 1
		}
		if _, err := b.slashRecord(&rec, since, pos.SlashDowntimeBps, "downtime"); err != nil {
			return err
		}
		rec.Jailed, rec.JailedUntil = true, until
		rec.Missed, rec.MissedCount = nil, 0
		b.stakeOver[addr] = rec
	}
	return nil
}
