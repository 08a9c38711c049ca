package sim

import (
	"math"
	"strings"
	"testing"
	"time"

	"aitbc/engine/bls"
	"aitbc/engine/consensus"
	"aitbc/engine/validators/valtest"
)

// stampTime is a byzantine proposer's behaviour: every fresh proposal it
// sends carries a block stamped with the time at(parent time, its clock)
// returns, re-hashed and re-signed with its key (a well-formed, signed
// proposal: only the time rule can refuse it).
func stampTime(k valtest.Keys, at func(c *Cluster, blockTime uint64) uint64) Behaviour {
	return func(c *Cluster, m consensus.Message) []consensus.Message {
		pm, ok := m.(*consensus.ProposalMsg)
		if !ok || pm.Proposal.POLRound >= 0 {
			return []consensus.Message{m}
		}
		blk := *pm.Block
		blk.Header.Time = at(c, blk.Header.Time)
		p := *pm.Proposal
		p.BlockHash = blk.Hash()
		p.Sig = bls.Sign(k.BLS, p.SignBytes(c.Gen.ChainID))
		return []consensus.Message{&consensus.ProposalMsg{Proposal: &p, Block: &blk}}
	}
}

// One faulty proposer of four stamps its blocks far in the future (up to
// 2^64−1, which used to be committed and then wrapped every later
// proposer's parent time + 1 to 0, halting the chain), a little ahead,
// or far in the past. The honest three drop its proposals, keep
// committing, and every committed block time stays within the rule's
// bound of the simulated clock.
func TestFaultyProposerTime(t *testing.T) {
	const byz = 3
	_, k := valtest.Validator(byz, 1)
	for name, at := range map[string]func(c *Cluster, bt uint64) uint64{
		"max":         func(*Cluster, uint64) uint64 { return math.MaxUint64 },
		"far future":  func(_ *Cluster, bt uint64) uint64 { return bt + uint64(24*time.Hour/time.Millisecond) },
		"just beyond": func(_ *Cluster, bt uint64) uint64 { return bt + 3000 },
		"far past":    func(_ *Cluster, bt uint64) uint64 { return bt - 60_000 },
	} {
		t.Run(name, func(t *testing.T) {
			cfg := DefaultConfig(41)
			cfg.Faults = Faults{MaxClockOffset: 50 * time.Millisecond}
			cfg.Duration, cfg.Quiet = 8*time.Second, 8*time.Second
			cfg.Byzantine = map[int]Behaviour{byz: stampTime(k, at)}
			c, err := New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			res, err := c.Run()
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Violations) > 0 {
				t.Fatalf("heights %v:\n%s", res.Heights, strings.Join(res.Violations, "\n"))
			}
			best := c.Nodes[c.bestNode()]
			now := uint64(c.Sched.Now().UnixMilli())
			prec := c.Gen.Params.TimePrecision()
			for h := uint64(1); h <= best.Height(); h++ {
				blk, err := best.Store.Block(h)
				if err != nil {
					t.Fatal(err)
				}
				if blk.Header.Time > now+prec+uint64(cfg.Faults.MaxClockOffset/time.Millisecond) {
					t.Fatalf("block %d committed with time %d, the simulated clock is at %d", h, blk.Header.Time, now)
				}
			}
			untimely := 0.0
			for i := 0; i < byz; i++ {
				untimely += counterValue(t, c.Nodes[i].Metrics.UntimelyProposals)
			}
			if untimely == 0 {
				t.Fatal("no honest node dropped an untimely proposal: the faulty proposer never proposed?")
			}
		})
	}
}
