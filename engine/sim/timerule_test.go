package sim

import (
	"math"
	"strings"
	"testing"
	"time"

	"aitbc/engine/consensus"
)

// One faulty proposer of four stamps its blocks far in the future (up to
// 2^64−1, which used to be committed and then wrapped every later
// proposer's parent time + 1 to 0, halting the chain), a little ahead,
// or far in the past. The honest three prevote nil on its proposals at
// once, keep committing, and every committed block time stays within the
// rule's bound of the simulated clock. Its turns cost no propose timeout:
// no two consecutive blocks lie a block time plus a propose timeout apart
// (they did when untimely proposals were dropped unread).
func TestFaultyProposerTime(t *testing.T) {
	const byz = 3
	for name, at := range map[string]func(bt uint64) uint64{
		"max":         func(uint64) uint64 { return math.MaxUint64 },
		"far future":  func(bt uint64) uint64 { return bt + uint64(24*time.Hour/time.Millisecond) },
		"just beyond": func(bt uint64) uint64 { return bt + 3000 },
		"far past":    func(bt uint64) uint64 { return bt - 60_000 },
	} {
		t.Run(name, func(t *testing.T) {
			cfg := DefaultConfig(41)
			cfg.Faults = Faults{MaxClockOffset: 50 * time.Millisecond}
			cfg.Duration, cfg.Quiet = 8*time.Second, 8*time.Second
			cfg.Byzantine = map[int]Behaviour{byz: StampTime(at)}
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
			ncfg := NodeConfig()
			slowest := ncfg.BlockTime + time.Duration(consensus.DefaultConfig().TimeoutPropose)*ncfg.TickInterval
			var prev uint64
			var widest time.Duration
			for h := uint64(1); h <= best.Height(); h++ {
				blk, err := best.Store.Block(h)
				if err != nil {
					t.Fatal(err)
				}
				if gap := time.Duration(blk.Header.Time-prev) * time.Millisecond; h > 1 && gap > widest {
					widest = gap
				}
				prev = blk.Header.Time
				if blk.Header.Time > now+prec+uint64(cfg.Faults.MaxClockOffset/time.Millisecond) {
					t.Fatalf("block %d committed with time %d, the simulated clock is at %d", h, blk.Header.Time, now)
				}
			}
			untimely := 0.0
			for i := 0; i < byz; i++ {
				untimely += counterValue(t, c.Nodes[i].Metrics.UntimelyProposals)
			}
			if untimely == 0 {
				t.Fatal("no honest node judged a proposal untimely: the faulty proposer never proposed?")
			}
			t.Logf("widest gap between blocks %v (block time %v)", widest, ncfg.BlockTime)
			if widest >= slowest {
				t.Fatalf("blocks %v apart: the faulty proposer's turn waited out the propose timeout (block time + timeout = %v)", widest, slowest)
			}
		})
	}
}
