package rpc

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"aitbc/internal/metricstest"
)

func TestMetricsLabelsAndLint(t *testing.T) {
	f := newFixture(t)
	reg := prometheus.NewPedanticRegistry()
	srv := startServer(t, f.b, NewMetrics(reg))
	call(t, srv, "GET", "/rpc/get_block/1", "")
	call(t, srv, "GET", "/rpc/get_block/99", "")
	call(t, srv, "GET", "/rpc/blocks/1", "")
	call(t, srv, "GET", "/no/such/route/12345", "")
	call(t, srv, "GET", "/rpc/send_tx", "")

	mfs := metricstest.Gather(t, reg)
	counts := map[[2]string]float64{}
	var histograms int
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			labels := map[string]string{}
			for _, lp := range m.GetLabel() {
				labels[lp.GetName()] = lp.GetValue()
			}
			switch mf.GetName() {
			case "aitbc_rpc_requests_total":
				counts[[2]string{labels["route"], labels["code"]}] += m.GetCounter().GetValue()
			case "aitbc_rpc_request_duration_seconds":
				histograms += int(m.GetHistogram().GetSampleCount())
			}
		}
	}
	want := map[[2]string]float64{
		{"GET /rpc/get_block/{height}", "200"}: 1,
		{"GET /rpc/get_block/{height}", "404"}: 1,
		{"GET /rpc/blocks/{height}", "200"}:    1,
		{"unmatched", "404"}:                   1,
		{"unmatched", "405"}:                   1,
	}
	for k, v := range want {
		if counts[k] != v {
			t.Errorf("requests{route=%q,code=%q} = %v, want %v (all: %v)", k[0], k[1], counts[k], v, counts)
		}
	}
	if len(counts) != len(want) {
		t.Errorf("unexpected label sets: %v", counts)
	}
	if histograms != 5 {
		t.Errorf("duration samples = %d, want 5", histograms)
	}

	metricstest.Lint(t, mfs)
}

func TestNopMetricsUnregistered(t *testing.T) {
	reg := prometheus.NewRegistry()
	NewMetrics(reg) // the real ones register once...
	m := NopMetrics()
	if err := reg.Register(m.Requests); err == nil {
		t.Fatal("NopMetrics should collide with, not join, a registry that has the real ones")
	}
	m.observeRequest("x", 200, 0) // ...and the no-op ones still accept updates
}
