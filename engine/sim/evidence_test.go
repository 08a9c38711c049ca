package sim

import (
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
)

// On a hybrid chain a genesis authority that signs two conflicting votes
// is caught: the evidence every honest node records goes into a block, the
// block tombstones it (it can never validate again), and the next
// election drops it from the set; agreement, validity and liveness hold
// throughout (docs/spec.md §13.6, §17).
func TestDoubleSignerTombstonedAndOut(t *testing.T) {
	for _, seed := range []int64{1, 2, 3} {
		cfg, err := ByzantineConfig(seed, "equivocate-votes")
		if err != nil {
			t.Fatal(err)
		}
		cfg.Duration, cfg.Quiet = 12*time.Second, 6*time.Second
		cfg.Staking = &Staking{Mode: "hybrid", EpochLength: 10}
		byz := int(seed % int64(cfg.Validators))
		c, _ := runChecked(t, cfg)
		offender := c.Gen.Authorities[byz].Address
		rec, ok := c.rep.st.Stake(offender)
		if !ok || !rec.Tombstoned || !rec.Jailed {
			t.Fatalf("seed %d: the double signer's record: %+v", seed, rec)
		}
		// The evidence is in a block of the chain.
		best := c.Nodes[c.bestNode()]
		at := uint64(0)
		for h := uint64(1); h <= best.Height() && at == 0; h++ {
			blk, err := best.Store.Block(h)
			if err != nil {
				t.Fatal(err)
			}
			for _, ev := range blk.Evidence {
				if ev.Validator == offender {
					at = h
					if got, err := best.Store.EvidenceIncluded(ev.Hash()); err != nil || got != h {
						t.Fatalf("seed %d: the store says evidence %s was included at %d (%v), the block is %d", seed, ev.Hash(), got, err, h)
					}
				}
			}
		}
		if at == 0 {
			t.Fatalf("seed %d: no block carries evidence against %s", seed, offender)
		}
		honest := (byz + 1) % cfg.Validators
		if n := testutil.ToFloat64(c.Nodes[honest].Metrics.Slashes.WithLabelValues("double_sign")); n != 1 {
			t.Fatalf("seed %d: node %d counts %v double_sign slashes, want 1 (one tombstone, whatever the pieces)", seed, honest, n)
		}
		final := c.SetAt(c.ReplicaHeight() + 1)
		if _, in := final.IndexOf(offender); in {
			t.Fatalf("seed %d: the tombstoned authority is still in the set of height %d", seed, c.ReplicaHeight()+1)
		}
		t.Logf("seed %d: evidence against node %d in block %d; set of height %d: %d members, power %d", seed, byz, at, c.ReplicaHeight()+1, final.Size(), final.TotalPower())
	}
}
