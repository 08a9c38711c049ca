package gpu

import (
	"context"
	"errors"
	"fmt"
)

// ErrUnhealthy: the GPU was taken out of service by its health.Monitor; a
// Guarded verifier returns it (wrapped) so the Batcher falls back to the
// CPU and counts the fallback.
var ErrUnhealthy = errors.New("gpu: device unhealthy")

// guarded is a Verifier that refuses work while its device is unhealthy.
type guarded struct {
	primary Verifier
	healthy func() bool
}

// NewGuarded wraps primary so that VerifyBatch fails with an error
// wrapping ErrUnhealthy whenever healthy() is false, without touching the
// device. In a Batcher with a CPU fallback, that sends every batch to the
// CPU (counted in aitbc_sigverify_fallbacks_total) for as long as the
// device is out of service. healthy is typically health.Monitor.Healthy.
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
