package state

import (
	"crypto/ed25519"
	"crypto/sha256"
	"errors"
	"fmt"
	"math"
	"testing"

	"aitbc/engine/bls"
	"aitbc/engine/types"
)

// blsKey is validator i's deterministic BLS key.
func blsKey(t testing.TB, i int) *bls.SecretKey {
	t.Helper()
	ikm := sha256.Sum256([]byte(fmt.Sprint("state bls ", i)))
	sk, err := bls.KeyGen(ikm[:])
	if err != nil {
		t.Fatal(err)
	}
	return sk
}

// stakePayload is the registering payload of BLS key i (pop of key popOf).
func stakePayload(t testing.TB, i, popOf int) []byte {
	t.Helper()
	p := types.StakePayload{BLSPubKey: blsKey(t, i).PublicKey(), PoP: bls.ProvePossession(blsKey(t, popOf))}
	return p.Encode()
}

func stakingTx(p types.Params, ty types.TxType, from ed25519.PrivateKey, nonce, amount uint64, payload []byte) *types.Tx {
	tx := &types.Tx{ChainID: testChain, Type: ty, Nonce: nonce, Amount: amount, Payload: payload}
	tx.Fee = uint64(p.BaseFee) + uint64(p.FeePerByte)*uint64(tx.Size())
	tx.Sign(from)
	return tx
}

func stakeParams() types.Params {
	p := testParams()
	p.MinSelfStake, p.UnbondingPeriod = 1000, 10
	return p
}

// stakeState is a hybrid-chain State with funded accounts 0..3.
func stakeState(t testing.TB, p types.Params) *State {
	t.Helper()
	s := NewMode(p, "hybrid")
	for i := range 4 {
		s.Set(addrOf(key(i)), Account{Balance: 1_000_000})
	}
	return s
}

// apply runs txs in one block at height and commits it.
func apply(t *testing.T, s *State, height uint64, txs ...*types.Tx) {
	t.Helper()
	b := s.Begin(BlockInfo{Height: height, Proposer: addr(99)})
	for _, tx := range txs {
		if err := b.Apply(tx); err != nil {
			t.Fatalf("height %d: %s: %v", height, tx.Type, err)
		}
	}
	end(t, b)
	if err := s.Commit(b); err != nil {
		t.Fatal(err)
	}
}

// Every refused staking tx is a typed error that changes nothing.
func TestStakeRefusals(t *testing.T) {
	p := stakeParams()
	k0, k1, k2 := key(0), key(1), key(2)
	base := func(t *testing.T) *State {
		s := stakeState(t, p)
		apply(t, s, 1, stakingTx(p, types.TxStake, k0, 1, 5000, stakePayload(t, 0, 0)))
		// k2 registered, then jailed until 50 and, in one case, tombstoned.
		apply(t, s, 2, stakingTx(p, types.TxStake, k2, 1, 5000, stakePayload(t, 2, 2)))
		r, _ := s.Stake(addrOf(k2))
		r.Jailed, r.JailedUntil = true, 50
		s.SetStake(r)
		return s
	}
	tests := []struct {
		name   string
		height uint64
		mut    func(*State)
		tx     func(t *testing.T) *types.Tx
		want   error
	}{
		{"first stake without payload", 3, nil, func(t *testing.T) *types.Tx { return stakingTx(p, types.TxStake, k1, 1, 5000, nil) }, ErrStakePayload},
		{"payload of the wrong length", 3, nil, func(t *testing.T) *types.Tx { return stakingTx(p, types.TxStake, k1, 1, 5000, make([]byte, 10)) }, ErrStakePayload},
		{"proof of another key", 3, nil, func(t *testing.T) *types.Tx { return stakingTx(p, types.TxStake, k1, 1, 5000, stakePayload(t, 1, 3)) }, ErrBadPossession},
		{"key registered by another", 3, nil, func(t *testing.T) *types.Tx { return stakingTx(p, types.TxStake, k1, 1, 5000, stakePayload(t, 0, 0)) }, ErrKeyRegistered},
		{"below min_self_stake", 3, nil, func(t *testing.T) *types.Tx { return stakingTx(p, types.TxStake, k1, 1, 999, stakePayload(t, 1, 1)) }, ErrStakeTooLow},
		{"payload on a later stake", 3, nil, func(t *testing.T) *types.Tx { return stakingTx(p, types.TxStake, k0, 2, 5, stakePayload(t, 5, 5)) }, ErrStakePayload},
		{"stake above the balance", 3, nil, func(t *testing.T) *types.Tx {
			return stakingTx(p, types.TxStake, k1, 1, 2_000_000, stakePayload(t, 1, 1))
		}, ErrInsufficientBalance},
		{"bonded overflows", 3, func(s *State) {
			r, _ := s.Stake(addrOf(k0))
			r.Bonded = math.MaxUint64 - 1
			s.SetStake(r)
		}, func(t *testing.T) *types.Tx { return stakingTx(p, types.TxStake, k0, 2, 5, nil) }, ErrOverflow},
		{"tombstoned stakes", 3, func(s *State) {
			r, _ := s.Stake(addrOf(k2))
			r.Tombstoned = true
			s.SetStake(r)
		}, func(t *testing.T) *types.Tx { return stakingTx(p, types.TxStake, k2, 2, 5, nil) }, ErrTombstoned},
		{"unstake without stake", 3, nil, func(t *testing.T) *types.Tx { return stakingTx(p, types.TxUnstake, k1, 1, 5, nil) }, ErrNoStake},
		{"unstake above bonded", 3, nil, func(t *testing.T) *types.Tx { return stakingTx(p, types.TxUnstake, k0, 2, 5001, nil) }, ErrUnstakeTooMuch},
		{"unstake with every unbonding slot taken", 3, func(s *State) {
			r, _ := s.Stake(addrOf(k0))
			for i := range MaxUnbondingEntries {
				r.Unbonding = append(r.Unbonding, Unbonding{Amount: 1, Release: 100 + uint64(i), Start: 2})
			}
			s.SetStake(r)
		}, func(t *testing.T) *types.Tx { return stakingTx(p, types.TxUnstake, k0, 2, 5, nil) }, ErrUnbondingEntries},
		{"release height overflows", math.MaxUint64 - 5, nil, func(t *testing.T) *types.Tx { return stakingTx(p, types.TxUnstake, k0, 2, 1, nil) }, ErrOverflow},
		{"unjail while not jailed", 60, nil, func(t *testing.T) *types.Tx { return stakingTx(p, types.TxUnjail, k0, 2, 0, nil) }, ErrNotJailed},
		{"unjail before the jail ends", 49, nil, func(t *testing.T) *types.Tx { return stakingTx(p, types.TxUnjail, k2, 2, 0, nil) }, ErrJailNotOver},
		{"unjail tombstoned", 60, func(s *State) {
			r, _ := s.Stake(addrOf(k2))
			r.Tombstoned = true
			s.SetStake(r)
		}, func(t *testing.T) *types.Tx { return stakingTx(p, types.TxUnjail, k2, 2, 0, nil) }, ErrTombstoned},
		{"unjail without stake", 60, nil, func(t *testing.T) *types.Tx { return stakingTx(p, types.TxUnjail, k1, 1, 0, nil) }, ErrNoStake},
		{"poa chain stakes", 3, func(s *State) { s.mode = "poa" }, func(t *testing.T) *types.Tx { return stakingTx(p, types.TxStake, k1, 1, 5000, stakePayload(t, 1, 1)) }, ErrWrongMode},
		{"poa chain unstakes", 3, func(s *State) { s.mode = "poa" }, func(t *testing.T) *types.Tx { return stakingTx(p, types.TxUnstake, k0, 2, 5, nil) }, ErrWrongMode},
		{"poa chain unjails", 60, func(s *State) { s.mode = "poa" }, func(t *testing.T) *types.Tx { return stakingTx(p, types.TxUnjail, k2, 2, 0, nil) }, ErrWrongMode},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := base(t)
			if tc.mut != nil {
				tc.mut(s)
			}
			root, stakes, sup := s.Root(), fmt.Sprint(s.Stakes()), s.Supply()
			b := s.Begin(BlockInfo{Height: tc.height, Proposer: addr(99)})
			if err := b.Apply(tc.tx(t)); !errors.Is(err, tc.want) {
				t.Fatalf("err %v, want %v", err, tc.want)
			}
			if len(b.Updates()) != 0 || len(b.StakeUpdates()) != 0 || b.Root() != root || b.Supply() != sup {
				t.Fatalf("a refused tx changed the batch: %v %v", b.Updates(), b.StakeUpdates())
			}
			end(t, b)
			if err := s.Commit(b); err != nil || s.Root() != root || fmt.Sprint(s.Stakes()) != stakes {
				t.Fatalf("state changed: %v", err)
			}
		})
	}
}

// Stake, stake more, unstake, release at exactly the release height,
// unjail once the jail is over; the root follows and restores.
func TestStakeLifecycle(t *testing.T) {
	p := stakeParams()
	s := stakeState(t, p)
	k := key(0)
	a := addrOf(k)
	before := s.Root()
	if before == refRoot(accountsOf(s)) {
		t.Fatal("a hybrid chain's root is the v1 root")
	}
	fee := func(tx *types.Tx) uint64 { return tx.Fee }
	t1 := stakingTx(p, types.TxStake, k, 1, 3000, stakePayload(t, 0, 0))
	t2 := stakingTx(p, types.TxStake, k, 2, 2000, nil)
	apply(t, s, 1, t1, t2)
	r, ok := s.Stake(a)
	if !ok || r.Bonded != 5000 || r.BLSPubKey != blsKey(t, 0).PublicKey() || r.PubKey != [32]byte(k.Public().(ed25519.PublicKey)) {
		t.Fatalf("record %+v", r)
	}
	if got, want := s.Account(a).Balance, 1_000_000-5000-fee(t1)-fee(t2); got != want {
		t.Fatalf("balance %d, want %d", got, want)
	}
	if s.Account(addr(99)).Balance != fee(t1)+fee(t2) {
		t.Fatal("fees go to the proposer")
	}
	if s.Root() == before {
		t.Fatal("root ignores stake records")
	}
	t3 := stakingTx(p, types.TxUnstake, k, 3, 1500, nil)
	apply(t, s, 5, t3) // release at 5 + 10 = 15
	r, _ = s.Stake(a)
	if r.Bonded != 3500 || len(r.Unbonding) != 1 || r.Unbonding[0] != (Unbonding{Amount: 1500, Release: 15, Start: 5}) {
		t.Fatalf("after unstake %+v", r)
	}
	bal := s.Account(a).Balance
	apply(t, s, 14)
	if r, _ := s.Stake(a); len(r.Unbonding) != 1 || s.Account(a).Balance != bal {
		t.Fatal("released before the release height")
	}
	// Restore: a fresh state given the accounts and records has the root.
	fresh := stakeState(t, p)
	for addr, acct := range accountsOf(s) {
		fresh.Set(addr, acct)
	}
	for _, r := range s.Stakes() {
		fresh.SetStake(r)
	}
	fresh.SetSupply(s.Supply())
	if fresh.Root() != s.Root() {
		t.Fatal("restored state has another root")
	}
	b := s.Begin(BlockInfo{Height: 15, Proposer: addr(99)})
	end(t, b)
	if ups := b.StakeUpdates(); len(ups) != 1 || len(ups[0].Unbonding) != 0 {
		t.Fatalf("stake updates %+v", ups)
	}
	if err := b.Apply(t3); !errors.Is(err, ErrBlockEnded) {
		t.Fatalf("apply after End: %v", err)
	}
	root := b.Root()
	if err := s.Commit(b); err != nil || s.Root() != root {
		t.Fatal(err)
	}
	if s.Account(a).Balance != bal+1500 {
		t.Fatalf("balance %d, want %d released", s.Account(a).Balance, bal+1500)
	}
	// Jailed until 20: UNJAIL at 20 works.
	r, _ = s.Stake(a)
	r.Jailed, r.JailedUntil = true, 20
	s.SetStake(r)
	apply(t, s, 20, stakingTx(p, types.TxUnjail, k, 4, 0, nil))
	if r, _ := s.Stake(a); r.Jailed || r.JailedUntil != 0 {
		t.Fatalf("after unjail %+v", r)
	}
}

func accountsOf(s *State) map[types.Address]Account {
	out := map[types.Address]Account{}
	for i := range s.buckets {
		for _, e := range s.buckets[i].entries {
			out[e.addr] = e.acct
		}
	}
	return out
}
