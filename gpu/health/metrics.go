package health

import (
	"aitbc/observability"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the NVML readings of the monitored device. A
// Monitor updates them on every poll.
type Metrics struct {
	Utilization      prometheus.Gauge     // aitbc_gpu_utilization_ratio, 0..1
	MemoryUsedBytes  prometheus.Gauge     // aitbc_gpu_memory_used_bytes
	MemoryTotalBytes prometheus.Gauge     // aitbc_gpu_memory_total_bytes
	Temperature      prometheus.Gauge     // aitbc_gpu_temperature_celsius
	Power            prometheus.Gauge     // aitbc_gpu_power_watts
	ECCErrors        prometheus.Gauge     // aitbc_gpu_ecc_uncorrected_errors
	Healthy          prometheus.Gauge     // aitbc_gpu_healthy, 1 or 0
	Info             *prometheus.GaugeVec // aitbc_gpu_info{name}, always 1
}

// NewMetrics creates the metrics and registers them with reg (none if
// reg is nil); collectors already registered under the same names are
// shared.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := newMetrics()
	if reg != nil {
		observability.RegisterFields(reg, m)
	}
	return m
}

// NopMetrics returns metrics that are registered nowhere.
func NopMetrics() *Metrics { return newMetrics() }

func newMetrics() *Metrics {
	const ns, sub = "aitbc", "gpu"
	gauge := func(name, help string) prometheus.Gauge {
		return prometheus.NewGauge(prometheus.GaugeOpts{Namespace: ns, Subsystem: sub, Name: name, Help: help})
	}
	return &Metrics{
		Utilization:      gauge("utilization_ratio", "Fraction of the last NVML sample period a kernel was running."),
		MemoryUsedBytes:  gauge("memory_used_bytes", "Device memory in use."),
		MemoryTotalBytes: gauge("memory_total_bytes", "Device memory in total."),
		Temperature:      gauge("temperature_celsius", "GPU core temperature."),
		Power:            gauge("power_watts", "Power draw of the board."),
		// A gauge, not a counter: NVML's volatile count resets when the
		// driver reloads, and the node only mirrors it.
		ECCErrors: gauge("ecc_uncorrected_errors", "Uncorrected ECC errors since the driver loaded (NVML volatile count)."),
		Healthy:   gauge("healthy", "1 if the node may use the GPU, 0 if absent or taken out of service."),
		Info: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Namespace: ns, Subsystem: sub, Name: "info",
			Help: "The monitored GPU's name (value is always 1).",
		}, []string{"name"}),
	}
}

// observe mirrors one reading.
func (m *Metrics) observe(h Device) {
	m.Utilization.Set(float64(h.UtilizationPct) / 100)
	m.MemoryUsedBytes.Set(float64(h.MemoryUsedBytes))
	m.MemoryTotalBytes.Set(float64(h.MemoryTotalBytes))
	m.Temperature.Set(float64(h.TemperatureC))
	m.Power.Set(float64(h.PowerMilliwatts) / 1000)
	m.ECCErrors.Set(float64(h.ECCErrors))
	healthy := 0.0
	if h.Healthy {
		healthy = 1
	}
	m.Healthy.Set(healthy)
	if h.Present && h.Name != "" {
		m.Info.Reset() // one device, one name
		m.Info.WithLabelValues(h.Name).Set(1)
	}
}
