package ingest

import (
	"testing"

	"aitbc/engine/metrics"

	dto "github.com/prometheus/client_model/go"
)

// testCounter reads the relay drop counter.
func testCounter(t *testing.T, m *metrics.Metrics) float64 {
	t.Helper()
	var d dto.Metric
	if err := m.PeerDrops.WithLabelValues("relay").Write(&d); err != nil {
		t.Fatal(err)
	}
	return d.GetCounter().GetValue()
}
