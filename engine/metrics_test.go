package engine

import (
	"runtime"
	"testing"
	"time"

	"aitbc/engine/types"
	"aitbc/internal/metricstest"
	"aitbc/internal/wait"

	"github.com/prometheus/client_golang/prometheus"
)

// The pipeline's metrics pass promlint (what promtool checks), and a second
// node on the same registry shares them instead of panicking.
func TestMetricsLint(t *testing.T) {
	reg := prometheus.NewPedanticRegistry()
	m := NewMetrics(reg)
	if NewMetrics(reg).BlocksSynced != m.BlocksSynced {
		t.Fatal("a second NewMetrics on one registry did not share the collectors")
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

// A node with a transport stops every goroutine it started.
func TestPeeredNodeStopLeavesNoGoroutines(t *testing.T) {
	before := runtime.NumGoroutine()
	func() {
		c, n, _ := startPeerNode(t)
		if err := n.HandleTxs("p", []*types.Tx{c.transfer(n, 1, types.Address{1}, 1)}); err != nil {
			t.Fatal(err)
		}
		if err := n.HandleBlockRequest("p", 1, 1); err != nil {
			t.Fatal(err)
		}
		if err := n.Stop(); err != nil {
			t.Fatal(err)
		}
		n.verify.Close()
	}()
	wait.Until(t, "the node's goroutines to end", 20*time.Second, func() bool { return runtime.NumGoroutine() <= before })
}
