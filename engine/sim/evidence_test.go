package sim

import (
	"slices"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"aitbc/engine/enginetest"
	"aitbc/engine/types"
	"aitbc/engine/validators/valtest"
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

// Evidence that one node alone holds (here handed to it as if from a peer
// outside the cluster, at its committed head) reaches every node's store
// through evidence gossip, on a poa chain, where no block carries evidence,
// as on a pos one, where a block then carries it too (docs/spec.md §16.9).
func TestEvidenceGossipReachesEveryNode(t *testing.T) {
	for _, mode := range []string{"poa", "pos"} {
		cfg := DefaultConfig(5)
		cfg.Faults = Faults{} // the holder must not be cut off or down when it gets the piece
		cfg.Duration, cfg.Quiet = 4*time.Second, 3*time.Second
		if mode == "pos" {
			cfg.Staking = &Staking{Mode: "pos", EpochLength: 10}
		}
		const byz, holder = 1, 2
		var ev *types.Evidence
		inject := func(c *Cluster) {
			c.Sched.At(enginetest.Epoch.Add(time.Second), func() {
				h := max(c.Nodes[holder].Height(), 1)
				set := c.SetAt(h)
				idx, ok := set.IndexOf(c.Gen.Authorities[byz].Address)
				if !ok {
					t.Fatalf("%s: validator %d is not in the set of height %d", mode, byz, h)
				}
				x := valtest.Vote(c.Gen.ChainID, c.Keys[byz], types.Prevote, idx, h, 0, types.Sum256([]byte("block x")))
				y := valtest.Vote(c.Gen.ChainID, c.Keys[byz], types.Prevote, idx, h, 0, types.Sum256([]byte("block y")))
				var err error
				if ev, err = types.NewDuplicateVoteEvidence(x, y, set.Get(idx).Address, set.Get(idx).BLSPubKey); err != nil {
					t.Fatal(err)
				}
				c.Planted(ev)
				if err := c.Nodes[holder].Machine.HandleEvidence("outsider", []*types.Evidence{ev}); err != nil {
					t.Fatalf("%s: %v", mode, err)
				}
			})
		}
		c, _ := runChecked(t, cfg, inject)
		if ev == nil {
			t.Fatalf("%s: nothing injected", mode)
		}
		for i, n := range c.Nodes {
			if _, err := n.Store.EvidenceIncluded(ev.Hash()); mode == "poa" && err == nil {
				t.Fatalf("poa: node %d says a block applied evidence", i)
			}
			evs, err := n.Store.Evidence(ev.Height(), 100)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.ContainsFunc(evs, func(e *types.Evidence) bool { return e.Hash() == ev.Hash() }) {
				t.Fatalf("%s: node %d never recorded the evidence node %d held", mode, i, holder)
			}
		}
		for _, p := range c.Net.Penalties {
			t.Fatalf("%s: %s penalized by %s: %v", mode, p.Peer, p.By, p.Err)
		}
		if mode != "pos" {
			continue
		}
		best := c.Nodes[c.bestNode()]
		at, err := best.Store.EvidenceIncluded(ev.Hash())
		if err != nil {
			t.Fatalf("pos: no block applied the gossiped evidence: %v", err)
		}
		t.Logf("pos: evidence of height %d in block %d", ev.Height(), at)
	}
}
