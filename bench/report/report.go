package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"time"
)

// Version is the format version Write emits and Parse accepts.
const Version = 1

// Report is one run of the suite.
type Report struct {
	Version int       `json:"version"`
	Created time.Time `json:"created"`
	// Commit is the git commit the binary was built from ("" unknown).
	Commit  string  `json:"commit"`
	Machine Machine `json:"machine"`
	Config  Config  `json:"config"`
	// SigverifyPerSec is the machine's signature ceiling: the best
	// verifications per second of `bench sigverify`, at SigverifyBatch.
	SigverifyPerSec float64 `json:"sigverify_per_sec"`
	SigverifyBatch  int     `json:"sigverify_batch"`
	// IdleCores is the CPU the idle devnet (every node together) used,
	// in cores.
	IdleCores float64 `json:"idle_cores"`
	// Sweeps are the open-loop load sweeps, one per block-time setting.
	Sweeps []Sweep `json:"sweeps"`
	// Single is the single-validator point with batch submission (nil
	// when it was not run).
	Single *Point `json:"single,omitempty"`
	// Seconds is how long the whole suite took.
	Seconds float64 `json:"seconds"`
}

// Machine is where the run happened.
type Machine struct {
	CPUModel  string `json:"cpu_model"`
	Cores     int    `json:"cores"`
	GPU       string `json:"gpu"` // "none" without one
	OS        string `json:"os"`
	GoVersion string `json:"go_version"`
}

// Config is what the suite ran.
type Config struct {
	Validators   int     `json:"validators"`
	TxBytes      int     `json:"tx_bytes"`
	PointSeconds float64 `json:"point_seconds"` // sending time of each point
	Budget       string  `json:"budget"`
	Command      string  `json:"command"`
	// SingleIndex: the single validator kept its SQL index (a devnet's
	// node 0 has one; a validator by default does not).
	SingleIndex bool `json:"single_index"`
}

// Sweep is the load points at one block-time setting, in offered order.
type Sweep struct {
	Name             string  `json:"name"`
	BlockTime        string  `json:"block_time"`
	MinBlockInterval string  `json:"min_block_interval"`
	Points           []Point `json:"points"`
}

// Point is one open-loop load run. Latencies are from each tx's
// scheduled send time to the block seen on node 0, in milliseconds.
type Point struct {
	TargetTPS    int     `json:"target_tps"`
	OfferedTPS   float64 `json:"offered_tps"`
	CommittedTPS float64 `json:"committed_tps"`
	Submitted    int64   `json:"submitted"`
	Accepted     int64   `json:"accepted"`
	Committed    int64   `json:"committed"`
	Rejected     int64   `json:"rejected"`
	Errors       int64   `json:"errors"`
	Lost         int64   `json:"lost"`
	P50Ms        float64 `json:"p50_ms"`
	P90Ms        float64 `json:"p90_ms"`
	P99Ms        float64 `json:"p99_ms"`
	MaxMs        float64 `json:"max_ms"`
	// NodeCPUPerTxUs is node CPU per committed tx per node, µs.
	NodeCPUPerTxUs float64 `json:"node_cpu_us_per_tx"`
	Nodes          int     `json:"nodes"`
	Batch          int     `json:"batch,omitempty"`
}

// SaturationP99Ms bounds the p99 finality of a point that counts
// towards saturation.
const SaturationP99Ms = 1000

// Full says whether every tx offered was committed (none rejected,
// failed or lost) with p99 finality within SaturationP99Ms.
func (p Point) Full() bool {
	return p.Submitted > 0 && p.Committed == p.Submitted && p.Rejected == 0 && p.Errors == 0 &&
		p.Lost == 0 && p.P99Ms <= SaturationP99Ms
}

// Saturation is the highest target rate of the sweep's points that were
// committed in full (Point.Full); 0 if none was.
func (s Sweep) Saturation() int {
	best := 0
	for _, p := range s.Points {
		if p.Full() && p.TargetTPS > best {
			best = p.TargetTPS
		}
	}
	return best
}

// At is the sweep's point at target rate tps.
func (s Sweep) At(tps int) (Point, bool) {
	for _, p := range s.Points {
		if p.TargetTPS == tps {
			return p, true
		}
	}
	return Point{}, false
}

// Lost is every lost tx of the run.
func (r *Report) Lost() int64 {
	var n int64
	for _, s := range r.Sweeps {
		for _, p := range s.Points {
			n += p.Lost
		}
	}
	if r.Single != nil {
		n += r.Single.Lost
	}
	return n
}

// Names of the files Write makes.
const (
	JSONFile    = "report.json"
	SVGFile     = "report.svg"
	SummaryFile = "summary.md"
)

// Write makes dir and writes report.json, report.svg and summary.md.
func (r *Report) Write(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	j, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	for _, f := range []struct {
		name string
		b    []byte
	}{{JSONFile, append(j, '\n')}, {SVGFile, SVG(r)}, {SummaryFile, Summary(r)}} {
		if err := os.WriteFile(filepath.Join(dir, f.name), f.b, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// maxDocBytes bounds what Parse reads: a report is a few kilobytes.
const maxDocBytes = 4 << 20

// Parse decodes a report.json document: ErrSyntax for anything that is
// not one object of the report's shape (unknown fields included),
// ErrVersion for another version, a *FieldError for impossible values.
func Parse(b []byte) (*Report, error) {
	if len(b) > maxDocBytes {
		return nil, fmt.Errorf("%w: %d bytes", ErrSyntax, len(b))
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var r Report
	if err := dec.Decode(&r); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrSyntax, err)
	}
	if dec.More() {
		return nil, fmt.Errorf("%w: data after the object", ErrSyntax)
	}
	if r.Version != Version {
		return nil, fmt.Errorf("%w: %d (want %d)", ErrVersion, r.Version, Version)
	}
	if err := r.validate(); err != nil {
		return nil, err
	}
	return &r, nil
}

// ReadFile is Parse of a file.
func ReadFile(path string) (*Report, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	r, err := Parse(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return r, nil
}

func (r *Report) validate() error {
	bad := func(f, why string) error { return &FieldError{Field: f, Reason: why} }
	fin := func(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) && v >= 0 }
	switch {
	case r.Machine.Cores < 0:
		return bad("machine.cores", "negative")
	case !fin(r.SigverifyPerSec):
		return bad("sigverify_per_sec", "not a finite non-negative number")
	case !fin(r.IdleCores):
		return bad("idle_cores", "not a finite non-negative number")
	case !fin(r.Seconds):
		return bad("seconds", "not a finite non-negative number")
	}
	check := func(where string, p Point) error {
		for _, v := range []float64{p.OfferedTPS, p.CommittedTPS, p.P50Ms, p.P90Ms, p.P99Ms, p.MaxMs, p.NodeCPUPerTxUs} {
			if !fin(v) {
				return bad(where, "a rate, latency or CPU figure is not a finite non-negative number")
			}
		}
		switch {
		case p.TargetTPS < 0 || p.Submitted < 0 || p.Accepted < 0 || p.Committed < 0 || p.Rejected < 0 || p.Errors < 0 || p.Lost < 0:
			return bad(where, "negative count")
		case !(p.P50Ms <= p.P90Ms && p.P90Ms <= p.P99Ms && p.P99Ms <= p.MaxMs):
			return bad(where, "percentiles out of order")
		case p.Lost > p.Accepted:
			return bad(where, "more lost than accepted")
		}
		return nil
	}
	for i, s := range r.Sweeps {
		for j, p := range s.Points {
			if err := check(fmt.Sprintf("sweeps[%d].points[%d]", i, j), p); err != nil {
				return err
			}
		}
	}
	if r.Single != nil {
		return check("single", *r.Single)
	}
	return nil
}
