package report

import (
	"fmt"
	"io"
	"math"
)

// Ratio is one figure of two reports and B over A.
type Ratio struct {
	Name  string
	A, B  float64
	Ratio float64 // B/A; NaN when A is 0 or either is missing
}

// Compare lists B/A for the headline figures (the targets) and for every
// point the two sweeps of the same name share (committed tx/s, p50, p99).
func Compare(a, b *Report) []Ratio {
	var out []Ratio
	add := func(name string, x, y float64) {
		r := Ratio{Name: name, A: x, B: y, Ratio: math.NaN()}
		if x != 0 && !math.IsNaN(x) && !math.IsNaN(y) {
			r.Ratio = y / x
		}
		out = append(out, r)
	}
	ta, tb := Targets(a), Targets(b)
	for i := range ta {
		add(ta[i].Name+" ("+ta[i].Unit+")", ta[i].Measured, tb[i].Measured)
	}
	add("sigverify ceiling (/s)", a.SigverifyPerSec, b.SigverifyPerSec)
	for _, sa := range a.Sweeps {
		for _, sb := range b.Sweeps {
			if sa.Name != sb.Name {
				continue
			}
			for _, pa := range sa.Points {
				pb, ok := sb.At(pa.TargetTPS)
				if !ok {
					continue
				}
				pre := fmt.Sprintf("%s @%d", sa.Name, pa.TargetTPS)
				add(pre+" committed tx/s", pa.CommittedTPS, pb.CommittedTPS)
				add(pre+" p50 ms", pa.P50Ms, pb.P50Ms)
				add(pre+" p99 ms", pa.P99Ms, pb.P99Ms)
			}
		}
	}
	return out
}

// WriteCompare prints Compare(a, b) as a table.
func WriteCompare(w io.Writer, a, b *Report) {
	fmt.Fprintf(w, "%-52s %12s %12s %8s\n", "figure", "A", "B", "B/A")
	for _, r := range Compare(a, b) {
		ratio := "n/a"
		if !math.IsNaN(r.Ratio) {
			ratio = fmt.Sprintf("%.3f", r.Ratio)
		}
		fmt.Fprintf(w, "%-52s %12s %12s %8s\n", r.Name, num(r.A), num(r.B), ratio)
	}
}
