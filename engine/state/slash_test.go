package state

import (
	"errors"
	"fmt"
	"math"
	"testing"

	"aitbc/engine/types"
)

// slashState has one record: bonded 10 001 and entries begun at 3, 5 and 8.
func slashState(t *testing.T) (*State, types.Address) {
	t.Helper()
	p := stakeParams()
	p.UnbondingPeriod, p.SlashDoubleSignBps = 100, 1000
	s := NewMode(p, "pos")
	a := addr(1)
	s.SetStake(StakeRecord{Address: a, Bonded: 10_001, Unbonding: []Unbonding{
		{Amount: 2000, Release: 103, Start: 3}, {Amount: 1005, Release: 105, Start: 5}, {Amount: 999, Release: 108, Start: 8}}})
	return s, a
}

// Slash cuts floor(part × bps / 10000) of bonded and of each entry begun
// at or after the infraction height.
func TestSlashArithmetic(t *testing.T) {
	s, a := slashState(t)
	b := s.Begin(BlockInfo{Height: 9, Proposer: addr(99)})
	n, err := b.Slash(a, 5, 1000, "test")
	if err != nil {
		t.Fatal(err)
	}
	r, _ := b.Stake(a)
	// bonded 10 001 → 1000; (2000, 3) before the infraction; (1005, 5) → 100; (999, 8) → 99.
	if n != 1199 || r.Bonded != 9001 || r.Unbonding[0].Amount != 2000 || r.Unbonding[1].Amount != 905 || r.Unbonding[2].Amount != 900 {
		t.Fatalf("slashed %d: %+v", n, r)
	}
	if b.Supply().Slashed != 1199 || len(b.Slashes()) != 1 || b.Slashes()[0] != (SlashEvent{a, 1199, "test"}) {
		t.Fatalf("supply %+v, events %+v", b.Supply(), b.Slashes())
	}
	if r.Tombstoned || r.Jailed {
		t.Fatal("Slash jailed")
	}
	// 100 % of amounts near 2^64 does not wrap.
	s.SetStake(StakeRecord{Address: addr(2), Bonded: math.MaxUint64})
	b = s.Begin(BlockInfo{Height: 9, Proposer: addr(99)})
	if n, err := b.Slash(addr(2), 1, 10000, "all"); err != nil || n != math.MaxUint64 {
		t.Fatalf("slash all: %d %v", n, err)
	}
	if n, err := b.Slash(addr(2), 1, 9999, "most"); err != nil || n != 0 {
		t.Fatalf("slash of nothing: %d %v", n, err)
	}
}

// Every refused slash, tombstone or evidence is a typed error that
// changes nothing.
func TestSlashRefusals(t *testing.T) {
	tests := []struct {
		name string
		do   func(b *Batch) error
		want error
	}{
		{"slash above 100 %", func(b *Batch) error { _, err := b.Slash(addr(1), 1, 10001, "x"); return err }, ErrBadSlash},
		{"slash without record", func(b *Batch) error { _, err := b.Slash(addr(7), 1, 1, "x"); return err }, ErrNoStake},
		{"tombstone without record", func(b *Batch) error { return b.Tombstone(addr(7)) }, ErrNoStake},
		{"evidence without record", func(b *Batch) error { _, err := b.ApplyEvidence(types.Hash{7}, addr(7), 5); return err }, ErrNoStake},
		{"evidence from the block's height", func(b *Batch) error { _, err := b.ApplyEvidence(types.Hash{7}, addr(1), 9); return err }, ErrEvidenceHeight},
		{"evidence too old", func(b *Batch) error {
			b.info.Height = 5 + types.DefaultMaxEvidenceAge + 1
			_, err := b.ApplyEvidence(types.Hash{7}, addr(1), 5)
			return err
		}, ErrEvidenceHeight},
		{"evidence over max_evidence_per_block", func(b *Batch) error {
			for i := range types.DefaultMaxEvidencePerBlock {
				b.evidenceList = append(b.evidenceList, types.Hash{byte(i)}) // as if applied
			}
			_, err := b.ApplyEvidence(types.Hash{0xff}, addr(1), 5)
			b.evidenceList = nil
			return err
		}, ErrEvidenceLimit},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, _ := slashState(t)
			root := s.Root()
			b := s.Begin(BlockInfo{Height: 9, Proposer: addr(99)})
			if err := tc.do(b); !errors.Is(err, tc.want) {
				t.Fatalf("err %v, want %v", err, tc.want)
			}
			if len(b.StakeUpdates()) != 0 || b.Supply() != s.Supply() || b.EvidenceUpdates() != nil || b.Root() != root {
				t.Fatal("a refused call changed the batch")
			}
		})
	}
}

// Evidence slashes slash_double_sign_bps at the infraction height and
// tombstones; its hash never applies twice (in the block or later), and
// other evidence against a tombstoned validator burns nothing more.
func TestApplyEvidenceOnce(t *testing.T) {
	s, a := slashState(t)
	h1, h2 := types.Sum256([]byte("evidence 1")), types.Sum256([]byte("evidence 2"))
	b := s.Begin(BlockInfo{Height: 9, Proposer: addr(99)})
	n, err := b.ApplyEvidence(h1, a, 5)
	if err != nil || n != 1199 {
		t.Fatalf("%d %v", n, err)
	}
	if r, _ := b.Stake(a); !r.Tombstoned || !r.Jailed {
		t.Fatalf("%+v", r)
	}
	if _, err := b.ApplyEvidence(h1, a, 5); !errors.Is(err, ErrEvidenceApplied) {
		t.Fatalf("same hash in the block: %v", err)
	}
	if n, err := b.ApplyEvidence(h2, a, 6); err != nil || n != 0 {
		t.Fatalf("evidence against a tombstoned validator: %d %v", n, err)
	}
	if ev := b.EvidenceUpdates(); len(ev) != 2 || compareHash(&ev[0], &ev[1]) >= 0 {
		t.Fatalf("evidence updates %v", ev)
	}
	end(t, b)
	root := b.Root()
	if err := s.Commit(b); err != nil || s.Root() != root {
		t.Fatal(err)
	}
	if !s.EvidenceApplied(h1) || !s.EvidenceApplied(h2) {
		t.Fatal("evidence not committed")
	}
	b = s.Begin(BlockInfo{Height: 10, Proposer: addr(99)})
	if _, err := b.ApplyEvidence(h1, a, 5); !errors.Is(err, ErrEvidenceApplied) {
		t.Fatalf("same hash in a later block: %v", err)
	}
	// Tombstoned: never stakes or unjails again.
	s.Set(a, Account{Balance: 1 << 30})
	p := s.Params()
	k := key(0)
	r, _ := s.Stake(a)
	r.Address = addrOf(k)
	s.SetStake(r)
	for _, tx := range []*types.Tx{stakingTx(p, types.TxStake, k, 1, 5000, nil), stakingTx(p, types.TxUnjail, k, 1, 0, nil)} {
		if err := s.Begin(BlockInfo{Height: 200, Proposer: addr(99)}).Apply(tx); !errors.Is(err, ErrTombstoned) {
			t.Fatalf("%s of a tombstoned validator: %v", tx.Type, err)
		}
	}
}

// The root commits to every field of a record, to the evidence set and to
// the supply; a state restored from the updates has the same root.
func TestStakeRootCoversEverything(t *testing.T) {
	s, a := slashState(t)
	base := s.Root()
	r0, _ := s.Stake(a)
	muts := map[string]func(r *StakeRecord){
		"kind":         func(r *StakeRecord) { r.Kind = KindAuthority },
		"power":        func(r *StakeRecord) { r.Power = 1 },
		"pub key":      func(r *StakeRecord) { r.PubKey[0] = 1 },
		"bls key":      func(r *StakeRecord) { r.BLSPubKey[0] = 1 },
		"bonded":       func(r *StakeRecord) { r.Bonded++ },
		"entry amount": func(r *StakeRecord) { r.Unbonding[0].Amount++ },
		"entry start":  func(r *StakeRecord) { r.Unbonding[0].Start++ },
		"release":      func(r *StakeRecord) { r.Unbonding[0].Release++ },
		"entries":      func(r *StakeRecord) { r.Unbonding = r.Unbonding[:2] },
		"jailed until": func(r *StakeRecord) { r.JailedUntil = 1 },
		"jailed":       func(r *StakeRecord) { r.Jailed = true },
		"tombstoned":   func(r *StakeRecord) { r.Tombstoned = true },
		"missed":       func(r *StakeRecord) { r.setMissed(3, 100, true) },
	}
	seen := map[types.Hash]string{base: "base"}
	for name, mut := range muts { // each checked on its own: order does not matter
		r := r0.clone()
		mut(&r)
		s.SetStake(r)
		root := s.Root()
		if prev, dup := seen[root]; dup {
			t.Errorf("%s: root equals %s's", name, prev)
		}
		seen[root] = name
		s.SetStake(r0)
	}
	if s.Root() != base {
		t.Fatal("restoring the record did not restore the root")
	}
	s.AddEvidence(types.Hash{1})
	if s.Root() == base {
		t.Fatal("root ignores the evidence set")
	}
	withEv := s.Root()
	s.SetSupply(Supply{Minted: 1})
	if s.Root() == withEv {
		t.Fatal("root ignores the supply")
	}
}

// The authorities of a pos or hybrid genesis get records with their
// weight as power; a poa genesis gets none and refuses staking.
func TestFromGenesisAuthorities(t *testing.T) {
	g := &types.Genesis{ChainID: testChain, ConsensusMode: "hybrid", Params: stakeParams()}
	for i := range 3 {
		sk := blsKey(t, 10+i)
		pk, ek := sk.PublicKey(), pub(key(10+i))
		g.Authorities = append(g.Authorities, types.Authority{Address: addrOf(key(10 + i)), PubKey: ek[:],
			BLSPubKey: pk[:], Weight: uint64(5 + i)})
	}
	g.Accounts = []types.GenesisAccount{{Address: addrOf(key(0)), Balance: 1_000_000}}
	s, err := FromGenesis(g)
	if err != nil {
		t.Fatal(err)
	}
	recs := s.Stakes()
	if len(recs) != 3 {
		t.Fatalf("%d records", len(recs))
	}
	for i := 1; i < len(recs); i++ {
		if compareAddr(&recs[i-1].Address, &recs[i].Address) >= 0 {
			t.Fatal("Stakes not sorted")
		}
	}
	r, ok := s.Stake(addrOf(key(11)))
	if !ok || r.Kind != KindAuthority || r.Power != 6 || r.Bonded != 0 || r.BLSPubKey != blsKey(t, 11).PublicKey() {
		t.Fatalf("%+v", r)
	}
	if !s.Executable(types.TxStake) || !s.Executable(types.TxUnjail) || !s.Executable(types.TxTransfer) {
		t.Fatal("hybrid chain does not execute staking")
	}
	// An authority's BLS key cannot be registered again.
	p := s.Params()
	b := s.Begin(BlockInfo{Height: 1, Proposer: addr(99)})
	if err := b.Apply(stakingTx(p, types.TxStake, key(0), 1, 5000, stakePayload(t, 11, 11))); !errors.Is(err, ErrKeyRegistered) {
		t.Fatalf("authority key: %v", err)
	}
	g.ConsensusMode = "poa"
	s, err = FromGenesis(g)
	if err != nil || len(s.Stakes()) != 0 || s.Executable(types.TxStake) || s.Executable(types.TxUnstake) || s.Executable(types.TxUnjail) || !s.Executable(types.TxReceiptClaim) {
		t.Fatalf("poa chain: %v, %d records", err, len(s.Stakes()))
	}
	if s.Root() != refRoot(accountsOf(s)) {
		t.Fatal("a poa chain's root is not the v1 root")
	}
}

// Supply: over random blocks of transfers, claims, stakes, unstakes,
// releases, block rewards split among signers, downtime, slashes and
// evidence, the tokens held (balances + bonded + unbonding) change by
// exactly minted − slashed, and a state restored from each block's
// updates has the same root.
func TestStakeSupplyConserved(t *testing.T) {
	p := claimParams()
	p.MinSelfStake, p.UnbondingPeriod, p.BlockReward = 1000, 10, 17
	p.SlashDoubleSignBps, p.SlashDowntimeBps = 777, 33
	p.SignedBlocksWindow, p.MinSignedBps, p.DowntimeJailBlocks = 8, 5000, 3
	held := func(s *State) uint64 {
		var sum uint64
		for _, a := range accountsOf(s) {
			sum += a.Balance
		}
		for _, r := range s.Stakes() {
			sum += r.Bonded
			for _, u := range r.Unbonding {
				sum += u.Amount
			}
		}
		return sum
	}
	var slashed, claimed, downtime, unjailed int // the test reaches every path
	for seed := range 30 {
		s := stakeState(t, p)
		re := stakeState(t, p) // restored from updates, block by block
		start := held(s)
		nonce := map[int]uint64{}
		rng := uint64(seed*7919 + 1)
		rnd := func(n uint64) uint64 { rng = rng*6364136223846793005 + 1442695040888963407; return (rng >> 33) % n }
		for h := uint64(1); h <= 60; h++ {
			info := BlockInfo{Height: h, Proposer: addrOf(key(int(rnd(4))))}
			for i := range 4 {
				if _, ok := s.Stake(addrOf(key(i))); ok && h > 1 {
					info.Expected = append(info.Expected, addrOf(key(i)))
					if rnd(3) != 0 {
						info.Signers = append(info.Signers, Signer{addrOf(key(i)), 1 + rnd(50)})
					}
				}
			}
			b := s.Begin(info)
			for range 4 {
				i := int(rnd(4))
				var tx *types.Tx
				switch rnd(6) {
				case 0:
					tx = transfer(p, key(i), nonce[i]+1, addrOf(key(int(rnd(4)))), 1+rnd(1000), 0)
				case 1:
					var payload []byte
					if _, ok := b.Stake(addrOf(key(i))); !ok {
						payload = stakePayload(t, i, i)
					}
					tx = stakingTx(p, types.TxStake, key(i), nonce[i]+1, 1000+rnd(5000), payload)
				case 2:
					tx = stakingTx(p, types.TxUnstake, key(i), nonce[i]+1, 1+rnd(3000), nil)
				case 3:
					tx = claim(p, key(i), nonce[i]+1, coord, fmt.Sprint("job ", seed, h, rnd(1<<30)), 1+rnd(100), 0)
				case 4:
					tx = stakingTx(p, types.TxUnjail, key(i), nonce[i]+1, 0, nil)
				case 5:
					if h > 1 {
						b.ApplyEvidence(types.Sum256([]byte(fmt.Sprint(seed, h))), addrOf(key(i)), h-1-rnd(h-1))
						b.Slash(addrOf(key(int(rnd(4)))), h-rnd(h), uint32(rnd(10001)), "test")
					}
					continue
				}
				if err := b.Apply(tx); err == nil {
					nonce[i]++
					switch tx.Type {
					case types.TxReceiptClaim:
						claimed++
					case types.TxUnjail:
						unjailed++
					}
				}
			}
			end(t, b)
			for _, e := range b.Slashes() {
				switch e.Reason {
				case "downtime":
					downtime++
				default:
					slashed++
				}
			}
			ups, stakes, ev, rcs := b.Updates(), b.StakeUpdates(), b.EvidenceUpdates(), b.Receipts()
			if err := s.Commit(b); err != nil {
				t.Fatal(err)
			}
			sup := s.Supply()
			if got, want := held(s), start+sup.Minted-sup.Slashed; got != want {
				t.Fatalf("seed %d height %d: %d held, want %d + %d minted − %d slashed", seed, h, got, start, sup.Minted, sup.Slashed)
			}
			for _, u := range ups {
				re.Set(u.Address, u.Account)
			}
			for _, r := range stakes {
				re.SetStake(r)
			}
			for _, e := range ev {
				re.AddEvidence(e)
			}
			for _, rc := range rcs {
				re.AddClaimed(rc.JobHash)
			}
			re.SetSupply(sup)
			if re.Root() != s.Root() {
				t.Fatalf("seed %d height %d: restored root differs", seed, h)
			}
		}
	}
	if slashed == 0 || claimed == 0 || downtime == 0 || unjailed == 0 {
		t.Fatalf("paths not reached: %d slashes, %d claims, %d downtime jails, %d unjails", slashed, claimed, downtime, unjailed)
	}
	t.Logf("%d slashes, %d claims, %d downtime jails, %d unjails", slashed, claimed, downtime, unjailed)
}
