package sigbench

import (
	"bytes"
	"context"
	"errors"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"aitbc/gpu"
)

// tableRow is one parsed line of the printed table.
type tableRow struct {
	backend      string
	batch, calls int
	perSec       float64
	p50, p99     float64 // µs
	ratio        float64
}

// parseTable reads the table at the end of out: a header starting with
// "backend" and one row per line after it.
func parseTable(t *testing.T, out string) []tableRow {
	t.Helper()
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	head := -1
	for i, l := range lines {
		if f := strings.Fields(l); len(f) == 8 && f[0] == "backend" && f[3] == "verifies/s" {
			head = i
		}
	}
	if head < 0 {
		t.Fatalf("no table header in output:\n%s", out)
	}
	num := func(s, suffix string) float64 {
		v, err := strconv.ParseFloat(strings.TrimSuffix(s, suffix), 64)
		if err != nil || !strings.HasSuffix(s, suffix) {
			t.Fatalf("bad number %q (want suffix %q) in:\n%s", s, suffix, out)
		}
		return v
	}
	var rows []tableRow
	for _, l := range lines[head+1:] {
		if strings.HasPrefix(l, "crossover: ") {
			break
		}
		f := strings.Fields(l)
		if len(f) != 7 {
			t.Fatalf("table row %q has %d fields, want 7", l, len(f))
		}
		rows = append(rows, tableRow{backend: f[0], batch: int(num(f[1], "")), calls: int(num(f[2], "")),
			perSec: num(f[3], ""), p50: num(f[4], "µs"), p99: num(f[5], "µs"), ratio: num(f[6], "x")})
	}
	return rows
}

func TestSigverifyTable(t *testing.T) {
	var out bytes.Buffer
	cfg := SigverifyConfig{Backend: "cpu", Batches: []int{1, 16, 64}, Duration: 20 * time.Millisecond, Workers: 1}
	rep, err := Sigverify(context.Background(), cfg, &out)
	if err != nil {
		t.Fatal(err)
	}
	t.Log("\n" + out.String())
	rows := parseTable(t, out.String())
	if len(rows) != 4 {
		t.Fatalf("%d table rows, want 3 batch sizes and the baseline", len(rows))
	}
	for i, want := range []int{1, 16, 64, 1} {
		r := rows[i]
		wantBackend := "cpu"
		if i == 3 {
			wantBackend = "stdlib"
		}
		if r.backend != wantBackend || r.batch != want || r.calls < 1 || r.perSec <= 0 || r.p50 <= 0 || r.p99 < r.p50 || r.ratio <= 0 {
			t.Errorf("row %d = %+v, want backend %s batch %d and positive figures", i, r, wantBackend, want)
		}
	}
	if rows[3].ratio != 1 {
		t.Errorf("baseline ratio %v, want 1.00", rows[3].ratio)
	}
	// The printed table is the report.
	if len(rep.Rows) != 3 || rep.Rows[1].Batches != rows[1].calls || rep.Baseline.Backend != "stdlib" {
		t.Errorf("report %+v does not match the table %+v", rep, rows)
	}
	if got := rep.Rows[2].Ratio; got < rows[2].ratio-0.01 || got > rows[2].ratio+0.01 {
		t.Errorf("report ratio %v, table %v", got, rows[2].ratio)
	}
	if !strings.Contains(out.String(), "[1/4] cpu batch 1: done") || !strings.Contains(out.String(), "[4/4] stdlib") {
		t.Errorf("progress lines missing:\n%s", out.String())
	}
}

// sleepy is the CPU backend plus a fixed delay per call: a GPU-shaped
// cost far above the CPU's at small batches.
type sleepy struct{}

func (sleepy) Name() string { return "sleepy" }
func (sleepy) VerifyBatch(ctx context.Context, items []gpu.Item) ([]bool, error) {
	time.Sleep(30 * time.Millisecond)
	return gpu.NewCPU(1).VerifyBatch(ctx, items)
}

// TestSigverifyCompare: --compare measures both backends at every batch
// size and names the batch size where the first overtakes the second.
func TestSigverifyCompare(t *testing.T) {
	short := 10 * time.Millisecond
	for _, tc := range []struct {
		name  string
		cfg   SigverifyConfig
		found bool
		line  string
	}{
		{"cpu overtakes a slow backend at once",
			SigverifyConfig{Backend: "cpu", Compare: "sleepy", CompareVerifier: sleepy{}, Batches: []int{16, 64}, Duration: short, Workers: 1},
			true, "crossover: cpu is at least as fast as sleepy from batch 16 up (GPU_MIN_BATCH=16)"},
		{"a slow backend never overtakes cpu",
			SigverifyConfig{Backend: "sleepy", Verifier: sleepy{}, Compare: "cpu", Batches: []int{16, 64}, Duration: short, Workers: 1},
			false, "crossover: sleepy is slower than cpu at the largest batch measured"},
	} {
		var out bytes.Buffer
		rep, err := Sigverify(context.Background(), tc.cfg, &out)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		rows := parseTable(t, out.String())
		if len(rows) != 5 || rows[2].backend != tc.cfg.Compare || rows[3].batch != 64 || len(rep.Compare) != 2 {
			t.Fatalf("%s: rows %+v, want 2 of each backend and the baseline", tc.name, rows)
		}
		if rep.CrossoverFound != tc.found || !strings.Contains(out.String(), tc.line) {
			t.Fatalf("%s: crossover %d found %v; output:\n%s", tc.name, rep.Crossover, rep.CrossoverFound, out.String())
		}
	}
	var out bytes.Buffer
	if _, err := Sigverify(context.Background(), SigverifyConfig{Backend: "cpu", Compare: "cpu"}, &out); !errors.Is(err, ErrBadConfig) {
		t.Fatalf("comparing cpu with itself: err = %v", err)
	}
	if _, err := Sigverify(context.Background(), SigverifyConfig{Compare: "tpu"}, &out); !errors.Is(err, ErrUnknownBackend) {
		t.Fatalf("unknown compare backend: err = %v", err)
	}
}

// lying accepts everything: the bench must refuse to report its speed.
type lying struct{}

func (lying) Name() string { return "lying" }
func (lying) VerifyBatch(_ context.Context, items []gpu.Item) ([]bool, error) {
	ok := make([]bool, len(items))
	for i := range ok {
		ok[i] = true
	}
	return ok, nil
}

// failing fails after its first call (the sanity check passes on CPU).
type failing struct{ calls int }

var errDevice = errors.New("device lost")

func (f *failing) Name() string { return "failing" }
func (f *failing) VerifyBatch(ctx context.Context, items []gpu.Item) ([]bool, error) {
	f.calls++
	if f.calls > 1 {
		return nil, errDevice
	}
	return gpu.NewCPU(1).VerifyBatch(ctx, items)
}

func TestSigverifyErrors(t *testing.T) {
	short := 5 * time.Millisecond
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	tests := []struct {
		name string
		ctx  context.Context
		cfg  SigverifyConfig
		want error
	}{
		{"unknown backend", context.Background(), SigverifyConfig{Backend: "opencl"}, ErrUnknownBackend},
		{"batch zero", context.Background(), SigverifyConfig{Batches: []int{0}}, ErrBadConfig},
		{"batch too big", context.Background(), SigverifyConfig{Batches: []int{1 << 17}}, ErrBadConfig},
		{"negative duration", context.Background(), SigverifyConfig{Duration: -time.Second}, ErrBadConfig},
		{"negative workers", context.Background(), SigverifyConfig{Workers: -2}, ErrBadConfig},
		{"wrong verdicts", context.Background(), SigverifyConfig{Verifier: lying{}, Batches: []int{4}, Duration: short}, ErrWrongVerdict},
		{"backend error", context.Background(), SigverifyConfig{Verifier: &failing{}, Batches: []int{4}, Duration: short}, errDevice},
		{"cancelled", cancelled, SigverifyConfig{Batches: []int{4}, Duration: short, Workers: 1}, context.Canceled},
	}
	if !gpu.CUDABuilt {
		tests = append(tests, struct {
			name string
			ctx  context.Context
			cfg  SigverifyConfig
			want error
		}{"cuda not built", context.Background(), SigverifyConfig{Backend: "cuda", Batches: []int{4}, Duration: short}, gpu.ErrNoCUDA})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			_, err := Sigverify(tt.ctx, tt.cfg, &out)
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v\n%s", err, tt.want, out.String())
			}
		})
	}
}

// TestSigverifyLong runs what `aitbcd bench sigverify` runs by default,
// for each host backend (AITBC_LONG=1; make test-long). AITBC_BENCH_SECONDS
// overrides the time per batch size.
func TestSigverifyLong(t *testing.T) {
	if os.Getenv("AITBC_LONG") == "" {
		t.Skip("set AITBC_LONG=1 (make test-long)")
	}
	d := time.Second
	if s, err := strconv.ParseFloat(os.Getenv("AITBC_BENCH_SECONDS"), 64); err == nil {
		d = time.Duration(s * float64(time.Second))
	}
	workers, _ := strconv.Atoi(os.Getenv("AITBC_BENCH_WORKERS"))
	for _, backend := range []string{"cpu", "kernel-host"} {
		t.Run(backend, func(t *testing.T) {
			var out bytes.Buffer
			_, err := Sigverify(context.Background(), SigverifyConfig{Backend: backend, Duration: d, Workers: workers}, &out)
			t.Log("\n" + out.String())
			if err != nil {
				t.Fatal(err)
			}
			if rows := parseTable(t, out.String()); len(rows) != len(DefaultBatches)+1 {
				t.Fatalf("%d rows, want %d", len(rows), len(DefaultBatches)+1)
			}
		})
	}
}
