package sim

import (
	"context"
	"encoding/hex"
	"testing"
	"time"

	"aitbc/engine"
	"aitbc/engine/types"
)

// lineCluster is quietCluster with only the links 0-1, 1-2 and 2-3 up.
func lineCluster(t *testing.T, seed int64) *Cluster {
	t.Helper()
	c := quietCluster(t, seed)
	id := func(i int) []engine.PeerID { return []engine.PeerID{c.Nodes[i].ID} }
	c.Net.Partition(id(0), id(2))
	c.Net.Partition(id(0), id(3))
	c.Net.Partition(id(1), id(3))
	return c
}

// Four validators whose links form a line 0-1-2-3 keep committing: the
// middle nodes relay proposals and votes, so no validator needs a link to
// every other. A tx sent to one end becomes final at the other, nobody is
// penalized, and the run is a function of its seed. Without relay node 0
// hears only node 1's votes and node 3 only node 2's: no height commits.
func TestLineOfValidatorsCommits(t *testing.T) {
	run := func() (*Cluster, string) {
		c := lineCluster(t, 31)
		c.waitHeight(t, 3, 0, 1, 2, 3)
		bob := types.Address{0xb0, 0xb2}
		m0 := c.Nodes[0].Machine
		tx := &types.Tx{ChainID: c.Gen.ChainID, Type: types.TxTransfer, Nonce: 1, Recipient: bob, Amount: 5}
		tx.Fee = m0.MinFee(tx)
		tx.Sign(c.Sender(0))
		if _, err := m0.SubmitTx(context.Background(), tx); err != nil {
			t.Fatal(err)
		}
		if !c.RunUntil(30*time.Second, func() bool { a, _ := c.Nodes[3].Machine.Account(bob); return a.Balance == 5 }) {
			t.Fatalf("the transfer sent to node 0 did not reach node 3's state: heights %v", c.Heights())
		}
		c.waitHeight(t, 10, 0, 1, 2, 3)
		c.checkEnd(0, 0)
		if v := c.Violations(); len(v) > 0 {
			t.Fatal(v)
		}
		for _, p := range c.Net.Penalties {
			t.Fatalf("honest %s penalized by %s: %v", p.Peer, p.By, p.Err)
		}
		for i, n := range c.Nodes {
			if i == 1 || i == 2 {
				if c.Net.Join(n.ID).Relays == 0 {
					t.Errorf("middle node %d relayed nothing", i)
				}
			}
		}
		return c, hex.EncodeToString(c.trace.Sum(nil))
	}
	c1, trace1 := run()
	c2, trace2 := run()
	if trace1 != trace2 || c1.Sched.Now() != c2.Sched.Now() {
		t.Fatalf("two runs of one seed differ: traces %s and %s", trace1, trace2)
	}
}

// Cut into 0-1 and 2-3 with no link between, neither half commits: relay
// carries messages along links, it does not invent links.
func TestSplitLineStalls(t *testing.T) {
	c := lineCluster(t, 32)
	c.waitHeight(t, 2, 0, 1, 2, 3)
	c.Net.Partition([]engine.PeerID{c.Nodes[1].ID}, []engine.PeerID{c.Nodes[2].ID})
	at := c.bestHeight()
	c.RunFor(5 * time.Second)
	if h := c.bestHeight(); h > at+1 {
		t.Fatalf("a split line went from %d to %d", at, h)
	}
}

// On a lossy, duplicating, reordering line (the default network: 2 %
// loss, 2 % duplicates, 1-20 ms) with clock offsets and a transfer every
// 50 ms (until the last 2 s), every seed keeps committing at every node
// and commits every tx any node admitted. A relayed message is
// relayed once: one lost on the way is made up by the signer's re-sends
// to its own peers and, failing that, by the next round.
func TestLossyLineKeepsCommitting(t *testing.T) {
	for seed := int64(1); seed <= 8; seed++ {
		cfg := DefaultConfig(seed)
		cfg.Faults.Partitions, cfg.Faults.Crashes = false, false
		c, err := New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		if err := c.StartAll(); err != nil {
			t.Fatal(err)
		}
		id := func(i int) []engine.PeerID { return []engine.PeerID{c.Nodes[i].ID} }
		c.Net.Partition(id(0), id(2))
		c.Net.Partition(id(0), id(3))
		c.Net.Partition(id(1), id(3))
		load := true // off for the last 2 s, so every admitted tx can commit
		c.Sched.Every(c.cfg.TxEvery, func() bool { c.Submit(c.rng.Intn(len(c.Nodes))); return load })
		c.RunFor(3 * time.Second)
		load = false
		c.RunFor(2 * time.Second)
		for i, n := range c.Nodes {
			if h := n.Height(); h < 5 {
				t.Errorf("seed %d: node %d at height %d after 5 s on a lossy line (heights %v)", seed, i, h, c.Heights())
			}
		}
		t.Logf("seed %d: heights %v", seed, c.Heights())
		c.checkEnd(0, 0)
		if v := c.Violations(); len(v) > 0 {
			t.Fatalf("seed %d: %v", seed, v)
		}
		for _, p := range c.Net.Penalties {
			t.Fatalf("seed %d: honest %s penalized by %s: %v", seed, p.Peer, p.By, p.Err)
		}
	}
}
