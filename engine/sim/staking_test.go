package sim

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"aitbc/engine/bls"
	"aitbc/engine/validators"
	"aitbc/engine/validators/valtest"
)

// A hybrid chain of four authorities (power 10 each) and three stakers,
// epochs of 10 blocks, with the default faults (partitions, crashes,
// clock offsets, a lossy network) in the first 30 s: staker 0 stakes and
// joins; staker 1 stakes, then unstakes everything and leaves; staker 2
// stakes, joins, then goes down for good, is jailed for downtime and
// leaves. Agreement, validity and liveness hold across every set change,
// and every certificate verifies against the set of its own height (the
// cluster's replica executes the chain and runs the elections itself).
func TestStakingSetChanges(t *testing.T) {
	for _, seed := range []int64{1, 2, 3} {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			cfg := DefaultConfig(seed)
			cfg.Duration, cfg.Quiet = 40*time.Second, 10*time.Second
			cfg.Staking = &Staking{Mode: "hybrid", EpochLength: 10, Stakers: 3, Plan: []StakeEvent{
				{At: 200 * time.Millisecond, Staker: 0, Kind: "stake", Amount: StakeUnit},
				{At: 200 * time.Millisecond, Staker: 1, Kind: "stake", Amount: StakeUnit},
				{At: 300 * time.Millisecond, Staker: 2, Kind: "stake", Amount: StakeUnit},
				{At: 6 * time.Second, Staker: 1, Kind: "unstake", Amount: StakeUnit},
				{At: 8 * time.Second, Staker: 2, Kind: "down"},
			}}
			c, res := runChecked(t, cfg)
			best := c.ReplicaHeight()
			t.Logf("seed %d: heights %v, replica at %d", seed, res.Heights, best)
			var sizes []int
			for h := uint64(1); h <= best; h += 10 {
				sizes = append(sizes, c.SetAt(h).Size())
			}
			t.Logf("set size per epoch: %v", sizes)
			final := c.SetAt(best)
			in := func(k int) bool { _, ok := final.IndexOf(StakerAddress(k)); return ok }

			// Staker 0 joined, and its signature is in certificates.
			if !in(0) {
				t.Errorf("staker 0 is not in the final set")
			}
			signed := 0
			for h := uint64(1); h <= best; h++ {
				set := c.SetAt(h)
				i, ok := set.IndexOf(StakerAddress(0))
				if !ok {
					continue
				}
				_, cert, err := c.Nodes[c.bestNode()].Machine.Block(h)
				if err == nil && cert != nil && cert.Signers.Get(i) {
					signed++
				}
			}
			if signed == 0 {
				t.Errorf("staker 0 signed no certificate")
			}
			// Staker 1 unstaked everything and left.
			// (Its unbonding entry is released 40 blocks later.)
			if r1, ok := c.StakeRecord(1); !ok || r1.Bonded != 0 {
				t.Errorf("staker 1's record after unstaking: %+v", r1)
			}
			if in(1) {
				t.Errorf("staker 1 is still in the final set")
			}
			// Staker 2 went down: jailed for downtime, out of the set.
			r2, _ := c.StakeRecord(2)
			if !r2.Jailed {
				t.Errorf("staker 2 was down since 8 s and is not jailed (missed %d)", r2.MissedCount)
			}
			if in(2) {
				t.Errorf("staker 2 is still in the final set")
			}
			// The node's metrics saw it: a downtime slash, the elections, and
			// the set deciding the next height.
			m := c.Nodes[0].Metrics
			if n := testutil.ToFloat64(m.Slashes.WithLabelValues("downtime")); n < 1 {
				t.Errorf("aitbc_slashes_total{reason=downtime} = %v", n)
			}
			if n := testutil.ToFloat64(m.Elections); n < 3 {
				t.Errorf("aitbc_elections_total = %v", n)
			}
			head := c.Nodes[0].Height()
			if got, want := testutil.ToFloat64(m.ValidatorSetPower), float64(c.SetAt(head+1).TotalPower()); got != want {
				t.Errorf("aitbc_validator_set_power = %v, want %v", got, want)
			}
			var bonded float64
			for _, r := range c.rep.st.Stakes() {
				bonded += float64(r.Bonded)
			}
			if got := testutil.ToFloat64(m.StakeBonded); got != bonded || bonded == 0 {
				t.Errorf("aitbc_stake_bonded = %v, the replica's records bond %v", got, bonded)
			}
		})
	}
}

// The supply check counts what the best node stores; a token more in
// genesis than the store can account for is a violation.
func TestSupplyCheckCatchesAMissingToken(t *testing.T) {
	cfg := DefaultConfig(4)
	cfg.Duration, cfg.Quiet = 8*time.Second, 4*time.Second
	cfg.Staking = &Staking{Mode: "hybrid", EpochLength: 5, Stakers: 1, Plan: []StakeEvent{
		{At: 200 * time.Millisecond, Staker: 0, Kind: "stake", Amount: StakeUnit},
		{At: 3 * time.Second, Staker: 0, Kind: "unstake", Amount: StakeUnit / 2},
	}}
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	res, err := c.Run()
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Violations) > 0 || c.SupplyHeld() == "" {
		t.Fatalf("violations %v, supply held %q", res.Violations, c.SupplyHeld())
	}
	held := c.SupplyHeld()
	c.Gen.Accounts[0].Balance++
	c.checkSupply(c.Nodes[c.bestNode()])
	if v := c.Violations(); len(v) != 1 || !strings.Contains(v[0], "supply") {
		t.Fatalf("a token more in genesis: violations %v", v)
	}
	t.Logf("held %s (balances, bonded, unbonding) after %d heights", held, c.ReplicaHeight())
}

// runChecked builds a cluster for cfg, lets each setup schedule what the
// test injects, runs it, and reports every violated property as a test
// error.
func runChecked(t *testing.T, cfg Config, setup ...func(*Cluster)) (*Cluster, *Result) {
	t.Helper()
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range setup {
		f(c)
	}
	res, err := c.Run()
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range res.Violations {
		t.Errorf("seed %d: %v", cfg.Seed, v)
	}
	return c, res
}

// Every node gives its transport the keys of the set deciding its next
// height and of the next epoch's set (engine.Gossip.SetValidators): at
// start, with the genesis set, and after the election that brings staker
// 0 in, with its key, so its peers reserve it a slot before it signs.
func TestTransportFollowsElectedSets(t *testing.T) {
	cfg := DefaultConfig(5)
	cfg.Duration, cfg.Quiet = 8*time.Second, 4*time.Second
	cfg.Staking = &Staking{Mode: "hybrid", EpochLength: 5, Stakers: 1, Plan: []StakeEvent{
		{At: 200 * time.Millisecond, Staker: 0, Kind: "stake", Amount: StakeUnit},
	}}
	c, _ := runChecked(t, cfg)
	_, sk := valtest.Validator(stakerKeyIndexStart, 1)
	staker := sk.BLS.PublicKey()
	length := cfg.Staking.EpochLength
	for i, n := range c.Nodes {
		end := c.Net.Join(n.ID)
		head := n.Height()
		next := (head/length + 1) * length // the last height of the epoch deciding head+1
		cur, nxt := c.SetAt(head+1), c.SetAt(next+1)
		if cur == nil || nxt == nil {
			t.Fatalf("node %d at %d: the replica (at %d) does not know the sets", i, head, c.ReplicaHeight())
		}
		var want []bls.PublicKey
		for _, s := range []*validators.Set{cur, nxt} {
			for j := range s.Size() {
				want = append(want, s.Get(j).BLSPubKey)
			}
		}
		slices.SortFunc(want, func(a, b bls.PublicKey) int { return bytes.Compare(a[:], b[:]) })
		want = slices.Compact(want)
		if !slices.Equal(end.Validators, want) {
			t.Errorf("node %d at %d gave its transport %d keys, want the %d of the sets of heights %d and %d",
				i, head, len(end.Validators), len(want), head+1, next+1)
		}
		if end.ValidatorLists < 2 || !slices.Contains(end.Validators, staker) {
			t.Errorf("node %d: %d lists, staker 0 listed %v; want the genesis list, then the elected staker",
				i, end.ValidatorLists, slices.Contains(end.Validators, staker))
		}
	}
}
