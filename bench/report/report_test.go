package report

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"io"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func point(tps int, committed float64, p50, p99 float64, lost int64) Point {
	sub := int64(tps * 5)
	com := int64(committed * 5)
	return Point{TargetTPS: tps, OfferedTPS: float64(tps), CommittedTPS: committed, Submitted: sub, Accepted: sub,
		Committed: com, Lost: lost, P50Ms: p50, P90Ms: (p50 + p99) / 2, P99Ms: p99, MaxMs: p99 * 1.2, NodeCPUPerTxUs: 40, Nodes: 4}
}

func sample() *Report {
	return &Report{
		Version: Version, Created: time.Date(2026, 12, 4, 1, 0, 0, 0, time.UTC), Commit: "0123456789abcdef",
		Machine:         Machine{CPUModel: "Test CPU", Cores: 2, GPU: "none", OS: "linux/amd64", GoVersion: "go1.26"},
		Config:          Config{Validators: 4, TxBytes: 200, PointSeconds: 5, Budget: "9m0s", Command: "aitbcd bench suite"},
		SigverifyPerSec: 90000, SigverifyBatch: 1024, IdleCores: 0.04, Seconds: 500,
		Sweeps: []Sweep{
			{Name: "responsive", BlockTime: "1s", MinBlockInterval: "10ms", Points: []Point{
				point(500, 500, 30, 80, 0), point(1000, 1000, 50, 140, 0), point(2000, 2000, 90, 400, 0), point(4000, 3000, 900, 4000, 0)}},
			{Name: "fixed 200ms", BlockTime: "200ms", MinBlockInterval: "0s", Points: []Point{
				point(500, 500, 150, 250, 0), point(1000, 1000, 160, 260, 0), point(2000, 1500, 700, 2500, 0)}},
		},
		Single: &Point{TargetTPS: 30000, OfferedTPS: 30000, CommittedTPS: 27000, Submitted: 100, Accepted: 100, Committed: 100,
			P50Ms: 10, P90Ms: 20, P99Ms: 30, MaxMs: 40, Nodes: 1, Batch: 256},
	}
}

func TestWriteRoundTrip(t *testing.T) {
	dir := t.TempDir()
	r := sample()
	if err := r.Write(dir); err != nil {
		t.Fatal(err)
	}
	got, err := ReadFile(filepath.Join(dir, JSONFile))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, r) {
		t.Errorf("round trip changed the report:\n got %+v\nwant %+v", got, r)
	}
	for _, f := range []string{SVGFile, SummaryFile} {
		if fi, err := os.Stat(filepath.Join(dir, f)); err != nil || fi.Size() == 0 {
			t.Errorf("%s: %v", f, err)
		}
	}
}

func TestSVGWellFormedWithSeries(t *testing.T) {
	svg := SVG(sample())
	dec := xml.NewDecoder(bytes.NewReader(svg))
	ids := map[string]int{}
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("not well-formed XML: %v", err)
		}
		if se, ok := tok.(xml.StartElement); ok && se.Name.Local == "g" {
			for _, a := range se.Attr {
				if a.Name.Local == "id" {
					ids[a.Value]++
				}
			}
		}
	}
	for _, s := range []string{"responsive", "fixed 200ms"} {
		for _, kind := range []string{"committed", "p50", "p90", "p99"} {
			if ids[kind+" "+s] != 1 {
				t.Errorf("series %q drawn %d times, want once", kind+" "+s, ids[kind+" "+s])
			}
		}
	}
	if len(ids) != 8 {
		t.Errorf("%d series, want 8: %v", len(ids), ids)
	}
	// The points of a series: one marker per point.
	if n := strings.Count(string(svg), "<circle"); n != 4*(4+3) {
		t.Errorf("%d markers, want %d", n, 4*(4+3))
	}
}

func TestTargetsAndSummary(t *testing.T) {
	r := sample()
	ts := Targets(r)
	want := map[string]struct {
		measured float64
		met      bool
	}{
		"finality p50 at 1000 tx/s":                 {50, true},
		"finality p99 at 1000 tx/s":                 {140, true},
		"saturation (committed in full, p99 ≤ 1 s)": {2000, false},
		"node CPU per tx per node at 1000 tx/s":     {40, true},
		"idle devnet CPU, all nodes":                {0.04, true},
		"single validator, send_txs batches":        {27000, true},
	}
	if len(ts) != len(want) {
		t.Fatalf("%d targets, want %d", len(ts), len(want))
	}
	for _, tg := range ts {
		w, ok := want[tg.Name]
		if !ok {
			t.Errorf("unexpected target %q", tg.Name)
			continue
		}
		if tg.Measured != w.measured || tg.Met() != w.met {
			t.Errorf("%s: measured %v met %v, want %v %v", tg.Name, tg.Measured, tg.Met(), w.measured, w.met)
		}
	}
	if got := ts[2].Miss(); got != 3 {
		t.Errorf("saturation missed by %v, want 3× (6000/2000)", got)
	}
	md := string(Summary(r))
	for _, s := range []string{"| saturation (committed in full, p99 ≤ 1 s) | 2000 tx/s | ≥ 6000 tx/s | **missed** (3.00× off) |",
		"| finality p50 at 1000 tx/s | 50 ms | ≤ 60 ms | met |", "| responsive | 4000 | 1 | 3000 |", "single validator, batch 256, no SQL index"} {
		if !strings.Contains(md, s) {
			t.Errorf("summary lacks %q:\n%s", s, md)
		}
	}
	if strings.Contains(md, "lost: the run failed") {
		t.Error("summary reports lost txs for a run without any")
	}
	r.Sweeps[0].Points[1].Lost = 3
	if !strings.Contains(string(Summary(r)), "3 accepted txs were lost") {
		t.Error("summary hides lost txs")
	}
}

func TestSaturationNeedsFullCommitAndP99(t *testing.T) {
	s := Sweep{Points: []Point{point(1000, 1000, 50, 100, 0), point(2000, 2000, 50, 1500, 0), point(3000, 2990, 50, 100, 0)}}
	if got := s.Saturation(); got != 1000 {
		t.Errorf("saturation %d, want 1000 (2000 has p99 > 1 s, 3000 is not committed in full)", got)
	}
}

func TestCompare(t *testing.T) {
	a, b := sample(), sample()
	b.Sweeps[0].Points[1].P50Ms = 25
	b.Sweeps[0].Points[1].CommittedTPS = 1000
	b.IdleCores = 0.02
	rs := Compare(a, b)
	find := func(name string) Ratio {
		for _, r := range rs {
			if r.Name == name {
				return r
			}
		}
		t.Fatalf("no ratio %q in %v", name, rs)
		return Ratio{}
	}
	if r := find("responsive @1000 p50 ms"); r.Ratio != 0.5 {
		t.Errorf("p50 ratio %v, want 0.5", r.Ratio)
	}
	if r := find("idle devnet CPU, all nodes (cores)"); r.Ratio != 0.5 {
		t.Errorf("idle ratio %v, want 0.5", r.Ratio)
	}
	if r := find("responsive @1000 committed tx/s"); r.Ratio != 1 {
		t.Errorf("committed ratio %v, want 1", r.Ratio)
	}
	b.Single = nil
	if r := find("single validator, send_txs batches (tx/s)"); r.Ratio != 1 {
		// a's value against b's: still from the earlier Compare
		t.Errorf("single ratio %v, want 1 before b lost it", r.Ratio)
	}
	for _, r := range Compare(a, b) {
		if r.Name == "single validator, send_txs batches (tx/s)" && !math.IsNaN(r.Ratio) {
			t.Errorf("ratio %v against a missing figure, want NaN", r.Ratio)
		}
	}
	var out bytes.Buffer
	WriteCompare(&out, a, b)
	if !strings.Contains(out.String(), "responsive @1000 p50 ms") || !strings.Contains(out.String(), "n/a") {
		t.Errorf("compare table:\n%s", out.String())
	}
}

func TestParseErrors(t *testing.T) {
	good, _ := json.Marshal(sample())
	mutate := func(f func(m map[string]any)) []byte {
		var m map[string]any
		json.Unmarshal(good, &m)
		f(m)
		b, _ := json.Marshal(m)
		return b
	}
	tests := []struct {
		name string
		in   []byte
		want error
	}{
		{"empty", nil, ErrSyntax},
		{"not json", []byte("<svg/>"), ErrSyntax},
		{"array", []byte("[]"), ErrSyntax},
		{"unknown field", mutate(func(m map[string]any) { m["extra"] = 1 }), ErrSyntax},
		{"trailing", append(append([]byte{}, good...), []byte(" {}")...), ErrSyntax},
		{"version", mutate(func(m map[string]any) { m["version"] = 2 }), ErrVersion},
		{"negative idle", mutate(func(m map[string]any) { m["idle_cores"] = -1 }), ErrInvalid},
		{"percentiles", mutate(func(m map[string]any) {
			m["sweeps"].([]any)[0].(map[string]any)["points"].([]any)[0].(map[string]any)["p99_ms"] = 1.0
		}), ErrInvalid},
		{"lost > accepted", mutate(func(m map[string]any) { m["single"].(map[string]any)["lost"] = 1000 }), ErrInvalid},
	}
	for _, tt := range tests {
		_, err := Parse(tt.in)
		if !errors.Is(err, tt.want) {
			t.Errorf("%s: %v, want %v", tt.name, err, tt.want)
		}
	}
	var fe *FieldError
	if _, err := Parse(tests[6].in); !errors.As(err, &fe) || fe.Field != "idle_cores" {
		t.Errorf("field error %v does not name idle_cores", err)
	}
	if _, err := Parse(good); err != nil {
		t.Errorf("a good report: %v", err)
	}
}
