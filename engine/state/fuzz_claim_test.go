package state

import (
	"errors"
	"math/big"
	"testing"

	"aitbc/engine/types"
)

// FuzzApplyClaim executes one RECEIPT_CLAIM, with arbitrary units, mint
// rate, fees, balances and an arbitrary payload mutation, on a state where
// job "taken" is already claimed, and checks: no panic; success or one of
// the sentinels; a failure changes nothing (accounts, claimed set, root);
// success adds exactly the minted amount to the supply, bumps the nonce,
// claims the job once and keeps the root equal to the reference.
func FuzzApplyClaim(f *testing.F) {
	f.Fuzz(func(t *testing.T, balM, nonceM, units, mint, fee, nonce uint64, job []byte, who uint8, flip uint16) {
		p := claimParams()
		p.MintPerUnit = types.Amount(mint)
		miner := key(0)
		M, P := addrOf(miner), addr(2)
		if who&1 != 0 {
			P = M
		}
		s := New(p)
		s.Set(M, Account{Balance: balM, Nonce: nonceM})
		taken := types.ReceiptJobHash([]byte("taken"))
		s.AddClaimed(taken)
		signer := coord
		if who&2 != 0 {
			signer = key(7) // not a coordinator
		}
		rc := types.NewReceiptClaim(testChain, job, units, M, signer)
		tx := &types.Tx{ChainID: testChain, Type: types.TxReceiptClaim, Nonce: nonce, Fee: fee, Payload: rc.Encode()}
		if who&4 != 0 && len(tx.Payload) > 0 {
			tx.Payload[int(flip)%len(tx.Payload)] ^= byte(flip >> 8)
		}
		tx.Sign(miner)
		all := []types.Address{M, P}
		before := snapshot(s, all)
		root := s.Root()
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
			for _, e := range []error{ErrBadReceipt, ErrUnknownCoordinator, ErrReceiptClaimed, ErrOverflow, ErrBadNonce, ErrFeeTooLow, ErrInsufficientBalance} {
				if errors.Is(err, e) {
					if !mapsEqual(before, after) || b.Root() != root || b.Receipts() != nil {
						t.Fatalf("failed claim changed state: %v", err)
					}
					return
				}
			}
			t.Fatalf("unexpected error %v", err)
		}
		rs := b.Receipts()
		if len(rs) != 1 || rs[0].JobHash == taken {
			t.Fatalf("receipts %+v", rs)
		}
		grown := new(big.Int).Sub(sum(after), sum(before))
		if grown.Cmp(new(big.Int).SetUint64(rs[0].Minted)) != 0 {
			t.Fatalf("supply grew by %v, minted %d", grown, rs[0].Minted)
		}
		if after[M].Nonce != before[M].Nonce+1 {
			t.Fatalf("nonce %d -> %d", before[M].Nonce, after[M].Nonce)
		}
		want := refStateRoot(after, []types.Hash{taken, rs[0].JobHash})
		if b.Root() != want {
			t.Fatal("root differs from the reference")
		}
		if err := s.Commit(b); err != nil || s.Root() != want || s.ClaimedLen() != 2 {
			t.Fatalf("commit: %v", err)
		}
	})
}
