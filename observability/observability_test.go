package observability

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

func TestNewLogger(t *testing.T) {
	tests := []struct {
		level, format string
		wantErr       error
		debugShown    bool
	}{
		{"debug", "json", nil, true},
		{"INFO", "text", nil, false},
		{"warn", "json", nil, false},
		{"error", "text", nil, false},
		{"verbose", "json", ErrBadLogLevel, false},
		{"", "json", ErrBadLogLevel, false},
		{"info", "xml", ErrBadLogFormat, false},
	}
	for _, tt := range tests {
		t.Run(tt.level+"/"+tt.format, func(t *testing.T) {
			var buf bytes.Buffer
			log, err := NewLogger(&buf, tt.level, tt.format)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("err = %v, want %v", err, tt.wantErr)
				}
				bad := tt.level
				if tt.wantErr == ErrBadLogFormat {
					bad = tt.format
				}
				if !strings.Contains(err.Error(), `"`+bad+`"`) {
					t.Fatalf("error %q does not name the bad value %q", err, bad)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			log.Debug("dbg", "height", 7)
			if got := buf.Len() > 0; got != tt.debugShown {
				t.Fatalf("debug line written = %v, want %v (%q)", got, tt.debugShown, buf.String())
			}
			buf.Reset()
			log.Error("boom", "height", 7)
			line := buf.String()
			if tt.format == "json" {
				var m map[string]any
				if err := json.Unmarshal([]byte(line), &m); err != nil {
					t.Fatalf("json line %q: %v", line, err)
				}
				if m["msg"] != "boom" || m["height"] != float64(7) {
					t.Fatalf("json line %q lacks msg/height", line)
				}
			} else if !strings.Contains(line, "msg=boom") || !strings.Contains(line, "height=7") {
				t.Fatalf("text line %q lacks msg/height", line)
			}
		})
	}
}

func TestParseLevel(t *testing.T) {
	for in, want := range map[string]slog.Level{"debug": slog.LevelDebug, " Info ": slog.LevelInfo, "WARNING": slog.LevelWarn, "error": slog.LevelError} {
		got, err := ParseLevel(in)
		if err != nil || got != want {
			t.Errorf("ParseLevel(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
}

func TestMetricsHandler(t *testing.T) {
	reg := NewRegistry()
	c := prometheus.NewCounter(prometheus.CounterOpts{Name: "aitbc_test_events_total", Help: "Test events."})
	reg.MustRegister(c)
	c.Add(3)

	srv := httptest.NewServer(MetricsHandler(reg))
	defer srv.Close()
	resp, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d", resp.StatusCode)
	}
	for _, want := range []string{"aitbc_test_events_total 3", "go_goroutines", "process_start_time_seconds", "promhttp_metric_handler_requests_total"} {
		if !bytes.Contains(body, []byte(want)) {
			t.Errorf("exposition lacks %q", want)
		}
	}
}

// RegisterFields registers the collector fields of a struct, shares them
// with a second instance on the same registry, and leaves other fields.
func TestRegisterFields(t *testing.T) {
	type set struct {
		G     prometheus.Gauge
		V     *prometheus.CounterVec
		Nil   prometheus.Counter
		Other int
	}
	mk := func() *set {
		return &set{G: prometheus.NewGauge(prometheus.GaugeOpts{Name: "t_g", Help: "g"}),
			V: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "t_v_total", Help: "v"}, []string{"k"}), Other: 7}
	}
	reg := prometheus.NewPedanticRegistry()
	a, b := mk(), mk()
	RegisterFields(reg, a)
	RegisterFields(reg, b)
	if a.G != b.G || a.V != b.V || b.Other != 7 || b.Nil != nil {
		t.Fatal("a second instance did not share the registered collectors")
	}
	a.G.Set(3)
	mfs, err := reg.Gather()
	if err != nil || len(mfs) != 1 { // the vec has no child yet
		t.Fatalf("%d families, %v", len(mfs), err)
	}
}

// TestNodeGauges: the targets alert rules compare against are exported
// with their configured values, and the head time reads live.
func TestNodeGauges(t *testing.T) {
	reg := prometheus.NewPedanticRegistry()
	head := time.Time{}
	RegisterNodeGauges(reg, NodeGauges{
		BlockTime: 250 * time.Millisecond, MempoolMaxTxs: 5000, MempoolMaxBytes: 1 << 20,
		HeadTime: func() time.Time { return head }, Validators: func() int { return 4 },
	})
	want := func(wantText string) {
		t.Helper()
		names := []string{"aitbc_block_time_target_seconds", "aitbc_mempool_capacity_txs", "aitbc_mempool_capacity_bytes", "aitbc_head_time_seconds", "aitbc_validator_set_size"}
		if err := testutil.GatherAndCompare(reg, strings.NewReader(wantText), names...); err != nil {
			t.Fatal(err)
		}
	}
	const fixed = `# HELP aitbc_block_time_target_seconds Configured BLOCK_TIME: the longest intended interval between blocks.
# TYPE aitbc_block_time_target_seconds gauge
aitbc_block_time_target_seconds 0.25
# HELP aitbc_mempool_capacity_bytes Configured mempool capacity in bytes (MEMPOOL_MAX_BYTES).
# TYPE aitbc_mempool_capacity_bytes gauge
aitbc_mempool_capacity_bytes 1.048576e+06
# HELP aitbc_mempool_capacity_txs Configured mempool capacity in transactions (MEMPOOL_MAX_TXS).
# TYPE aitbc_mempool_capacity_txs gauge
aitbc_mempool_capacity_txs 5000
# HELP aitbc_validator_set_size Validators in the current set.
# TYPE aitbc_validator_set_size gauge
aitbc_validator_set_size 4
# HELP aitbc_head_time_seconds Header time of the last committed block, Unix seconds (0 before the first block).
# TYPE aitbc_head_time_seconds gauge
`
	want(fixed + "aitbc_head_time_seconds 0\n")
	head = time.UnixMilli(1_700_000_000_250)
	want(fixed + "aitbc_head_time_seconds 1.70000000025e+09\n")
}
