// Package health watches the signature GPU through NVML (go-nvml, loaded at
// run time): Probe takes one reading (name, utilization, memory,
// temperature, power, ECC errors, throttle reasons) and judges it against
// Limits; Monitor polls, exports the aitbc_gpu_* metrics and says whether
// the device may be used. No driver or library means Present=false with
// reason "no GPU", never an error. gpu.NewGuarded turns Monitor.Healthy
// into batch failures, so the Batcher falls back to the CPU.
package health
