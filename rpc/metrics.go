package rpc

import (
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics of the REST server. Route labels are registered patterns (or
// "unmatched"), so their cardinality is fixed by the route table.
type Metrics struct {
	Requests *prometheus.CounterVec   // aitbc_rpc_requests_total{route,code}
	Duration *prometheus.HistogramVec // aitbc_rpc_request_duration_seconds{route}
	Limited  *prometheus.CounterVec   // aitbc_rpc_limited_requests_total{reason}
}

// NewMetrics creates the RPC metrics and registers them on reg; it panics
// if they are already registered there (a wiring bug).
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := newMetrics()
	reg.MustRegister(m.Requests, m.Duration, m.Limited)
	return m
}

// NopMetrics returns metrics registered nowhere: updates cost a little and
// are never exported.
func NopMetrics() *Metrics { return newMetrics() }

func newMetrics() *Metrics {
	return &Metrics{
		Requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "aitbc_rpc_requests_total",
			Help: "REST requests served, by route pattern and HTTP status code.",
		}, []string{"route", "code"}),
		Duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "aitbc_rpc_request_duration_seconds",
			Help:    "REST request latency from routing to the last byte written, by route pattern.",
			Buckets: []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
		}, []string{"route"}),
		Limited: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "aitbc_rpc_limited_requests_total",
			Help: "REST requests refused by a limit before reaching a handler, by reason (the error code: rate_limited, too_many_connections, body_too_large, busy).",
		}, []string{"reason"}),
	}
}

// observeRequest records one finished request.
func (m *Metrics) observeRequest(route string, status int, d time.Duration) {
	m.Requests.WithLabelValues(route, strconv.Itoa(status)).Inc()
	m.Duration.WithLabelValues(route).Observe(d.Seconds())
}
