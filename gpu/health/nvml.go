package health

import (
	"errors"
	"fmt"
	"sync"

	"github.com/NVIDIA/go-nvml/pkg/nvml"
)

// Device is one NVML reading of a GPU and the verdict on it.
type Device struct {
	// Present: NVML is loaded and the device index exists.
	Present bool
	// Name is the marketing name, e.g. "NVIDIA H100 80GB HBM3".
	Name string
	// UtilizationPct is the percent of time a kernel ran over NVML's last
	// sample period.
	UtilizationPct   uint64
	MemoryUsedBytes  uint64
	MemoryTotalBytes uint64
	TemperatureC     uint64
	PowerMilliwatts  uint64
	// ECCErrors counts uncorrected ECC errors since the driver loaded
	// (NVML's volatile counter); 0 where ECC is unsupported or off.
	ECCErrors uint64
	// ThrottleReasons names the active clock event reasons, e.g.
	// "hw_thermal_slowdown"; "gpu_idle" alone is normal.
	ThrottleReasons []string
	// Healthy: present and within Limits; false means the node
	// must not use the device.
	Healthy bool
	// Reason says why the device is unhealthy ("no GPU", "device lost",
	// ...); empty when Healthy.
	Reason string
}

// Limits are what a reading must stay within to be healthy.
type Limits struct {
	// MaxTemperatureC: hotter is unhealthy. Default 90 (H100/A100 slow
	// down around 85-90 and shut down near 95).
	MaxTemperatureC uint64
	// MaxECCErrors: more uncorrected ECC errors are unhealthy. Default 0:
	// one uncorrected error means memory that can no longer be trusted to
	// hold a verdict.
	MaxECCErrors uint64
}

// DefaultLimits returns the defaults spelled out.
func DefaultLimits() Limits { return Limits{MaxTemperatureC: 90} }

// Reasons a device is unhealthy, as they appear in Device.Reason.
const (
	reasonNoGPU = "no GPU"
	reasonLost  = "device lost"
)

// Probe reads device (an NVML index) once and judges it against
// DefaultLimits. With no NVIDIA driver or library, or no such
// device, it returns Present false and Reason "no GPU"; it never fails or
// panics.
func Probe(device int) Device {
	return DefaultLimits().Judge(readNVML(device))
}

// Judge returns h with Healthy and Reason set from the readings: absent,
// lost, too many ECC errors or too hot is unhealthy. A reason already set
// by the reading (e.g. "device lost") is kept.
func (l Limits) Judge(h Device) Device {
	switch {
	case !h.Present:
		if h.Reason == "" {
			h.Reason = reasonNoGPU
		}
	case h.Reason != "":
	case h.ECCErrors > l.MaxECCErrors:
		h.Reason = fmt.Sprintf("%d uncorrected ECC errors (limit %d)", h.ECCErrors, l.MaxECCErrors)
	case l.MaxTemperatureC > 0 && h.TemperatureC > l.MaxTemperatureC:
		h.Reason = fmt.Sprintf("temperature %d°C above %d°C", h.TemperatureC, l.MaxTemperatureC)
	}
	h.Healthy = h.Reason == ""
	return h
}

// nvmlLib is the process-wide NVML handle. NVML is initialised once, on
// first use, and kept: Init/Shutdown per probe would reload the driver's
// state every poll.
var nvmlLib = struct {
	once sync.Once
	lib  nvml.Interface
	err  error
}{}

// openNVML loads libnvidia-ml (dlopen) and initialises it, once.
func openNVML() (nvml.Interface, error) {
	nvmlLib.once.Do(func() {
		lib := nvml.New()
		if err := nvmlInit(lib); err != nil {
			nvmlLib.err = err
			return
		}
		nvmlLib.lib = lib
	})
	return nvmlLib.lib, nvmlLib.err
}

// nvmlInit calls lib.Init, turning a panic in the loader into an error:
// the probe must never take the node down.
func nvmlInit(lib nvml.Interface) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("nvml init panicked: %v", r)
		}
	}()
	if ret := lib.Init(); ret != nvml.SUCCESS {
		return fmt.Errorf("nvml init: %w", nvmlError(ret))
	}
	return nil
}

func nvmlError(ret nvml.Return) error {
	// Return.Error() calls into the library for the text, which is
	// absent when loading it failed.
	if ret == nvml.ERROR_LIBRARY_NOT_FOUND {
		return errors.New("libnvidia-ml not found")
	}
	return fmt.Errorf("nvml error %d: %s", int32(ret), ret.Error())
}

// readNVML reads device through the process-wide NVML handle.
func readNVML(device int) Device {
	lib, err := openNVML()
	if err != nil {
		return Device{Reason: reasonNoGPU}
	}
	return readDevice(lib, device)
}

// readDevice fills the readings of device from lib. A reading the device
// does not support stays 0; ERROR_GPU_IS_LOST on any of them marks the
// device lost. Healthy is left for Judge.
func readDevice(lib nvml.Interface, device int) (h Device) {
	defer func() {
		if r := recover(); r != nil {
			h = Device{Reason: fmt.Sprintf("%s: nvml panicked: %v", reasonNoGPU, r)}
		}
	}()
	if count, ret := lib.DeviceGetCount(); ret != nvml.SUCCESS || device < 0 || device >= count {
		return Device{Reason: reasonNoGPU}
	}
	dev, ret := lib.DeviceGetHandleByIndex(device)
	if ret != nvml.SUCCESS {
		if ret == nvml.ERROR_GPU_IS_LOST {
			return Device{Present: true, Reason: reasonLost}
		}
		return Device{Reason: reasonNoGPU}
	}
	h.Present = true
	lost := false
	check := func(ret nvml.Return) bool {
		lost = lost || ret == nvml.ERROR_GPU_IS_LOST
		return ret == nvml.SUCCESS
	}
	if name, ret := dev.GetName(); check(ret) {
		h.Name = name
	}
	if u, ret := dev.GetUtilizationRates(); check(ret) {
		h.UtilizationPct = uint64(u.Gpu)
	}
	if m, ret := dev.GetMemoryInfo(); check(ret) {
		h.MemoryUsedBytes, h.MemoryTotalBytes = m.Used, m.Total
	}
	if t, ret := dev.GetTemperature(nvml.TEMPERATURE_GPU); check(ret) {
		h.TemperatureC = uint64(t)
	}
	if p, ret := dev.GetPowerUsage(); check(ret) {
		h.PowerMilliwatts = uint64(p)
	}
	if n, ret := dev.GetTotalEccErrors(nvml.MEMORY_ERROR_TYPE_UNCORRECTED, nvml.VOLATILE_ECC); check(ret) {
		h.ECCErrors = n
	}
	if mask, ret := dev.GetCurrentClocksEventReasons(); check(ret) {
		h.ThrottleReasons = ThrottleReasonNames(mask)
	}
	if lost {
		h.Reason = reasonLost
	}
	return h
}

// throttleReasons names NVML's clock event reason bits, in bit order.
var throttleReasons = []struct {
	bit  uint64
	name string
}{
	{nvml.ClocksEventReasonGpuIdle, "gpu_idle"},
	{nvml.ClocksEventReasonApplicationsClocksSetting, "applications_clocks_setting"},
	{nvml.ClocksEventReasonSwPowerCap, "sw_power_cap"},
	{nvml.ClocksThrottleReasonHwSlowdown, "hw_slowdown"},
	{nvml.ClocksEventReasonSyncBoost, "sync_boost"},
	{nvml.ClocksEventReasonSwThermalSlowdown, "sw_thermal_slowdown"},
	{nvml.ClocksThrottleReasonHwThermalSlowdown, "hw_thermal_slowdown"},
	{nvml.ClocksThrottleReasonHwPowerBrakeSlowdown, "hw_power_brake_slowdown"},
	{nvml.ClocksEventReasonDisplayClockSetting, "display_clock_setting"},
}

// ThrottleReasonNames turns an NVML clock event reason mask into names;
// bits it does not know appear as "0x..." so nothing is hidden.
func ThrottleReasonNames(mask uint64) []string {
	var names []string
	for _, r := range throttleReasons {
		if mask&r.bit != 0 {
			names = append(names, r.name)
			mask &^= r.bit
		}
	}
	if mask != 0 {
		names = append(names, fmt.Sprintf("%#x", mask))
	}
	return names
}
