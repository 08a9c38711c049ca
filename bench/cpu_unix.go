//go:build unix

package bench

import (
	"syscall"
	"time"
)

// ProcessCPU is the user+system CPU time this process has used: the
// client side of a bench (signing, JSON, HTTP) in one figure.
func ProcessCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
