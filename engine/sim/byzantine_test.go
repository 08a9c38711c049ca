package sim

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// byzSeeds is how many seeds TestByzantineModes runs per mode:
// AITBC_SIM_BYZ_SEEDS, or 2 (CI runs every mode on 200 seeds with
// `make sim SEEDS=200 BYZANTINE=each` besides).
func byzSeeds(t *testing.T) int { return envSeeds(t, "AITBC_SIM_BYZ_SEEDS", 2) }

// One faulty validator of four, in every mode of the catalogue, under the
// default faults: the honest three agree, stay valid, lose no tx and stay
// live.
func TestByzantineModes(t *testing.T) {
	for _, mode := range ModeNames() {
		for s := 1; s <= byzSeeds(t); s++ {
			t.Run(fmt.Sprintf("%s/%d", mode, s), func(t *testing.T) {
				t.Parallel()
				cfg, err := ByzantineConfig(int64(s), mode)
				if err != nil {
					t.Fatal(err)
				}
				res, err := Run(cfg)
				if err != nil {
					t.Fatal(err)
				}
				if len(res.Violations) > 0 {
					t.Fatalf("seed %d trace %s heights %v:\n%s", s, res.Trace, res.Heights, strings.Join(res.Violations, "\n"))
				}
			})
		}
	}
}

// An honest validator whose clock is 3 s fast (beyond the time rule's
// window) does not stop the others; it is an honest node, so the
// properties hold for it too (it follows the chain by voting on what the
// others propose and by block sync).
func TestClockSkewedValidator(t *testing.T) {
	cfg := DefaultConfig(51)
	cfg.ClockSkew = map[int]time.Duration{2: 3 * time.Second}
	res, err := Run(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Violations) > 0 {
		t.Fatalf("heights %v:\n%s", res.Heights, strings.Join(res.Violations, "\n"))
	}
}
