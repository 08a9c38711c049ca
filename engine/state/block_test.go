package state

import (
	"errors"
	"math"
	"testing"

	"aitbc/engine/types"
)

// rewardState is a hybrid chain with free txs (fee = what the tx says)
// and account 0 funded.
func rewardState(t *testing.T, reward uint64) (*State, types.Params) {
	t.Helper()
	p := stakeParams()
	p.BaseFee, p.FeePerByte, p.BlockReward = 0, 0, types.Amount(reward)
	s := NewMode(p, "hybrid")
	s.Set(addrOf(key(0)), Account{Balance: 1 << 40})
	return s, p
}

// The reward split of docs/spec.md §13.6: signer i gets
// floor(total × power_i / Σ power), the proposer the rest.
func TestRewardSplit(t *testing.T) {
	P, A, B, C := addr(90), addr(91), addr(92), addr(93)
	tests := []struct {
		name      string
		fee       uint64
		reward    uint64
		proposer  types.Address
		signers   []Signer
		want      map[types.Address]uint64
		wantError error
	}{
		{"spec example", 100, 900, P, []Signer{{A, 1}, {B, 2}, {C, 3}},
			map[types.Address]uint64{A: 166, B: 333, C: 500, P: 1}, nil},
		{"signer order does not matter", 100, 900, P, []Signer{{C, 3}, {A, 1}, {B, 2}},
			map[types.Address]uint64{A: 166, B: 333, C: 500, P: 1}, nil},
		{"no signers: all to the proposer", 100, 900, P, nil, map[types.Address]uint64{P: 1000}, nil},
		{"proposer signed too", 101, 900, P, []Signer{{P, 1}, {A, 1}},
			map[types.Address]uint64{P: 501, A: 500}, nil},
		{"zero power: all to the proposer", 7, 0, P, []Signer{{A, 0}}, map[types.Address]uint64{P: 7, A: 0}, nil},
		{"nothing to pay writes nothing", 0, 0, P, []Signer{{A, 1}}, map[types.Address]uint64{P: 0, A: 0}, nil},
		{"powers near 2^60", 10, 0, P, []Signer{{A, 1 << 59}, {B, 1<<59 - 1}},
			map[types.Address]uint64{A: 5, B: 4, P: 1}, nil},
		{"signer twice", 10, 0, P, []Signer{{A, 1}, {A, 1}}, nil, ErrBadBlockInfo},
		{"powers overflow", 10, 0, P, []Signer{{A, math.MaxUint64}, {B, 1}}, nil, ErrBadBlockInfo},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, p := rewardState(t, tc.reward)
			b := s.Begin(BlockInfo{Height: 2, Proposer: tc.proposer, Signers: tc.signers})
			if tc.fee > 0 {
				if err := b.Apply(transfer(p, key(0), 1, addr(5), 1, tc.fee)); err != nil {
					t.Fatal(err)
				}
			}
			err := b.End()
			if !errors.Is(err, tc.wantError) {
				t.Fatalf("End: %v, want %v", err, tc.wantError)
			}
			if err != nil {
				if err := s.Commit(b); !errors.Is(err, ErrBlockNotEnded) {
					t.Fatalf("Commit after a failed End: %v", err)
				}
				return
			}
			for a, want := range tc.want {
				if got := b.Account(a).Balance; got != want {
					t.Errorf("%s: %d, want %d", a, got, want)
				}
			}
			if tc.fee == 0 && tc.reward == 0 && len(b.Updates()) != 0 {
				t.Fatalf("an empty pot wrote %v", b.Updates())
			}
			if b.Supply().Minted != tc.reward {
				t.Fatalf("minted %d, want the block reward %d", b.Supply().Minted, tc.reward)
			}
			if err := s.Commit(b); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// Nothing wraps near 2^64: the fee pot, the block reward, the minted
// total and the jail height are ErrOverflow.
func TestEndOverflow(t *testing.T) {
	t.Run("fee pot", func(t *testing.T) {
		s, p := rewardState(t, 0)
		s.Set(addrOf(key(1)), Account{Balance: math.MaxUint64})
		s.Set(addrOf(key(0)), Account{Balance: math.MaxUint64})
		b := s.Begin(BlockInfo{Height: 2, Proposer: addr(90)})
		if err := b.Apply(transfer(p, key(0), 1, addr(5), 0, math.MaxUint64-1)); err != nil {
			t.Fatal(err)
		}
		before := b.Updates()
		if err := b.Apply(transfer(p, key(1), 1, addr(5), 0, 2)); !errors.Is(err, ErrOverflow) {
			t.Fatalf("second fee: %v", err)
		}
		if len(b.Updates()) != len(before) || b.Account(addrOf(key(1))).Balance != math.MaxUint64 {
			t.Fatal("a refused tx changed the batch")
		}
	})
	t.Run("reward plus fees", func(t *testing.T) {
		s, p := rewardState(t, math.MaxUint64)
		b := s.Begin(BlockInfo{Height: 2, Proposer: addr(90)})
		if err := b.Apply(transfer(p, key(0), 1, addr(5), 0, 1)); err != nil {
			t.Fatal(err)
		}
		if err := b.End(); !errors.Is(err, ErrOverflow) {
			t.Fatalf("End: %v", err)
		}
	})
	t.Run("minted", func(t *testing.T) {
		s, _ := rewardState(t, 1)
		s.SetSupply(Supply{Minted: math.MaxUint64})
		if err := s.Begin(BlockInfo{Height: 2, Proposer: addr(90)}).End(); !errors.Is(err, ErrOverflow) {
			t.Fatalf("End: %v", err)
		}
	})
	t.Run("payout", func(t *testing.T) {
		s, _ := rewardState(t, 10)
		s.Set(addr(91), Account{Balance: math.MaxUint64 - 4})
		b := s.Begin(BlockInfo{Height: 2, Proposer: addr(90), Signers: []Signer{{addr(91), 1}}})
		if err := b.End(); !errors.Is(err, ErrOverflow) {
			t.Fatalf("End: %v", err)
		}
		if err := s.Commit(b); !errors.Is(err, ErrBlockNotEnded) {
			t.Fatalf("Commit: %v", err)
		}
	})
	t.Run("jail height", func(t *testing.T) {
		p := stakeParams()
		p.SignedBlocksWindow, p.MinSignedBps = 1, 10000
		s := NewMode(p, "pos")
		s.SetStake(StakeRecord{Address: addr(91), Kind: KindStaker, Bonded: 5})
		b := s.Begin(BlockInfo{Height: math.MaxUint64 - 1, Proposer: addr(90), Expected: []types.Address{addr(91)}})
		if err := b.End(); !errors.Is(err, ErrOverflow) {
			t.Fatalf("End: %v", err)
		}
	})
}

// End runs once and closes the batch.
func TestEndOnce(t *testing.T) {
	s, p := rewardState(t, 0)
	b := s.Begin(BlockInfo{Height: 2, Proposer: addr(90)})
	if err := s.Commit(b); !errors.Is(err, ErrBlockNotEnded) {
		t.Fatalf("Commit before End: %v", err)
	}
	end(t, b)
	for name, err := range map[string]error{
		"End":           b.End(),
		"Apply":         b.Apply(transfer(p, key(0), 1, addr(5), 1, 0)),
		"Tombstone":     b.Tombstone(addr(1)),
		"Slash":         func() error { _, err := b.Slash(addr(1), 1, 1, "x"); return err }(),
		"ApplyEvidence": func() error { _, err := b.ApplyEvidence(types.Hash{1}, addr(1), 1); return err }(),
	} {
		if !errors.Is(err, ErrBlockEnded) {
			t.Errorf("%s after End: %v", name, err)
		}
	}
	if err := s.Commit(b); err != nil {
		t.Fatal(err)
	}
}

// downtimeState: window 10, 70 % to sign (so at most 3 missed), a 1 %
// slash, a 20-block jail, 100 blocks of unbonding; key 1 bonded 10 050 at height 1.
func downtimeState(t *testing.T) (*State, types.Params, types.Address) {
	t.Helper()
	p := stakeParams()
	p.SignedBlocksWindow, p.MinSignedBps, p.SlashDowntimeBps, p.DowntimeJailBlocks = 10, 7000, 100, 20
	p.UnbondingPeriod = 100
	s := stakeState(t, p)
	apply(t, s, 1, stakingTx(p, types.TxStake, key(1), 1, 10_050, stakePayload(t, 1, 1)))
	return s, p, addrOf(key(1))
}

// block runs an empty block at h whose parent set is expected and whose
// last commit holds signers (power 1 each).
func block(t *testing.T, s *State, h uint64, expected []types.Address, signers ...types.Address) {
	t.Helper()
	info := BlockInfo{Height: h, Proposer: addr(99), Expected: expected}
	for _, a := range signers {
		info.Signers = append(info.Signers, Signer{Address: a, Power: 1})
	}
	b := s.Begin(info)
	end(t, b)
	if err := s.Commit(b); err != nil {
		t.Fatal(err)
	}
}

// A validator is jailed at exactly the first miss beyond
// window − ceil(window × min_signed_bps / 10000).
func TestDowntimeJailAtThreshold(t *testing.T) {
	s, p, v := downtimeState(t)
	other := addrOf(key(2))
	set := []types.Address{v, other}
	for h := uint64(2); h <= 4; h++ { // 3 misses: the most allowed
		block(t, s, h, set, other)
	}
	r, _ := s.Stake(v)
	if r.Jailed || r.MissedCount != 3 || r.Bonded != 10_050 {
		t.Fatalf("after 3 misses: %+v", r)
	}
	if other, _ := s.Stake(other); other.MissedCount != 0 {
		t.Fatal("a signer was marked missed")
	}
	block(t, s, 5, set, other)
	r, _ = s.Stake(v)
	// 1 % of 10 050 is 100.5: 100 burned.
	if !r.Jailed || r.JailedUntil != 25 || r.Bonded != 9950 || r.MissedCount != 0 || r.Missed != nil {
		t.Fatalf("after the 4th miss: %+v", r)
	}
	if s.Supply().Slashed != 100 {
		t.Fatalf("slashed %d", s.Supply().Slashed)
	}
	// A jailed validator's misses are not recorded again.
	block(t, s, 6, set, other)
	if r2, _ := s.Stake(v); !r2.equal(&r) {
		t.Fatal("a jailed record changed")
	}
	// UNJAIL at 24 is refused, at 25 it works.
	b := s.Begin(BlockInfo{Height: 24, Proposer: addr(99)})
	if err := b.Apply(stakingTx(p, types.TxUnjail, key(1), 2, 0, nil)); !errors.Is(err, ErrJailNotOver) {
		t.Fatalf("unjail at 24: %v", err)
	}
	apply(t, s, 25, stakingTx(p, types.TxUnjail, key(1), 2, 0, nil))
	if r, _ := s.Stake(v); r.Jailed {
		t.Fatal("still jailed")
	}
}

// The window slides: a slot signed W blocks after a miss clears it, and
// only members of the parent set are judged.
func TestDowntimeWindowSlides(t *testing.T) {
	s, _, v := downtimeState(t)
	set := []types.Address{v}
	block(t, s, 2, set)                    // miss, slot 2
	block(t, s, 3, nil)                    // not in the parent set: nothing
	block(t, s, 4, []types.Address{v})     // miss, slot 4
	block(t, s, 12, []types.Address{v}, v) // slot 2 signed: cleared
	r, _ := s.Stake(v)
	if r.MissedCount != 1 || len(r.Missed) != 2 || r.Missed[0] != 1<<4 {
		t.Fatalf("window %+v", r)
	}
	block(t, s, 14, set, v) // slot 4 signed: empty window, nil bitmap
	if r, _ := s.Stake(v); r.MissedCount != 0 || r.Missed != nil {
		t.Fatalf("window %+v", r)
	}
}

// Downtime slashes the stake bonded during the window: bonded and
// unbonding entries begun in it, not those begun before.
func TestDowntimeSlashesTheWindow(t *testing.T) {
	s, p, v := downtimeState(t)
	apply(t, s, 2, stakingTx(p, types.TxUnstake, key(1), 2, 1000, nil))  // begun at 2
	apply(t, s, 20, stakingTx(p, types.TxUnstake, key(1), 3, 1050, nil)) // begun at 20
	for h := uint64(21); h <= 24; h++ {
		block(t, s, h, []types.Address{v})
	}
	r, _ := s.Stake(v)
	// Window of block 24: heights 15..24. bonded 8000 → 80; (1050, 20) → 10; (1000, 2) untouched.
	if !r.Jailed || r.Bonded != 7920 || r.Unbonding[0].Amount != 1000 || r.Unbonding[1].Amount != 1040 || s.Supply().Slashed != 90 {
		t.Fatalf("%+v, slashed %d", r, s.Supply().Slashed)
	}
}
