package suite

import (
	"bufio"
	"os"
	"runtime"
	"strings"

	"aitbc/bench/report"
)

// detectMachine describes this machine: the CPU model from
// /proc/cpuinfo, the cores Go may use, and gpu as the caller found it.
func detectMachine(gpu string) report.Machine {
	if gpu == "" {
		gpu = "none"
	}
	return report.Machine{CPUModel: cpuModel(), Cores: runtime.NumCPU(), GPU: gpu,
		OS: runtime.GOOS + "/" + runtime.GOARCH, GoVersion: runtime.Version()}
}

func cpuModel() string {
	f, err := os.Open("/proc/cpuinfo")
	if err != nil {
		return ""
	}
	defer f.Close()
	return modelName(bufio.NewScanner(f))
}

// modelName is the first "model name" line's value of a cpuinfo listing.
func modelName(sc *bufio.Scanner) string {
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return ""
}
