//go:build !cuda

package main

import "aitbc/gpu/health"

func buildTags() string { return "default (no cuda)" }

// gpuSummary says what NVML sees even though this build cannot use it, so
// an operator on a GPU host knows to build with `make cuda`.
func gpuSummary() string {
	h := health.Probe(0)
	seen := h.Reason
	if h.Present {
		seen = h.Name
	}
	return "not used: built without the cuda tag; signatures are checked on the CPU (NVML: " + seen + ")"
}
