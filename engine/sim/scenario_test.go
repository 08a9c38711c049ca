package sim

import (
	"testing"
	"time"

	"aitbc/engine"
	"aitbc/engine/consensus"
	"aitbc/engine/node"
	"aitbc/engine/types"
)

// With one of four validators cut off the other three keep committing;
// after the partition heals the lagging node catches up by block sync and
// then keeps up through consensus.
func TestPartitionedValidatorCatchesUp(t *testing.T) {
	c := quietCluster(t, 21)
	c.waitHeight(t, 2, 0, 1, 2, 3)
	c.Net.Partition([]engine.PeerID{c.Nodes[3].ID}, []engine.PeerID{c.Nodes[0].ID, c.Nodes[1].ID, c.Nodes[2].ID})
	cutAt := c.Nodes[3].Height()
	c.waitHeight(t, cutAt+8, 0, 1, 2)
	if h := c.Nodes[3].Height(); h > cutAt+1 {
		t.Fatalf("cut-off node 3 went from %d to %d alone", cutAt, h)
	}
	c.Net.Heal()
	target := c.bestHeight()
	c.waitHeight(t, target, 3)
	if counterValue(t, c.Nodes[3].Metrics.BlocksSynced) == 0 {
		t.Fatal("node 3 caught up without block sync")
	}
	c.waitHeight(t, target+4, 0, 1, 2, 3)
	if !c.RunUntil(10*time.Second, func() bool { return !c.Nodes[3].Machine.Status().Syncing }) {
		t.Fatal("node 3 still syncing")
	}
	c.checkEnd(0, 0)
	if v := c.Violations(); len(v) > 0 {
		t.Fatal(v)
	}
}

// A validator restarted from its store after missing 20+ blocks catches up
// by block sync and rejoins consensus.
func TestRestartedValidatorCatchesUp(t *testing.T) {
	c := quietCluster(t, 22)
	c.waitHeight(t, 2, 0, 1, 2, 3)
	c.Crash(3)
	stoppedAt := c.Nodes[3].Height()
	c.waitHeight(t, stoppedAt+22, 0, 1, 2)
	if err := c.Start(3); err != nil {
		t.Fatal(err)
	}
	if h, _ := c.Nodes[3].Machine.Head(); h.Height != stoppedAt {
		t.Fatalf("restarted node 3 at height %d, stopped at %d", h.Height, stoppedAt)
	}
	synced := counterValue(t, c.Nodes[3].Metrics.BlocksSynced)
	target := c.bestHeight()
	c.waitHeight(t, target, 3)
	if got := counterValue(t, c.Nodes[3].Metrics.BlocksSynced) - synced; got < 20 {
		t.Fatalf("node 3 synced %v blocks, want >= 20", got)
	}
	c.waitHeight(t, target+3, 0, 1, 2, 3)
	c.checkEnd(0, 0)
	if v := c.Violations(); len(v) > 0 {
		t.Fatal(v)
	}
}

// A byzantine validator sends conflicting prevotes to everyone. Every
// honest node stores the evidence (both signed votes, the same bytes on
// every node whatever the arrival order) and keeps committing with the
// others; the evidence, not a peer penalty, is what names the signer (a
// peer may only have forwarded the votes).
func TestDoubleVoteEvidenceRecorded(t *testing.T) {
	cfg := DefaultConfig(23)
	cfg.Faults, cfg.TxEvery = Faults{}, 0
	cfg.Net.LossPerMille, cfg.Net.DupPerMille = 0, 0
	const byz = 3
	cfg.Byzantine = map[int]Behaviour{byz: EquivocateVotes}
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.StartAll(); err != nil {
		t.Fatal(err)
	}
	c.waitHeight(t, 4, 0, 1, 2)
	var first types.Hash
	for i := 0; i < 3; i++ {
		// The byzantine node doubles its precommits too; which pair sorts
		// first by evidence hash depends on the block hashes, so look for
		// the prevote pair among height 1's pieces.
		evs, err := c.Nodes[i].Store.Evidence(1, 100)
		if err != nil {
			t.Fatalf("node %d: %v", i, err)
		}
		var ev *types.Evidence
		for _, e := range evs {
			if e.Height() != 1 {
				continue
			}
			if err := consensus.VerifyEvidence(c.Gen.ChainID, c.Vals, e); err != nil {
				t.Fatalf("node %d: stored evidence does not verify: %v", i, err)
			}
			if e.Kind != types.DuplicateVote || e.ValidatorIndex != byz || e.Validator != c.Vals.Get(byz).Address {
				t.Fatalf("node %d: evidence %s v%d %s", i, e.Step(), e.ValidatorIndex, e.Validator)
			}
			if e.Step() == "prevote" && ev == nil {
				ev = e
			}
		}
		if ev == nil {
			t.Fatalf("node %d stored no prevote evidence for height 1 (%d pieces from height 1)", i, len(evs))
		}
		if i == 0 {
			first = ev.Hash()
		} else if ev.Hash() != first {
			t.Fatalf("nodes 0 and %d recorded different evidence for the same pair", i)
		}
		if n := counterValue(t, c.Nodes[i].Metrics.EvidenceRecorded); n < 1 {
			t.Fatalf("node %d counted no evidence", i)
		}
	}
	for _, p := range c.Net.Penalties {
		t.Fatalf("%s penalized by %s: %v", p.Peer, p.By, p.Err)
	}
}

// A validator killed right after it wrote its first messages of a height
// (and its parent record) to the WAL, while the block below them was
// still being written, restarts with that block from the WAL, replays its
// votes, and catches up; it signs nothing twice (checkEnd's evidence
// check) and no node loses a block.
func TestCrashAheadOfStoreRestartsFromWAL(t *testing.T) {
	cfg := DefaultConfig(24)
	cfg.Faults = Faults{}
	cfg.Net.LossPerMille, cfg.Net.DupPerMille = 0, 0
	cfg.Node.MinBlockInterval = 2 * time.Millisecond // shorter than the simulated disk
	cfg.Node.WriteBehind = true
	cfg.TxEvery = 10 * time.Millisecond // senders for the txs below
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.StartAll(); err != nil {
		t.Fatal(err)
	}
	next, submitting := 0, true
	c.Sched.Every(10*time.Millisecond, func() bool {
		if submitting {
			c.Submit(next % 4)
			next++
		}
		return submitting
	})
	const victim = 1
	var at, storedAt uint64
	c.Nodes[victim].Machine.SetFaultHook(func(step string, cb *engine.CommittedBlock) {
		if step == node.FaultAheadOfStore && at == 0 && cb.Block.Header.Height >= 3 {
			at, storedAt = cb.Block.Header.Height, c.Nodes[victim].Height()
			c.Crash(victim) // its messages may still leave: the worst case
		}
	})
	if !c.RunUntil(30*time.Second, func() bool { return at > 0 }) {
		t.Fatal("node 1 never signed ahead of its store")
	}
	if storedAt != at-1 || c.Nodes[victim].Height() != at-1 {
		t.Fatalf("killed ahead of block %d: store at %d then %d, want %d", at, storedAt, c.Nodes[victim].Height(), at-1)
	}
	c.RunFor(200 * time.Millisecond)
	if err := c.Start(victim); err != nil {
		t.Fatal(err)
	}
	if h := c.Nodes[victim].Height(); h != at {
		t.Fatalf("restarted at store height %d, want %d from the WAL's parent record", h, at)
	}
	c.waitHeight(t, c.bestHeight()+3, 0, 1, 2, 3)
	submitting = false
	c.RunFor(time.Second)
	c.checkEnd(0, 0)
	if v := c.Violations(); len(v) > 0 {
		t.Fatal(v)
	}
}
