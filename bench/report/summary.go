package report

import (
	"bytes"
	"fmt"
	"math"
	"strconv"
	"time"
)

// Summary is summary.md: the machine, the targets with met or missed,
// and a table of every point.
func Summary(r *Report) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "# Benchmark report %s\n\n", r.Created.UTC().Format(time.RFC3339))
	fmt.Fprintf(&b, "Commit `%s`; %s, %d cores, GPU %s; %s.  \n", orUnknown(r.Commit), orUnknown(r.Machine.CPUModel), r.Machine.Cores, orUnknown(r.Machine.GPU), r.Machine.GoVersion)
	fmt.Fprintf(&b, "%d validators in one devnet on this machine, load generator on the same cores; %d-byte signed transfers sent open-loop round-robin to every node; "+
		"finality from each tx's scheduled send time to its block on node 0's WebSocket. %g s per point; the suite took %.0f s.  \n",
		r.Config.Validators, r.Config.TxBytes, r.Config.PointSeconds, r.Seconds)
	fmt.Fprintf(&b, "Command: `%s`\n\n", r.Config.Command)
	fmt.Fprintf(&b, "Signature ceiling (`aitbcd bench sigverify`, cpu): %.0f verifications/s at batch %d.\n\n", r.SigverifyPerSec, r.SigverifyBatch)

	b.WriteString("## Targets\n\n| target | measured | goal | |\n|---|---:|---:|---|\n")
	for _, t := range Targets(r) {
		verdict := "met"
		if !t.Met() {
			verdict = fmt.Sprintf("**missed** (%s)", missBy(t))
		}
		op := "≥"
		if t.AtMost {
			op = "≤"
		}
		fmt.Fprintf(&b, "| %s | %s %s | %s %s %s | %s |\n", t.Name, num(t.Measured), t.Unit, op, num(t.Goal), t.Unit, verdict)
	}
	if n := r.Lost(); n > 0 {
		fmt.Fprintf(&b, "\n**%d accepted txs were lost: the run failed.**\n", n)
	}

	b.WriteString("\n## Points\n\n| setting | offered tx/s | txs/request | committed tx/s | p50 ms | p90 ms | p99 ms | max ms | rejected | lost | node CPU µs/tx/node | full |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|\n")
	row := func(name string, p Point) {
		full := "no"
		if p.Full() {
			full = "yes"
		}
		fmt.Fprintf(&b, "| %s | %.0f | %d | %.0f | %.1f | %.1f | %.1f | %.1f | %d | %d | %.1f | %s |\n",
			name, p.OfferedTPS, max(p.Batch, 1), p.CommittedTPS, p.P50Ms, p.P90Ms, p.P99Ms, p.MaxMs, p.Rejected+p.Errors, p.Lost, p.NodeCPUPerTxUs, full)
	}
	for _, s := range r.Sweeps {
		for _, p := range s.Points {
			row(s.Name, p)
		}
	}
	if r.Single != nil {
		index := "no SQL index"
		if r.Config.SingleIndex {
			index = "SQL index on"
		}
		row(fmt.Sprintf("single validator, batch %d, %s", r.Single.Batch, index), *r.Single)
	}
	b.WriteString("\n")
	for _, s := range r.Sweeps {
		fmt.Fprintf(&b, "- %s: BLOCK_TIME=%s MIN_BLOCK_INTERVAL=%s; saturation %d tx/s.\n", s.Name, s.BlockTime, s.MinBlockInterval, s.Saturation())
	}
	fmt.Fprintf(&b, "- Idle devnet: %.3f cores for all %d nodes together.\n", r.IdleCores, r.Config.Validators)
	return b.Bytes()
}

func missBy(t Target) string {
	if math.IsNaN(t.Measured) {
		return "not measured"
	}
	if math.IsInf(t.Miss(), 1) {
		return "nothing measured"
	}
	return fmt.Sprintf("%.2f× off", t.Miss())
}

func num(v float64) string {
	switch {
	case math.IsNaN(v):
		return "n/a"
	case v >= 100 || v == math.Trunc(v):
		return strconv.FormatFloat(v, 'f', 0, 64)
	case v >= 1:
		return strconv.FormatFloat(v, 'f', 1, 64)
	}
	return strconv.FormatFloat(v, 'f', 3, 64)
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}
