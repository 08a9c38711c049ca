//go:build cuda

package main

import (
	"errors"
	"fmt"
	"strings"

	"aitbc/gpu"
	"aitbc/gpu/health"
)

func buildTags() string { return "cuda (kernels for sm_80, sm_90 + PTX)" }

// gpuSummary says what the CUDA runtime and NVML see. Without a device the
// runtime's error (100, no device) is reported and the node would use the
// CPU: nothing here may fail or crash.
func gpuSummary() string {
	names, err := gpu.CUDADevices()
	var ce *gpu.CUDAError
	switch {
	case errors.As(err, &ce):
		return fmt.Sprintf("none (CUDA error %d: %s); signatures are checked on the CPU", ce.Code, ce.Msg)
	case err != nil:
		return fmt.Sprintf("none (%v); signatures are checked on the CPU", err)
	}
	h := health.Probe(0)
	health := "NVML: " + h.Reason
	if h.Healthy {
		health = fmt.Sprintf("NVML: healthy, %d°C, %d/%d MiB used", h.TemperatureC,
			h.MemoryUsedBytes>>20, h.MemoryTotalBytes>>20)
	}
	return fmt.Sprintf("%d CUDA device(s): %s; device 0 %s", len(names), strings.Join(names, ", "), health)
}
