package gpu

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"
)

// ErrUnhealthy: the GPU was taken out of service by its HealthMonitor; a
// Guarded verifier returns it (wrapped) so the Batcher falls back to the
// CPU and counts the fallback.
var ErrUnhealthy = errors.New("gpu: device unhealthy")

// HealthConfig configures a HealthMonitor. A zero field means its default.
type HealthConfig struct {
	// Device is the NVML device index. Default 0.
	Device int
	// Interval between polls. Default 10s.
	Interval time.Duration
	// Limits a reading must stay within. Default DefaultHealthLimits().
	Limits HealthLimits
	// Probe reads the device; default readNVML (through NVML). Tests
	// inject a twin.
	Probe func(device int) DeviceHealth
	// Logger gets one line per change of health; default slog.Default().
	Logger *slog.Logger
}

func (c HealthConfig) withDefaults() HealthConfig {
	if c.Interval <= 0 {
		c.Interval = 10 * time.Second
	}
	if c.Limits == (HealthLimits{}) {
		c.Limits = DefaultHealthLimits()
	}
	if c.Probe == nil {
		c.Probe = readNVML
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return c
}

// HealthMonitor polls one GPU, exports its readings as aitbc_gpu_*
// metrics and decides whether the node may use it. A device that was lost
// or reported uncorrected ECC errors stays out of service until the node
// restarts (both mean its results can no longer be trusted); one that was
// only too hot returns once a reading is back within the limits.
type HealthMonitor struct {
	cfg HealthConfig
	m   *GPUMetrics

	mu      sync.Mutex
	last    DeviceHealth
	retired string // sticky reason; empty while the device may be used
	polled  bool
}

// NewHealthMonitor returns a monitor that has not polled yet; Healthy is
// false until the first Poll. m may be nil (no metrics).
func NewHealthMonitor(cfg HealthConfig, m *GPUMetrics) *HealthMonitor {
	if m == nil {
		m = NopGPUMetrics()
	}
	return &HealthMonitor{cfg: cfg.withDefaults(), m: m}
}

// Poll reads the device now, updates the verdict and the metrics, and
// returns the reading with the verdict applied.
func (hm *HealthMonitor) Poll() DeviceHealth {
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
func (hm *HealthMonitor) Run(ctx context.Context) {
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
func (hm *HealthMonitor) Healthy() bool {
	hm.mu.Lock()
	defer hm.mu.Unlock()
	return hm.last.Healthy
}

// Last returns the last reading (zero before the first poll).
func (hm *HealthMonitor) Last() DeviceHealth {
	hm.mu.Lock()
	defer hm.mu.Unlock()
	return hm.last
}

// guarded is a Verifier that refuses work while its device is unhealthy.
type guarded struct {
	primary Verifier
	healthy func() bool
}

// NewGuarded wraps primary so that VerifyBatch fails with an error
// wrapping ErrUnhealthy whenever healthy() is false, without touching the
// device. In a Batcher with a CPU fallback, that sends every batch to the
// CPU (counted in aitbc_sigverify_fallbacks_total) for as long as the
// device is out of service. healthy is typically HealthMonitor.Healthy.
func NewGuarded(primary Verifier, healthy func() bool) Verifier {
	return &guarded{primary: primary, healthy: healthy}
}

func (g *guarded) Name() string { return g.primary.Name() }

func (g *guarded) VerifyBatch(ctx context.Context, items []Item) ([]bool, error) {
	if !g.healthy() {
		return nil, fmt.Errorf("%w: %s taken out of service", ErrUnhealthy, g.primary.Name())
	}
	return g.primary.VerifyBatch(ctx, items)
}

// Close closes the primary if it is an io.Closer (the CUDA verifier).
func (g *guarded) Close() error {
	if c, ok := g.primary.(interface{ Close() error }); ok {
		return c.Close()
	}
	return nil
}
