//go:build !cuda

package main

func buildTags() string { return "default (no cuda)" }

func gpuSummary() string {
	return "not used: built without the cuda tag; signatures are checked on the CPU"
}
