package sim

import (
	"strconv"
	"strings"
	"testing"
	"time"
)

// Responsive blocks keep every property under the default faults.
func TestResponsiveSeeds(t *testing.T) {
	for s := 1; s <= 6; s++ {
		t.Run(strconv.Itoa(s), func(t *testing.T) {
			t.Parallel()
			cfg := DefaultConfig(int64(100 + s))
			cfg.Node.MinBlockInterval = 10 * time.Millisecond
			if s%2 == 0 {
				cfg.Byzantine = map[int]Behaviour{s % 4: Modes[ModeNames()[s%len(Modes)]]}
			}
			res, err := Run(cfg)
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Violations) > 0 {
				t.Fatalf("trace %s heights %v:\n%s", res.Trace, res.Heights, strings.Join(res.Violations, "\n"))
			}
		})
	}
}

// On a clean network a tx is final in a fraction of BLOCK_TIME with
// responsive blocks, and waits for the next slot without them (simulated
// time: the figures are the same on every run).
func TestResponsiveFinality(t *testing.T) {
	run := func(min time.Duration) *Result {
		cfg := DefaultConfig(61)
		cfg.Faults = Faults{}
		cfg.Net.LossPerMille, cfg.Net.DupPerMille = 0, 0
		cfg.Node.MinBlockInterval = min
		cfg.TxEvery = 100 * time.Millisecond
		res, err := Run(cfg)
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Violations) > 0 {
			t.Fatal(strings.Join(res.Violations, "\n"))
		}
		return res
	}
	slotted, responsive := run(0), run(10*time.Millisecond)
	t.Logf("finality p50/p99: BLOCK_TIME slots %v/%v, responsive %v/%v", slotted.FinalityP50, slotted.FinalityP99, responsive.FinalityP50, responsive.FinalityP99)
	bt := NodeConfig().BlockTime
	if responsive.FinalityP99 >= bt/2 || slotted.FinalityP50 < bt/4 || responsive.FinalityP50*3 > slotted.FinalityP50 {
		t.Fatalf("responsive p50 %v p99 %v, slotted p50 %v (block time %v)", responsive.FinalityP50, responsive.FinalityP99, slotted.FinalityP50, bt)
	}
}
