package report

import (
	"fmt"
	"math"
)

// Target is one speed target of issue #12 and what the report measured
// for it.
type Target struct {
	Name     string
	Unit     string
	Goal     float64
	AtMost   bool    // the target is an upper bound (latency, CPU); else a lower bound
	Measured float64 // NaN when the report lacks the figure
}

// Met says whether Measured satisfies Goal.
func (t Target) Met() bool {
	if math.IsNaN(t.Measured) {
		return false
	}
	if t.AtMost {
		return t.Measured <= t.Goal
	}
	return t.Measured >= t.Goal
}

// Miss is by how much the target is missed, as a factor (> 1 missed,
// 1 or below met): measured over goal for a bound from above, goal over
// measured for one from below.
func (t Target) Miss() float64 {
	switch {
	case math.IsNaN(t.Measured):
		return math.NaN()
	case t.AtMost:
		return t.Measured / t.Goal
	case t.Measured == 0:
		return math.Inf(1)
	}
	return t.Goal / t.Measured
}

// LatencyTPS is the offered rate the latency and CPU targets are read at.
const LatencyTPS = 1000

// Targets are issue #12's speed targets against r. The latency and CPU
// targets are read at LatencyTPS on the first sweep that has that point
// (the suite puts the responsive setting first); saturation is the best
// of the sweeps.
func Targets(r *Report) []Target {
	nan := math.NaN()
	p50, p99, cpu := nan, nan, nan
	for _, s := range r.Sweeps {
		if p, ok := s.At(LatencyTPS); ok {
			p50, p99, cpu = p.P50Ms, p.P99Ms, p.NodeCPUPerTxUs
			break
		}
	}
	sat := nan
	for _, s := range r.Sweeps {
		if v := float64(s.Saturation()); math.IsNaN(sat) || v > sat {
			sat = v
		}
	}
	single := nan
	if r.Single != nil {
		single = r.Single.CommittedTPS
	}
	return []Target{
		{Name: fmt.Sprintf("finality p50 at %d tx/s", LatencyTPS), Unit: "ms", Goal: 60, AtMost: true, Measured: p50},
		{Name: fmt.Sprintf("finality p99 at %d tx/s", LatencyTPS), Unit: "ms", Goal: 150, AtMost: true, Measured: p99},
		{Name: "saturation (committed in full, p99 ≤ 1 s)", Unit: "tx/s", Goal: 6000, Measured: sat},
		{Name: fmt.Sprintf("node CPU per tx per node at %d tx/s", LatencyTPS), Unit: "µs", Goal: 60, AtMost: true, Measured: cpu},
		{Name: "idle devnet CPU, all nodes", Unit: "cores", Goal: 0.05, AtMost: true, Measured: r.IdleCores},
		{Name: "single validator, send_txs batches", Unit: "tx/s", Goal: 25000, Measured: single},
	}
}
