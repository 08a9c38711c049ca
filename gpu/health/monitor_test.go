package health

import (
	"context"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"

	"aitbc/internal/logtest"
	"aitbc/internal/metricstest"
	"aitbc/internal/wait"

	"github.com/prometheus/client_golang/prometheus"
)

// scriptedProbe returns its readings in order, repeating the last one.
type scriptedProbe struct {
	mu    sync.Mutex
	reads []Device
	calls int
}

func (p *scriptedProbe) probe(int) Device {
	p.mu.Lock()
	defer p.mu.Unlock()
	h := p.reads[min(p.calls, len(p.reads)-1)]
	p.calls++
	return h
}

func (p *scriptedProbe) count() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.calls
}

func reading(tempC, ecc uint64, reason string) Device {
	return Device{Present: true, Name: "NVIDIA H100 80GB HBM3", UtilizationPct: 50,
		MemoryUsedBytes: 2 << 30, MemoryTotalBytes: 80 << 30, TemperatureC: tempC,
		PowerMilliwatts: 350_000, ECCErrors: ecc, Reason: reason}
}

func testLogger(t *testing.T) *slog.Logger {
	return logtest.New(t, slog.LevelInfo)
}

// TestHealthMonitorVerdicts: overheating is temporary; ECC errors and a
// lost device retire the GPU for good.
func TestHealthMonitorVerdicts(t *testing.T) {
	tests := []struct {
		name  string
		reads []Device
		want  []bool // Healthy after each poll
	}{
		{"absent", []Device{{Reason: "no GPU"}}, []bool{false, false}},
		{"steady", []Device{reading(40, 0, "")}, []bool{true, true, true}},
		{"hot then cool", []Device{reading(40, 0, ""), reading(95, 0, ""), reading(70, 0, "")}, []bool{true, false, true}},
		{"ecc is sticky", []Device{reading(40, 0, ""), reading(40, 1, ""), reading(40, 0, "")}, []bool{true, false, false}},
		{"lost is sticky", []Device{reading(40, 0, ""), reading(0, 0, "device lost"), reading(40, 0, "")}, []bool{true, false, false}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := &scriptedProbe{reads: tt.reads}
			hm := NewMonitor(Config{Probe: p.probe, Logger: testLogger(t)}, nil)
			if hm.Healthy() {
				t.Fatal("healthy before the first poll")
			}
			var got []bool
			for range tt.want {
				h := hm.Poll()
				if h.Healthy != hm.Healthy() || h.Healthy != hm.Last().Healthy {
					t.Fatalf("Poll, Healthy and Last disagree: %+v", h)
				}
				if h.Healthy == (h.Reason != "") {
					t.Fatalf("healthy=%v with reason %q", h.Healthy, h.Reason)
				}
				got = append(got, h.Healthy)
			}
			if !slices.Equal(got, tt.want) {
				t.Fatalf("healthy after each poll = %v, want %v (last %+v)", got, tt.want, hm.Last())
			}
		})
	}
}

// TestHealthMonitorRun: Run polls at once, then every Interval, and stops
// with its ctx.
func TestHealthMonitorRun(t *testing.T) {
	p := &scriptedProbe{reads: []Device{reading(40, 0, "")}}
	hm := NewMonitor(Config{Probe: p.probe, Interval: time.Millisecond, Logger: testLogger(t)}, nil)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { hm.Run(ctx); close(done) }()
	wait.Until(t, "three polls", 10*time.Second, func() bool { return p.count() >= 3 })
	cancel()
	<-done
	n := p.count()
	if !hm.Healthy() {
		t.Fatalf("not healthy after polls: %+v", hm.Last())
	}
	if p.count() != n {
		t.Fatal("polled after Run returned")
	}
}

// TestGPUMetricsLint: the aitbc_gpu_* metrics exist under their documented
// names, carry the last reading in base units, and pass promlint.
func TestGPUMetricsLint(t *testing.T) {
	reg := prometheus.NewPedanticRegistry()
	m := NewMetrics(reg)
	if NewMetrics(reg).Healthy != m.Healthy {
		t.Fatal("second NewMetrics on one registry did not share the collectors")
	}
	p := &scriptedProbe{reads: []Device{reading(95, 0, "")}}
	NewMonitor(Config{Probe: p.probe, Logger: testLogger(t)}, m).Poll()

	for _, c := range []struct {
		g    prometheus.Gauge
		want float64
	}{
		{m.Utilization, 0.5}, {m.MemoryUsedBytes, 2 << 30}, {m.MemoryTotalBytes, 80 << 30},
		{m.Temperature, 95}, {m.Power, 350}, {m.ECCErrors, 0}, {m.Healthy, 0},
		{m.Info.WithLabelValues("NVIDIA H100 80GB HBM3"), 1},
	} {
		if got := metricValue(t, c.g); got != c.want {
			t.Errorf("%s = %v, want %v", c.g.Desc(), got, c.want)
		}
	}
	mfs := metricstest.Gather(t, reg)
	var names []string
	for _, mf := range mfs {
		names = append(names, mf.GetName())
	}
	want := []string{
		"aitbc_gpu_ecc_uncorrected_errors",
		"aitbc_gpu_healthy",
		"aitbc_gpu_info",
		"aitbc_gpu_memory_total_bytes",
		"aitbc_gpu_memory_used_bytes",
		"aitbc_gpu_power_watts",
		"aitbc_gpu_temperature_celsius",
		"aitbc_gpu_utilization_ratio",
	}
	if !slices.Equal(names, want) {
		t.Errorf("metric names %v, want %v", names, want)
	}
	metricstest.Lint(t, mfs)
}
