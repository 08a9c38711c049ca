package gpu

import (
	"context"
	"slices"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"aitbc/internal/metricstest"
)

// TestMetricsLint: the sigverify metrics exist under their documented
// names and pass promlint (the checks promtool runs).
func TestMetricsLint(t *testing.T) {
	reg := prometheus.NewPedanticRegistry()
	m := NewMetrics(reg)
	if NewMetrics(reg).Fallbacks != m.Fallbacks {
		t.Fatal("second NewMetrics on one registry did not share the collectors")
	}
	b := newTestBatcher(t, broken{"error"}, NewCPU(1), BatcherConfig{}, m)
	good := newSigner(t, 30).item(5)
	bad := Item{PubKey: good.PubKey, Msg: good.Msg, Sig: flipBit(good.Sig, 1)}
	if _, err := b.VerifyAll(context.Background(), []Item{good, bad}); err != nil {
		t.Fatal(err)
	}
	mfs := metricstest.Gather(t, reg)
	var names []string
	for _, mf := range mfs {
		names = append(names, mf.GetName())
	}
	want := []string{
		"aitbc_sigverify_backend_info",
		"aitbc_sigverify_batch_duration_seconds",
		"aitbc_sigverify_batch_size",
		"aitbc_sigverify_fallbacks_total",
		"aitbc_sigverify_queue_depth",
		"aitbc_sigverify_verifications_total",
	}
	if !slices.Equal(names, want) {
		t.Errorf("metric names %v, want %v", names, want)
	}
	metricstest.Lint(t, mfs)
}
