package metrics

import (
	"testing"

	"aitbc/internal/metricstest"

	"github.com/prometheus/client_golang/prometheus"
)

// The pipeline's metrics pass promlint (what promtool checks), and a second
// node on the same registry shares them instead of panicking.
func TestMetricsLint(t *testing.T) {
	reg := prometheus.NewPedanticRegistry()
	m := New(reg)
	if New(reg).BlocksSynced != m.BlocksSynced {
		t.Fatal("a second New on one registry did not share the collectors")
	}
	m.TxsRejected.WithLabelValues("invalid").Inc()
	m.PeerMessages.WithLabelValues("vote").Inc()
	m.PeerDrops.WithLabelValues("consensus").Inc()
	m.Penalties.WithLabelValues("bad_signature").Inc()
	mfs := metricstest.Gather(t, reg)
	if len(mfs) < 20 {
		t.Fatalf("%d metric families gathered", len(mfs))
	}
	metricstest.Lint(t, mfs)
}
