package sim

import (
	"encoding/hex"
	"slices"
	"time"

	"aitbc/engine"
	"aitbc/engine/blocksync"
	"aitbc/engine/enginetest"
	"aitbc/engine/indexer"
	"aitbc/engine/types"
)

const blocksyncHousekeep = blocksync.HousekeepInterval

// catchUp is how long a lagging node may take to reach a height once the
// best node has it (notice, request, one timeout and retry).
const catchUp = 2 * time.Second

// Result is what a run did and what it broke.
type Result struct {
	Seed int64
	// Trace is the SHA-256 of the run's trace: every delivery, commit,
	// crash, restart, partition and submission, with its simulated time.
	// Two runs of one seed have the same trace.
	Trace string
	// Events is the number of trace lines.
	Events int
	// Heights are the nodes' committed heads at the end.
	Heights []uint64
	// Committed is how many txs the chain holds at the end.
	Committed int
	// FinalityP50 and FinalityP99 are percentiles of the simulated time
	// from a tx's admission to its first commit on any honest node.
	FinalityP50, FinalityP99 time.Duration
	// Violations lists every broken property; empty for a good run.
	Violations []string
}

// Run simulates one seed with cfg and checks its properties.
func Run(cfg Config) (*Result, error) {
	c, err := New(cfg)
	if err != nil {
		return nil, err
	}
	return c.Run()
}

// Run starts every node, injects the seed's faults in the fault window,
// heals everything for the quiet period, and checks the properties:
//
//   - agreement: no two nodes commit different blocks at one height;
//   - validity: every committed block extends the block before it, its
//     certificate verifies under the validator set, the chain re-executes
//     from genesis to every header's state root, and no honest node halts;
//   - no final tx lost: a node's store never loses a committed block
//     across crashes, and every tx admitted by a node that did not crash
//     afterwards is committed by the end;
//   - liveness: in the quiet period the chain grows by at least two
//     heights, and by the end every honest node has reached the height the
//     best node had 2 s (catchUp) earlier.
func (c *Cluster) Run() (*Result, error) {
	if err := c.StartAll(); err != nil {
		return nil, err
	}
	start := c.Sched.Now()
	faultEnd := start.Add(c.cfg.Duration - c.cfg.Quiet)
	end := start.Add(c.cfg.Duration)
	c.scheduleFaults(start, faultEnd)
	c.schedulePlan(start)
	if c.cfg.TxEvery > 0 {
		c.Sched.Every(c.cfg.TxEvery, func() bool {
			c.Submit(c.rng.Intn(len(c.Nodes)))
			return c.Sched.Now().Before(end.Add(-c.cfg.Quiet / 2))
		})
	}
	var quietHeight uint64
	c.Sched.At(faultEnd, func() {
		c.Net.Heal()
		c.record("%d heal", c.Sched.Now().Sub(enginetest.Epoch))
		for i, n := range c.Nodes {
			if !n.Up() && !c.halted[i] && !c.retired[i] {
				if err := c.Start(i); err != nil {
					c.violate("restart node %d: %v", i, err)
				}
			}
		}
		quietHeight = c.bestHeight()
	})
	// Every honest node must reach, by the end, the height the best node
	// had catchUp before it: time to notice, ask and retry once.
	var lateHeight uint64
	if c.cfg.Quiet > catchUp {
		c.Sched.At(end.Add(-catchUp), func() { lateHeight = c.bestHeight() })
	}
	c.Sched.RunUntil(end, nil)
	c.checkEnd(quietHeight, lateHeight)
	res := &Result{Seed: c.cfg.Seed, Trace: hex.EncodeToString(c.trace.Sum(nil)), Events: c.events, Violations: c.violations}
	for _, n := range c.Nodes {
		res.Heights = append(res.Heights, n.Height())
	}
	for h := uint64(1); h <= c.bestHeight(); h++ {
		if blk, err := c.Nodes[c.bestNode()].Store.Block(h); err == nil {
			res.Committed += len(blk.Txs)
		}
	}
	res.FinalityP50, res.FinalityP99 = c.finality()
	for _, n := range c.Nodes {
		if n.Up() {
			n.Machine.Stop()
		}
	}
	return res, nil
}

// scheduleFaults draws the fault window's partitions and crashes from the
// seed.
func (c *Cluster) scheduleFaults(from, to time.Time) {
	window := to.Sub(from)
	if window <= 0 {
		return
	}
	f := c.cfg.Faults
	if f.Partitions {
		for k := c.rng.Intn(3); k > 0; k-- {
			at := time.Duration(c.rng.Int63n(int64(window)))
			dur := time.Duration(c.rng.Int63n(int64(window-at))) + 1
			var a, b []engine.PeerID
			for _, n := range c.Nodes {
				if c.rng.Intn(2) == 0 {
					a = append(a, n.ID)
				} else {
					b = append(b, n.ID)
				}
			}
			c.Sched.At(from.Add(at), func() {
				c.Net.Partition(a, b)
				c.record("%d partition %v | %v", c.Sched.Now().Sub(enginetest.Epoch), a, b)
			})
			c.Sched.At(from.Add(at+dur), func() {
				c.Net.Heal()
				c.record("%d heal", c.Sched.Now().Sub(enginetest.Epoch))
			})
		}
	}
	if f.Crashes {
		for k := c.rng.Intn(3); k > 0; k-- {
			at := time.Duration(c.rng.Int63n(int64(window)))
			dur := time.Duration(c.rng.Int63n(int64(window-at))) + 1
			i := c.rng.Intn(len(c.Nodes))
			c.Sched.At(from.Add(at), func() {
				for _, n := range c.Nodes {
					if !n.Up() {
						return // one crashed node at a time
					}
				}
				c.Crash(i)
			})
			c.Sched.At(from.Add(at+dur), func() {
				if c.retired[i] {
					return
				}
				if err := c.Start(i); err != nil {
					c.violate("restart node %d: %v", i, err)
				}
			})
		}
	}
}

func (c *Cluster) bestNode() int {
	best := 0
	for i, n := range c.Nodes {
		if n.Height() > c.Nodes[best].Height() {
			best = i
		}
	}
	return best
}

func (c *Cluster) bestHeight() uint64 { return c.Nodes[c.bestNode()].Height() }

// checkEnd checks the properties judged at the end of the run.
func (c *Cluster) checkEnd(quietHeight, lateHeight uint64) {
	best := c.bestHeight()
	if c.cfg.Quiet > 0 && best < quietHeight+2 {
		c.violate("liveness: the chain grew from %d to %d in the quiet period", quietHeight, best)
	}
	for i, n := range c.Nodes {
		if c.Byzantine(i) {
			continue
		}
		h := n.Height()
		if h < lateHeight && !c.retired[i] {
			c.violate("liveness: node %d ends at height %d; the best node had %d %v before the end (now %d)", i, h, lateHeight, catchUp, best)
		}
		// Every block a node holds is the block the cluster committed.
		for k := uint64(1); k <= h; k++ {
			blk, err := n.Store.Block(k)
			if err != nil {
				c.violate("node %d lost block %d: %v", i, k, err)
				break
			}
			if want, ok := c.commits[k]; ok && blk.Hash() != want {
				c.violate("agreement: node %d holds %s at height %d, the cluster committed %s", i, blk.Hash(), k, want)
			}
		}
		c.checkSignedOnce(i)
		c.checkSets(n)
	}
	// Validity: the chain re-executes, block by block, on its parent's
	// state from genesis, to the state root each header commits to.
	replay := indexer.NewReplayer(c.Gen, c.Nodes[c.bestNode()].Store)
	for k := uint64(1); k <= best; k++ {
		if _, err := replay.At(k); err != nil {
			c.violate("validity: block %d does not re-execute on its parent: %v", k, err)
			break
		}
	}
	// Supply (staking runs): what the best node stores adds up, tokens
	// are neither created nor lost outside mints and slashes.
	if c.cfg.Staking != nil {
		c.checkSupply(c.Nodes[c.bestNode()])
	}
	// No admitted tx lost without a crash.
	committed := map[types.Hash]bool{}
	bn := c.Nodes[c.bestNode()]
	for k := uint64(1); k <= best; k++ {
		if blk, err := bn.Store.Block(k); err == nil {
			for _, h := range blk.TxHashes() {
				committed[h] = true
			}
		}
	}
	for _, a := range c.admitted {
		n := c.Nodes[a.node]
		if c.Byzantine(a.node) || committed[a.hash] || (n.Crashes > 0 && !n.CrashedAt.Before(a.at)) {
			continue
		}
		c.violate("tx %s admitted by node %d at %v is not committed", a.hash, a.node, a.at.Sub(enginetest.Epoch))
	}
}

// observer is a node's Broadcaster: it checks every commit as it happens.
type observer struct {
	c *Cluster
	i int
}

func (o *observer) BlockCommitted(cb *engine.CommittedBlock) {
	c := o.c
	h := cb.Block.Header.Height
	hash := cb.Block.Hash()
	c.record("%d commit %s h=%d %s", c.Sched.Now().Sub(enginetest.Epoch), c.Nodes[o.i].ID, h, hash)
	if c.Byzantine(o.i) {
		return
	}
	for _, th := range cb.TxHashes {
		if _, ok := c.finalAt[th]; !ok {
			c.finalAt[th] = c.Sched.Now()
		}
	}
	want, seen := c.commits[h]
	if seen && want != hash {
		c.violate("agreement: node %d committed %s at height %d, another node %s", o.i, hash, h, want)
	}
	if !seen {
		c.commits[h] = hash
	}
	if seen && want == hash && cb.Cert != nil && c.certs[h] == cb.Cert.Hash() {
		// this certificate verified already
	} else if cb.Cert == nil || cb.Cert.Height != h || cb.Cert.BlockHash != hash {
		c.violate("validity: node %d committed height %d with a certificate for another block", o.i, h)
	} else if set := c.setAt(h); set == nil {
		c.violate("validity: node %d committed height %d, whose set the replica does not know (it executed %d)", o.i, h, c.ReplicaHeight())
	} else if err := set.VerifyCommit(c.Gen.ChainID, cb.Cert); err != nil {
		c.violate("validity: node %d committed height %d with a certificate that does not verify against the set of its height: %v", o.i, h, err)
	} else {
		c.certs[h] = cb.Cert.Hash()
	}
	if !seen {
		c.follow(cb)
	}
	if parent, ok := c.commits[h-1]; ok && h > 1 && cb.Block.Header.ParentHash != parent {
		c.violate("validity: node %d committed height %d on parent %s, not %s", o.i, h, cb.Block.Header.ParentHash, parent)
	}
}

func (*observer) TxAdmitted(*types.Tx, types.Hash) {}
func (*observer) ConsensusEvent(engine.Event)      {}

// finality is the p50 and p99 of admission-to-commit over committed txs.
func (c *Cluster) finality() (p50, p99 time.Duration) {
	var d []time.Duration
	for _, a := range c.admitted {
		if at, ok := c.finalAt[a.hash]; ok {
			d = append(d, at.Sub(a.at))
		}
	}
	if len(d) == 0 {
		return 0, 0
	}
	slices.Sort(d)
	return d[len(d)/2], d[(len(d)*99)/100]
}

// checkSignedOnce: evidence node i recorded never names an honest
// validator (one that signed twice, after a restart say, would be).
func (c *Cluster) checkSignedOnce(i int) {
	evs, err := c.Nodes[i].Store.Evidence(0, 1<<20)
	if err != nil {
		c.violate("node %d evidence: %v", i, err)
		return
	}
	for _, ev := range evs {
		if c.planted[ev.Hash()] {
			continue
		}
		for j, k := range c.Keys {
			if k.BLS.PublicKey() == ev.BLSPubKey && !c.Byzantine(j) {
				c.violate("safety: node %d holds evidence that honest node %d signed twice at height %d round %d", i, j, ev.Height(), ev.Round())
			}
		}
	}
}

// Planted exempts evidence a test made with an honest validator's keys
// and handed to a node from checkSignedOnce.
func (c *Cluster) Planted(ev *types.Evidence) { c.planted[ev.Hash()] = true }
