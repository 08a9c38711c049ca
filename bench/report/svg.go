package report

import (
	"bytes"
	"fmt"
	"html"
	"math"
)

// Geometry of report.svg: two panels side by side, committed tx/s
// against offered (linear) and finality against offered (log y, since
// finality spans from tens of milliseconds to seconds past saturation).
const (
	svgW, svgH   = 1000, 460
	panelW       = 400
	panelH       = 300
	panelTop     = 60
	leftA, leftB = 80, 580
)

// sweepColors tell the sweeps apart; percentiles differ by dash.
var sweepColors = []string{"#1f77b4", "#d62728", "#2ca02c", "#9467bd"}

var pctDash = []struct {
	name string
	dash string
	of   func(Point) float64
}{
	{"p50", "", func(p Point) float64 { return p.P50Ms }},
	{"p90", "6,3", func(p Point) float64 { return p.P90Ms }},
	{"p99", "2,3", func(p Point) float64 { return p.P99Ms }},
}

// SVG draws r: one series per sweep in each panel, a legend and labelled
// axes, so the chart reads without the JSON.
func SVG(r *Report) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, `<?xml version="1.0" encoding="UTF-8"?>`+"\n")
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="12">`+"\n", svgW, svgH, svgW, svgH)
	fmt.Fprintf(&b, `<rect width="%d" height="%d" fill="white"/>`+"\n", svgW, svgH)
	fmt.Fprintf(&b, `<text x="%d" y="22" text-anchor="middle" font-size="15">%s</text>`+"\n", svgW/2,
		esc(fmt.Sprintf("aitbcd: %d validators, %d-byte transfers, open loop — %s, %d cores — commit %s",
			r.Config.Validators, r.Config.TxBytes, orUnknown(r.Machine.CPUModel), r.Machine.Cores, short(r.Commit))))

	xMax := 1000.0
	yMax := 1000.0
	lMin, lMax := 10.0, 1000.0
	for _, s := range r.Sweeps {
		for _, p := range s.Points {
			xMax = math.Max(xMax, p.OfferedTPS)
			yMax = math.Max(yMax, p.CommittedTPS)
			if p.P50Ms > 0 {
				lMin = math.Min(lMin, p.P50Ms)
			}
			lMax = math.Max(lMax, p.P99Ms)
		}
	}
	xMax, xStep := axisMax(xMax)
	yMax, yStep := axisMax(yMax)
	lMin, lMax = math.Pow(10, math.Floor(math.Log10(lMin))), math.Pow(10, math.Ceil(math.Log10(lMax)))

	xAt := func(left int, v float64) float64 { return float64(left) + v/xMax*panelW }
	yLin := func(v float64) float64 { return panelTop + panelH - v/yMax*panelH }
	yLog := func(v float64) float64 {
		v = math.Max(v, lMin)
		return panelTop + panelH - (math.Log10(v)-math.Log10(lMin))/(math.Log10(lMax)-math.Log10(lMin))*panelH
	}

	// Frames, grids and labels.
	for _, left := range []int{leftA, leftB} {
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%d" height="%d" fill="none" stroke="#444"/>`+"\n", left, panelTop, panelW, panelH)
		for v := 0.0; v <= xMax+xStep/2; v += xStep {
			x := xAt(left, v)
			fmt.Fprintf(&b, `<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#ddd"/>`+"\n", x, panelTop, x, panelTop+panelH)
			fmt.Fprintf(&b, `<text x="%.1f" y="%d" text-anchor="middle">%s</text>`+"\n", x, panelTop+panelH+16, num(v))
		}
		fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="middle">offered load (tx/s)</text>`+"\n", left+panelW/2, panelTop+panelH+34)
	}
	for v := 0.0; v <= yMax+yStep/2; v += yStep {
		y := yLin(v)
		fmt.Fprintf(&b, `<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#ddd"/>`+"\n", leftA, y, leftA+panelW, y)
		fmt.Fprintf(&b, `<text x="%d" y="%.1f" text-anchor="end">%s</text>`+"\n", leftA-6, y+4, num(v))
	}
	for v := lMin; v <= lMax*1.0001; v *= 10 {
		y := yLog(v)
		fmt.Fprintf(&b, `<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#ddd"/>`+"\n", leftB, y, leftB+panelW, y)
		fmt.Fprintf(&b, `<text x="%d" y="%.1f" text-anchor="end">%s</text>`+"\n", leftB-6, y+4, num(v))
	}
	fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="middle">committed tx/s against offered</text>`+"\n", leftA+panelW/2, panelTop-8)
	fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="middle">finality (ms, log scale) against offered</text>`+"\n", leftB+panelW/2, panelTop-8)
	fmt.Fprintf(&b, `<text transform="translate(%d,%d) rotate(-90)" text-anchor="middle">committed tx/s</text>`+"\n", leftA-52, panelTop+panelH/2)
	fmt.Fprintf(&b, `<text transform="translate(%d,%d) rotate(-90)" text-anchor="middle">finality ms</text>`+"\n", leftB-52, panelTop+panelH/2)
	// The p99 bound of a saturation point.
	if y := yLog(SaturationP99Ms); SaturationP99Ms <= lMax {
		fmt.Fprintf(&b, `<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#999" stroke-dasharray="4,4"/>`+"\n", leftB, y, leftB+panelW, y)
		fmt.Fprintf(&b, `<text x="%d" y="%.1f" text-anchor="end" fill="#666">p99 bound of saturation</text>`+"\n", leftB+panelW-4, y-4)
	}
	// committed = offered, the line a node that keeps up follows.
	fmt.Fprintf(&b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#999" stroke-dasharray="4,4"/>`+"\n",
		xAt(leftA, 0), yLin(0), xAt(leftA, math.Min(xMax, yMax)), yLin(math.Min(xMax, yMax)))

	for i, s := range r.Sweeps {
		color := sweepColors[i%len(sweepColors)]
		var pts [][2]float64
		for _, p := range s.Points {
			pts = append(pts, [2]float64{xAt(leftA, p.OfferedTPS), yLin(p.CommittedTPS)})
		}
		series(&b, "committed "+s.Name, color, "", pts)
		for _, pc := range pctDash {
			pts = pts[:0]
			for _, p := range s.Points {
				pts = append(pts, [2]float64{xAt(leftB, p.OfferedTPS), yLog(pc.of(p))})
			}
			series(&b, pc.name+" "+s.Name, color, pc.dash, pts)
		}
	}

	// Legend: sweeps by colour, percentiles by dash.
	ly := panelTop + panelH + 58
	x := leftA
	for i, s := range r.Sweeps {
		color := sweepColors[i%len(sweepColors)]
		fmt.Fprintf(&b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="%s" stroke-width="2"/>`+"\n", x, ly-4, x+24, ly-4, color)
		label := fmt.Sprintf("%s (BLOCK_TIME=%s, MIN_BLOCK_INTERVAL=%s)", s.Name, s.BlockTime, s.MinBlockInterval)
		fmt.Fprintf(&b, `<text x="%d" y="%d">%s</text>`+"\n", x+30, ly, esc(label))
		x += 30 + 7*len([]rune(label)) + 20
	}
	x = leftA
	ly += 20
	b.WriteString(`<text x="` + fmt.Sprint(x) + `" y="` + fmt.Sprint(ly) + `">finality:</text>` + "\n")
	x += 60
	for _, pc := range pctDash {
		fmt.Fprintf(&b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#333" stroke-width="2"%s/>`+"\n", x, ly-4, x+24, ly-4, dashAttr(pc.dash))
		fmt.Fprintf(&b, `<text x="%d" y="%d">%s</text>`+"\n", x+30, ly, pc.name)
		x += 80
	}
	b.WriteString("</svg>\n")
	return b.Bytes()
}

// series draws one polyline with a marker at each point; the id carries
// the series name so tests and readers can find it.
func series(b *bytes.Buffer, name, color, dash string, pts [][2]float64) {
	if len(pts) == 0 {
		return
	}
	fmt.Fprintf(b, `<g class="series" id="%s">`+"\n", esc(name))
	fmt.Fprintf(b, `<title>%s</title>`+"\n", esc(name))
	b.WriteString(`<polyline fill="none" stroke="` + color + `" stroke-width="2"` + dashAttr(dash) + ` points="`)
	for i, p := range pts {
		if i > 0 {
			b.WriteByte(' ')
		}
		fmt.Fprintf(b, "%.1f,%.1f", p[0], p[1])
	}
	b.WriteString("\"/>\n")
	for _, p := range pts {
		fmt.Fprintf(b, `<circle cx="%.1f" cy="%.1f" r="3" fill="%s"/>`+"\n", p[0], p[1], color)
	}
	b.WriteString("</g>\n")
}

func dashAttr(d string) string {
	if d == "" {
		return ""
	}
	return ` stroke-dasharray="` + d + `"`
}

func esc(s string) string { return html.EscapeString(s) }

func short(commit string) string {
	if len(commit) > 12 {
		return commit[:12]
	}
	return orUnknown(commit)
}

// axisMax is a linear axis for values up to v: a tick step of 1, 2 or 5
// times a power of ten giving at most five intervals, and the first step
// multiple above v with 5% headroom.
func axisMax(v float64) (top, step float64) {
	step = niceCeil(v * 1.05 / 5)
	return math.Ceil(v*1.05/step) * step, step
}

// niceCeil rounds v up to 1, 2 or 5 times a power of ten.
func niceCeil(v float64) float64 {
	if v <= 0 {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*p >= v {
			return m * p
		}
	}
	return 10 * p
}
