package ws

import "github.com/prometheus/client_golang/prometheus"

// Metrics of the WebSocket server.
type Metrics struct {
	Connections  prometheus.Gauge       // aitbc_ws_connections
	MessagesSent *prometheus.CounterVec // aitbc_ws_messages_sent_total{topic}
	Dropped      prometheus.Counter     // aitbc_ws_dropped_clients_total
	Rejected     *prometheus.CounterVec // aitbc_ws_rejected_connections_total{reason}
}

// NewMetrics creates the metrics and registers them on reg; it panics if
// they are already registered there (a wiring bug).
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := newMetrics()
	reg.MustRegister(m.Connections, m.MessagesSent, m.Dropped, m.Rejected)
	return m
}

// NopMetrics returns metrics registered nowhere.
func NopMetrics() *Metrics { return newMetrics() }

func newMetrics() *Metrics {
	return &Metrics{
		Connections: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "aitbc_ws_connections",
			Help: "Open WebSocket connections.",
		}),
		MessagesSent: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "aitbc_ws_messages_sent_total",
			Help: "Topic messages handed to subscriber connections, by topic.",
		}, []string{"topic"}),
		Dropped: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "aitbc_ws_dropped_clients_total",
			Help: "Subscribers closed because their outbound queue was full.",
		}),
		Rejected: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "aitbc_ws_rejected_connections_total",
			Help: "Upgrade requests refused by a connection cap, by reason (max_conns: the server's, max_conns_per_addr: one source address's).",
		}, []string{"reason"}),
	}
}
