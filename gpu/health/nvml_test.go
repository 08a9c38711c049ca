package health

import (
	"slices"
	"strings"
	"testing"

	"github.com/NVIDIA/go-nvml/pkg/nvml"
	"github.com/NVIDIA/go-nvml/pkg/nvml/mock"
)

// fakeDevice is an NVML device with the readings of a healthy H100; tests
// change one field at a time. ret is returned by every query.
type fakeDevice struct {
	name      string
	util      uint32
	used, tot uint64
	tempC     uint32
	powerMW   uint32
	ecc       uint64
	eccRet    nvml.Return
	reasons   uint64
	ret       nvml.Return
}

func healthyH100() fakeDevice {
	return fakeDevice{name: "NVIDIA H100 80GB HBM3", util: 37, used: 1 << 30, tot: 80 << 30,
		tempC: 41, powerMW: 71_500, reasons: nvml.ClocksEventReasonGpuIdle}
}

// lib returns an nvml.Interface (go-nvml's own mock) with one device.
func (f fakeDevice) lib() nvml.Interface {
	dev := &mock.Device{
		GetNameFunc:                      func() (string, nvml.Return) { return f.name, f.ret },
		GetUtilizationRatesFunc:          func() (nvml.Utilization, nvml.Return) { return nvml.Utilization{Gpu: f.util}, f.ret },
		GetMemoryInfoFunc:                func() (nvml.Memory, nvml.Return) { return nvml.Memory{Used: f.used, Total: f.tot}, f.ret },
		GetTemperatureFunc:               func(nvml.TemperatureSensors) (uint32, nvml.Return) { return f.tempC, f.ret },
		GetPowerUsageFunc:                func() (uint32, nvml.Return) { return f.powerMW, f.ret },
		GetCurrentClocksEventReasonsFunc: func() (uint64, nvml.Return) { return f.reasons, f.ret },
		GetTotalEccErrorsFunc: func(nvml.MemoryErrorType, nvml.EccCounterType) (uint64, nvml.Return) {
			if f.eccRet != nvml.SUCCESS {
				return 0, f.eccRet
			}
			return f.ecc, f.ret
		},
	}
	return &mock.Interface{
		DeviceGetCountFunc:         func() (int, nvml.Return) { return 1, nvml.SUCCESS },
		DeviceGetHandleByIndexFunc: func(int) (nvml.Device, nvml.Return) { return dev, nvml.SUCCESS },
	}
}

func TestReadDeviceAndJudge(t *testing.T) {
	limits := DefaultLimits()
	tests := []struct {
		name        string
		change      func(*fakeDevice)
		device      int
		wantPresent bool
		wantHealthy bool
		wantReason  string // substring
	}{
		{"healthy", func(*fakeDevice) {}, 0, true, true, ""},
		{"ecc unsupported is not an error", func(f *fakeDevice) { f.eccRet = nvml.ERROR_NOT_SUPPORTED }, 0, true, true, ""},
		{"no such index", func(*fakeDevice) {}, 1, false, false, "no GPU"},
		{"negative index", func(*fakeDevice) {}, -1, false, false, "no GPU"},
		{"uncorrected ecc", func(f *fakeDevice) { f.ecc = 2 }, 0, true, false, "2 uncorrected ECC errors"},
		{"at temperature limit", func(f *fakeDevice) { f.tempC = 90 }, 0, true, true, ""},
		{"overheating", func(f *fakeDevice) { f.tempC = 91 }, 0, true, false, "temperature 91°C above 90°C"},
		{"lost", func(f *fakeDevice) { f.ret = nvml.ERROR_GPU_IS_LOST }, 0, true, false, "device lost"},
		{"lost while hot", func(f *fakeDevice) { f.tempC, f.eccRet = 99, nvml.ERROR_GPU_IS_LOST }, 0, true, false, "device lost"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := healthyH100()
			tt.change(&f)
			h := limits.Judge(readDevice(f.lib(), tt.device))
			if h.Present != tt.wantPresent || h.Healthy != tt.wantHealthy || !strings.Contains(h.Reason, tt.wantReason) ||
				(tt.wantReason == "") != (h.Reason == "") {
				t.Fatalf("got present=%v healthy=%v reason=%q, want %v %v %q",
					h.Present, h.Healthy, h.Reason, tt.wantPresent, tt.wantHealthy, tt.wantReason)
			}
		})
	}
}

func TestReadDeviceReadings(t *testing.T) {
	f := healthyH100()
	f.reasons = nvml.ClocksEventReasonSwPowerCap | nvml.ClocksThrottleReasonHwThermalSlowdown
	h := readDevice(f.lib(), 0)
	want := Device{Present: true, Name: f.name, UtilizationPct: 37, MemoryUsedBytes: 1 << 30,
		MemoryTotalBytes: 80 << 30, TemperatureC: 41, PowerMilliwatts: 71_500,
		ThrottleReasons: []string{"sw_power_cap", "hw_thermal_slowdown"}}
	if h.Name != want.Name || h.UtilizationPct != want.UtilizationPct || h.MemoryUsedBytes != want.MemoryUsedBytes ||
		h.MemoryTotalBytes != want.MemoryTotalBytes || h.TemperatureC != want.TemperatureC ||
		h.PowerMilliwatts != want.PowerMilliwatts || !slices.Equal(h.ThrottleReasons, want.ThrottleReasons) || !h.Present {
		t.Fatalf("got %+v\nwant %+v", h, want)
	}
}

// TestReadDevicePanics: a broken NVML binding reports "no GPU" instead of
// taking the node down.
func TestReadDevicePanics(t *testing.T) {
	lib := &mock.Interface{DeviceGetCountFunc: func() (int, nvml.Return) { panic("bad symbol") }}
	if h := DefaultLimits().Judge(readDevice(lib, 0)); h.Present || h.Healthy || !strings.HasPrefix(h.Reason, "no GPU") {
		t.Fatalf("got %+v", h)
	}
}

func TestThrottleReasonNames(t *testing.T) {
	tests := []struct {
		mask uint64
		want []string
	}{
		{0, nil},
		{nvml.ClocksEventReasonGpuIdle, []string{"gpu_idle"}},
		{nvml.ClocksThrottleReasonHwSlowdown | 1<<40, []string{"hw_slowdown", "0x10000000000"}},
	}
	for _, tt := range tests {
		if got := ThrottleReasonNames(tt.mask); !slices.Equal(got, tt.want) {
			t.Errorf("ThrottleReasonNames(%#x) = %q, want %q", tt.mask, got, tt.want)
		}
	}
}

// TestProbeGPUHere runs the real NVML path: on a machine without a driver
// (no libnvidia-ml) it must say "no GPU" without failing or panicking;
// with one, a present device must have a name.
func TestProbeGPUHere(t *testing.T) {
	h := Probe(0)
	t.Logf("Probe(0) = %+v", h)
	if _, err := openNVML(); err != nil {
		t.Logf("NVML: %v", err)
		if h.Present || h.Healthy || h.Reason != "no GPU" {
			t.Fatalf("NVML not loaded, but Probe(0) = %+v", h)
		}
		return
	}
	if h.Present && h.Name == "" {
		t.Fatalf("present device without a name: %+v", h)
	}
	if again := Probe(1 << 20); again.Present {
		t.Fatalf("device 1<<20 present: %+v", again)
	}
}
