package health

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// Config configures a Monitor. A zero field means its default.
type Config struct {
	// Device is the NVML device index. Default 0.
	Device int
	// Interval between polls. Default 10s.
	Interval time.Duration
	// Limits a reading must stay within. Default DefaultLimits().
	Limits Limits
	// Probe reads the device; default readNVML (through NVML). Tests
	// inject a twin.
	Probe func(device int) Device
	// Logger gets one line per change of health; default slog.Default().
	Logger *slog.Logger
}

func (c Config) withDefaults() Config {
	if c.Interval <= 0 {
		c.Interval = 10 * time.Second
	}
	if c.Limits == (Limits{}) {
		c.Limits = DefaultLimits()
	}
	if c.Probe == nil {
		c.Probe = readNVML
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return c
}

// Monitor polls one GPU, exports its readings as aitbc_gpu_*
// metrics and decides whether the node may use it. A device that was lost
// or reported uncorrected ECC errors stays out of service until the node
// restarts (both mean its results can no longer be trusted); one that was
// only too hot returns once a reading is back within the limits.
type Monitor struct {
	cfg Config
	m   *Metrics

	mu      sync.Mutex
	last    Device
	retired string // sticky reason; empty while the device may be used
	polled  bool
}

// NewMonitor returns a monitor that has not polled yet; Healthy is
// false until the first Poll. m may be nil (no metrics).
func NewMonitor(cfg Config, m *Metrics) *Monitor {
	if m == nil {
		m = NopMetrics()
	}
	return &Monitor{cfg: cfg.withDefaults(), m: m}
}

// Poll reads the device now, updates the verdict and the metrics, and
// returns the reading with the verdict applied.
func (hm *Monitor) Poll() Device {
	h := hm.cfg.Limits.Judge(hm.cfg.Probe(hm.cfg.Device))

	hm.mu.Lock()
	wasHealthy := hm.polled && hm.last.Healthy
	if hm.retired == "" && h.Present && !h.Healthy && (h.Reason == reasonLost || h.ECCErrors > hm.cfg.Limits.MaxECCErrors) {
		hm.retired = h.Reason
	}
	if hm.retired != "" {
		h.Healthy, h.Reason = false, "retired: "+hm.retired
	}
	first := !hm.polled
	hm.last, hm.polled = h, true
	hm.mu.Unlock()

	hm.m.observe(h)
	if first || wasHealthy != h.Healthy {
		hm.cfg.Logger.Info("gpu health", "device", hm.cfg.Device, "healthy", h.Healthy,
			"reason", h.Reason, "name", h.Name)
	}
	return h
}

// Run polls every Interval until ctx is done, starting with one poll now.
func (hm *Monitor) Run(ctx context.Context) {
	hm.Poll()
	t := time.NewTicker(hm.cfg.Interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			hm.Poll()
		}
	}
}

// Healthy reports whether the last poll found the device usable.
func (hm *Monitor) Healthy() bool {
	hm.mu.Lock()
	defer hm.mu.Unlock()
	return hm.last.Healthy
}

// Last returns the last reading (zero before the first poll).
func (hm *Monitor) Last() Device {
	hm.mu.Lock()
	defer hm.mu.Unlock()
	return hm.last
}
