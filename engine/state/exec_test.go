package state

import (
	"errors"
	"math"
	"testing"

	"aitbc/engine/types"
)

func TestTransferRules(t *testing.T) {
	p := testParams()
	alice, bob := key(0), key(1)
	A, B, P := addrOf(alice), addrOf(bob), addr(99)
	probe := transfer(p, alice, 1, B, 1, 0)
	min := uint64(p.BaseFee) + uint64(p.FeePerByte)*uint64(probe.Size())
	const max = math.MaxUint64

	type accts map[types.Address]Account
	tests := []struct {
		name     string
		params   func(*types.Params)
		before   accts
		proposer types.Address
		tx       func() *types.Tx
		err      error
		endErr   error // End's, when the tx applies (the fee pot is paid by End)
		after    accts // checked when err == nil
	}{
		{name: "ok", before: accts{A: {1000, 0}}, proposer: P,
			tx:    func() *types.Tx { return transfer(p, alice, 1, B, 100, 0) },
			after: accts{A: {1000 - 100 - min, 1}, B: {100, 0}, P: {min, 0}}},
		{name: "whole fee to proposer", before: accts{A: {1000, 4}, P: {5, 0}}, proposer: P,
			tx:    func() *types.Tx { return transfer(p, alice, 5, B, 100, 7) },
			after: accts{A: {1000 - 100 - min - 7, 5}, B: {100, 0}, P: {5 + min + 7, 0}}},
		{name: "exact balance", before: accts{A: {100 + min, 0}}, proposer: P,
			tx:    func() *types.Tx { return transfer(p, alice, 1, B, 100, 0) },
			after: accts{A: {0, 1}, B: {100, 0}, P: {min, 0}}},
		{name: "nonce replay", before: accts{A: {1000, 3}}, proposer: P,
			tx: func() *types.Tx { return transfer(p, alice, 3, B, 1, 0) }, err: ErrBadNonce},
		{name: "nonce gap", before: accts{A: {1000, 3}}, proposer: P,
			tx: func() *types.Tx { return transfer(p, alice, 5, B, 1, 0) }, err: ErrBadNonce},
		{name: "nonce zero", before: accts{A: {1000, 0}}, proposer: P,
			tx: func() *types.Tx { return transfer(p, alice, 0, B, 1, 0) }, err: ErrBadNonce},
		{name: "nonce exhausted", before: accts{A: {1000, max}}, proposer: P,
			tx: func() *types.Tx { return transfer(p, alice, 0, B, 1, 0) }, err: ErrOverflow},
		{name: "fee one below minimum", before: accts{A: {1000, 0}}, proposer: P,
			tx: func() *types.Tx {
				tx := transfer(p, alice, 1, B, 1, 0)
				tx.Fee--
				return tx
			}, err: ErrFeeTooLow},
		{name: "minimum fee overflows", params: func(q *types.Params) { q.FeePerByte = types.Amount(max / 100) },
			before: accts{A: {max, 0}}, proposer: P,
			tx: func() *types.Tx {
				return &types.Tx{Type: types.TxTransfer, Sender: pub(alice), Nonce: 1, Recipient: B, Amount: 1, Fee: max}
			},
			err: ErrOverflow},
		{name: "insufficient by one", before: accts{A: {100 + min - 1, 0}}, proposer: P,
			tx: func() *types.Tx { return transfer(p, alice, 1, B, 100, 0) }, err: ErrInsufficientBalance},
		{name: "unknown sender", before: accts{}, proposer: P,
			tx: func() *types.Tx { return transfer(p, alice, 1, B, 1, 0) }, err: ErrInsufficientBalance},
		{name: "amount plus fee overflows", before: accts{A: {max, 0}}, proposer: P,
			tx: func() *types.Tx { return transfer(p, alice, 1, B, max-min+1, 0) }, err: ErrOverflow},
		{name: "amount plus fee is max", before: accts{A: {max, 0}}, proposer: P,
			tx:    func() *types.Tx { return transfer(p, alice, 1, B, max-min, 0) },
			after: accts{A: {0, 1}, B: {max - min, 0}, P: {min, 0}}},
		{name: "recipient overflows", before: accts{A: {1000, 0}, B: {max - 99, 0}}, proposer: P,
			tx: func() *types.Tx { return transfer(p, alice, 1, B, 100, 0) }, err: ErrOverflow},
		{name: "recipient reaches max", before: accts{A: {1000, 0}, B: {max - 100, 0}}, proposer: P,
			tx:    func() *types.Tx { return transfer(p, alice, 1, B, 100, 0) },
			after: accts{A: {900 - min, 1}, B: {max, 0}, P: {min, 0}}},
		{name: "proposer overflows", before: accts{A: {1000, 0}, P: {max - min + 1, 0}}, proposer: P,
			tx: func() *types.Tx { return transfer(p, alice, 1, B, 100, 0) }, endErr: ErrOverflow},
		{name: "recipient is proposer, overflow of the sum", before: accts{A: {1000, 0}, P: {max - 100 - min + 1, 0}}, proposer: P,
			tx: func() *types.Tx { return transfer(p, alice, 1, P, 100, 0) }, endErr: ErrOverflow},
		{name: "recipient is proposer", before: accts{A: {1000, 0}}, proposer: B,
			tx:    func() *types.Tx { return transfer(p, alice, 1, B, 100, 0) },
			after: accts{A: {900 - min, 1}, B: {100 + min, 0}}},
		{name: "self-transfer pays only the fee", before: accts{A: {1000, 0}}, proposer: P,
			tx:    func() *types.Tx { return transfer(p, alice, 1, A, 400, 0) },
			after: accts{A: {1000 - min, 1}, P: {min, 0}}},
		{name: "self-transfer still needs amount plus fee", before: accts{A: {400 + min - 1, 0}}, proposer: P,
			tx: func() *types.Tx { return transfer(p, alice, 1, A, 400, 0) }, err: ErrInsufficientBalance},
		{name: "sender is proposer", before: accts{A: {1000, 0}}, proposer: A,
			tx:    func() *types.Tx { return transfer(p, alice, 1, B, 100, 0) },
			after: accts{A: {900, 1}, B: {100, 0}}},
		{name: "sender, recipient and proposer", before: accts{A: {1000, 0}}, proposer: A,
			tx:    func() *types.Tx { return transfer(p, alice, 1, A, 100, 0) },
			after: accts{A: {1000, 1}}},
		{name: "zero fee chain creates no proposer account", params: func(q *types.Params) { q.BaseFee, q.FeePerByte = 0, 0 },
			before: accts{A: {1000, 0}}, proposer: P,
			tx: func() *types.Tx {
				tx := &types.Tx{ChainID: testChain, Type: types.TxTransfer, Nonce: 1, Recipient: B, Amount: 10}
				tx.Sign(alice)
				return tx
			},
			after: accts{A: {990, 1}, B: {10, 0}, P: {}}},
		{name: "transfer-shaped receipt claim", before: accts{A: {1000, 0}}, proposer: P,
			tx: func() *types.Tx { return withType(transfer(p, alice, 1, B, 1, 0), types.TxReceiptClaim) }, err: ErrBadReceipt},
		{name: "stake unsupported", before: accts{A: {1000, 0}}, proposer: P,
			tx: func() *types.Tx { return withType(transfer(p, alice, 1, B, 1, 0), types.TxStake) }, err: ErrWrongMode},
		{name: "unstake unsupported", before: accts{A: {1000, 0}}, proposer: P,
			tx: func() *types.Tx { return withType(transfer(p, alice, 1, B, 1, 0), types.TxUnstake) }, err: ErrUnsupportedTx},
		{name: "unjail unsupported", before: accts{A: {1000, 0}}, proposer: P,
			tx: func() *types.Tx { return withType(transfer(p, alice, 1, B, 0, 0), types.TxUnjail) }, err: ErrWrongMode},
		{name: "type zero unsupported", before: accts{A: {1000, 0}}, proposer: P,
			tx: func() *types.Tx { return withType(transfer(p, alice, 1, B, 1, 0), 0) }, err: ErrUnsupportedTx},
		{name: "type 255 unsupported", before: accts{A: {1000, 0}}, proposer: P,
			tx: func() *types.Tx { return withType(transfer(p, alice, 1, B, 1, 0), 255) }, err: ErrUnsupportedTx},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			q := p
			if tc.params != nil {
				tc.params(&q)
			}
			s := New(q)
			for a, acct := range tc.before {
				s.Set(a, acct)
			}
			rootBefore := s.Root()
			all := []types.Address{A, B, P}
			orig := snapshot(s, all)
			want := snapshot(s, all)
			b := s.Begin(BlockInfo{Proposer: tc.proposer})
			err := b.Apply(tc.tx())
			if !errors.Is(err, tc.err) {
				t.Fatalf("Apply: got %v, want %v", err, tc.err)
			}
			if err != nil {
				// A failing tx leaves no trace.
				if got := snapshot(b, all); !mapsEqual(got, want) {
					t.Fatalf("failed tx changed the batch: %v, want %v", got, want)
				}
				if u := b.Updates(); len(u) != 0 {
					t.Fatalf("failed tx left updates %v", u)
				}
				if r := b.Root(); r != rootBefore {
					t.Fatalf("failed tx changed the root")
				}
				return
			}
			if err := b.End(); !errors.Is(err, tc.endErr) {
				t.Fatalf("End: got %v, want %v", err, tc.endErr)
			} else if err != nil {
				if err := s.Commit(b); !errors.Is(err, ErrBlockNotEnded) || s.Root() != rootBefore {
					t.Fatalf("Commit after a failed End: %v", err)
				}
				return
			}
			for a, acct := range tc.after {
				want[a] = acct
			}
			if got := snapshot(b, all); !mapsEqual(got, want) {
				t.Fatalf("after: %v, want %v", got, want)
			}
			if got := snapshot(s, all); !mapsEqual(got, orig) || s.Root() != rootBefore {
				t.Fatalf("Apply modified the State: %v, want %v", got, orig)
			}
			root := b.Root()
			if err := s.Commit(b); err != nil {
				t.Fatal(err)
			}
			if got := snapshot(s, all); !mapsEqual(got, want) {
				t.Fatalf("committed: %v, want %v", got, want)
			}
			if s.Root() != root || root != refRoot(want) {
				t.Fatalf("root mismatch: batch %s, state %s, reference %s", root, s.Root(), refRoot(want))
			}
		})
	}
}

func pub(k []byte) (p [types.PubKeyLen]byte) {
	copy(p[:], k[32:])
	return p
}

func withType(tx *types.Tx, typ types.TxType) *types.Tx {
	tx.Type = typ
	return tx
}

func mapsEqual(a, b map[types.Address]Account) bool {
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	for k, v := range b {
		if a[k] != v {
			return false
		}
	}
	return true
}

func TestFailingTxLeavesNoTrace(t *testing.T) {
	p := testParams()
	alice, bob := key(0), key(1)
	A, B := addrOf(alice), addrOf(bob)
	s := New(p)
	s.Set(A, Account{Balance: 10_000})
	ok := s.Begin(BlockInfo{Proposer: addr(7)})
	mixed := s.Begin(BlockInfo{Proposer: addr(7)})
	good := []*types.Tx{transfer(p, alice, 1, B, 100, 0), transfer(p, alice, 2, B, 200, 3)}
	bad := []*types.Tx{
		transfer(p, alice, 1, B, 1, 0),              // replay
		transfer(p, alice, 3, B, 1_000_000, 0),      // insufficient
		transfer(p, bob, 1, A, 500, 0),              // bob has only 300
		withType(transfer(p, alice, 3, B, 1, 0), 3), // unsupported
	}
	for _, tx := range good {
		if err := ok.Apply(tx); err != nil {
			t.Fatal(err)
		}
	}
	if err := mixed.Apply(good[0]); err != nil {
		t.Fatal(err)
	}
	for _, tx := range bad[:1] {
		if err := mixed.Apply(tx); err == nil {
			t.Fatal("bad tx applied")
		}
	}
	if err := mixed.Apply(good[1]); err != nil {
		t.Fatal(err)
	}
	for _, tx := range bad[1:] {
		if err := mixed.Apply(tx); err == nil {
			t.Fatal("bad tx applied")
		}
	}
	end(t, ok)
	end(t, mixed)
	if ok.Root() != mixed.Root() {
		t.Fatal("failed txs changed the root")
	}
	if u1, u2 := ok.Updates(), mixed.Updates(); len(u1) != len(u2) || len(u1) != 3 {
		t.Fatalf("updates differ: %v vs %v", u1, u2)
	}
}

func TestMinFee(t *testing.T) {
	tx := &types.Tx{ChainID: testChain, Type: types.TxTransfer, Payload: make([]byte, 100)}
	size := uint64(tx.Size())
	tests := []struct {
		base, perByte uint64
		want          uint64
	}{
		{0, 0, 0},
		{10, 0, 10},
		{10, 1, 10 + size},
		{7, 3, 7 + 3*size},
		{math.MaxUint64, 0, math.MaxUint64},
		{math.MaxUint64, 1, math.MaxUint64},          // saturates
		{0, math.MaxUint64/size + 1, math.MaxUint64}, // saturates
		{1, (math.MaxUint64 - 1) / size, 1 + (math.MaxUint64-1)/size*size},
	}
	for _, tc := range tests {
		p := testParams()
		p.BaseFee, p.FeePerByte = types.Amount(tc.base), types.Amount(tc.perByte)
		if got := New(p).MinFee(tx); got != tc.want {
			t.Errorf("base %d per byte %d: MinFee %d, want %d", tc.base, tc.perByte, got, tc.want)
		}
	}
}
