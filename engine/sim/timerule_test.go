package sim

import (
	"math"
	"strings"
	"testing"
	"time"
)

// One faulty proposer of four stamps its blocks far in the future (up to
// 2^64−1, which used to be committed and then wrapped every later
// proposer's parent time + 1 to 0, halting the chain), a little ahead,
// or far in the past. The honest three drop its proposals, keep
// committing, and every committed block time stays within the rule's
// bound of the simulated clock.
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
