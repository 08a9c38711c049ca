package main

import (
	"context"
	"errors"
	"log/slog"
	"testing"
	"time"

	"aitbc/gpu"
	"aitbc/internal/config"
)

// fakeGPU stands in for the CUDA backend (the name is what start checks):
// it accepts every signature after a fixed delay per call, or fails.
type fakeGPU struct {
	delay time.Duration
	fail  error
}

func (fakeGPU) Name() string { return "cuda" }

func (f fakeGPU) VerifyBatch(_ context.Context, items []gpu.Item) ([]bool, error) {
	time.Sleep(f.delay)
	if f.fail != nil {
		return nil, f.fail
	}
	ok := make([]bool, len(items))
	for i := range ok {
		ok[i] = true
	}
	return ok, nil
}

// TestMinGPUBatch: GPU_MIN_BATCH=0 measures where the GPU overtakes the
// CPU and sends smaller batches to the CPU; a GPU that never overtakes it,
// or fails while measured, is replaced by the CPU; a configured value is
// used as it is; the CPU backend needs no threshold.
func TestMinGPUBatch(t *testing.T) {
	log := slog.New(slog.DiscardHandler)
	cfg := config.DefaultConfig()
	cfg.GPUBatchSize = 256
	cpu := gpu.NewCPU(0)
	for _, tc := range []struct {
		name     string
		gpu      gpu.Verifier
		minBatch int
		want     int
		primary  string
	}{
		{"instant GPU wins from the smallest size", fakeGPU{}, 0, gpu.DefaultCrossoverSizes[0], "cuda"},
		{"a GPU slower at every size is not used", fakeGPU{delay: 40 * time.Millisecond}, 0, 0, "cpu"},
		{"a GPU failing the measurement is not used", fakeGPU{fail: errors.New("device lost")}, 0, 0, "cpu"},
		{"GPU_MIN_BATCH is taken as configured", fakeGPU{}, 100, 100, "cuda"},
		{"the CPU backend has no threshold", cpu, 0, 0, "cpu"},
	} {
		sv := &sigverify{primary: tc.gpu, fallback: cpu}
		c := cfg
		c.GPUMinBatch = tc.minBatch
		if got := sv.minGPUBatch(context.Background(), c, log); got != tc.want || sv.primary.Name() != tc.primary {
			t.Errorf("%s: MinPrimaryBatch %d with primary %s; want %d with %s", tc.name, got, sv.primary.Name(), tc.want, tc.primary)
		}
	}
}
