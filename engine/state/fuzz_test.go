package state

import (
	"errors"
	"math/big"
	"testing"

	"aitbc/engine/types"
)

// FuzzApplyTransfer executes one arbitrary transfer on an arbitrary
// three-account state (sender, recipient and proposer may coincide) and
// checks the invariants: no panic; success or one of the sentinel errors;
// a failure changes nothing; success conserves the total supply, bumps the
// sender's nonce by one and keeps the root equal to the reference.
func FuzzApplyTransfer(f *testing.F) {
	f.Fuzz(func(t *testing.T, balS, nonceS, balR, balP, amount, fee, nonce uint64, who uint8, baseFee, perByte uint64) {
		p := testParams()
		p.BaseFee, p.FeePerByte = types.Amount(baseFee), types.Amount(perByte)
		sender := key(0)
		S := addrOf(sender)
		R, P := addr(1), addr(2)
		if who&1 != 0 {
			R = S
		}
		if who&2 != 0 {
			P = S
		}
		if who&4 != 0 {
			P = R
		}
		s := New(p)
		s.Set(S, Account{Balance: balS, Nonce: nonceS})
		if R != S {
			s.Set(R, Account{Balance: balR})
		}
		if P != S && P != R {
			s.Set(P, Account{Balance: balP})
		}
		all := []types.Address{S, R, P}
		before := snapshot(s, all)
		root := s.Root()
		tx := &types.Tx{ChainID: testChain, Type: types.TxTransfer, Nonce: nonce, Recipient: R, Amount: amount, Fee: fee}
		tx.Sign(sender)
		b := s.Begin(BlockInfo{Proposer: P})
		err := b.Apply(tx)
		if err == nil {
			// The fee is paid out by End; paying it may overflow the proposer.
			if err := b.End(); errors.Is(err, ErrOverflow) {
				return
			} else if err != nil {
				t.Fatalf("End: %v", err)
			}
		}
		after := snapshot(b, all)
		if err != nil {
			if !errors.Is(err, ErrBadNonce) && !errors.Is(err, ErrFeeTooLow) && !errors.Is(err, ErrOverflow) && !errors.Is(err, ErrInsufficientBalance) {
				t.Fatalf("unexpected error %v", err)
			}
			if !mapsEqual(before, after) || b.Root() != root {
				t.Fatalf("failed tx changed state: %v", err)
			}
			return
		}
		if sum(before).Cmp(sum(after)) != 0 {
			t.Fatalf("supply changed: %v -> %v", sum(before), sum(after))
		}
		if after[S].Nonce != before[S].Nonce+1 || tx.Nonce != after[S].Nonce {
			t.Fatalf("nonce %d -> %d for tx nonce %d", before[S].Nonce, after[S].Nonce, tx.Nonce)
		}
		if tx.Fee < s.MinFee(tx) {
			t.Fatal("fee below minimum accepted")
		}
		if b.Root() != refRoot(after) {
			t.Fatal("root differs from the reference")
		}
	})
}

func sum(m map[types.Address]Account) *big.Int {
	t := new(big.Int)
	for _, a := range m {
		t.Add(t, new(big.Int).SetUint64(a.Balance))
	}
	return t
}
