package gpu

import (
	"aitbc/gpu/health"

	"errors"
	"fmt"
)

// Backend names accepted by Config.Backend (SIGVERIFY_BACKEND).
const (
	BackendAuto = "auto"
	BackendCPU  = "cpu"
	BackendCUDA = "cuda"
)

// Config selects and sizes the signature verification backend.
type Config struct {
	// Backend is "auto" (CUDA when built with the cuda tag and a device
	// that is not known to be unhealthy opens, else CPU), "cpu" or
	// "cuda" (an error when CUDA is unavailable). Default "auto".
	Backend string
	// CPUWorkers is NewCPU's workers: 0 = one per core.
	CPUWorkers int
	// CUDA configures the CUDA backend when it is selected.
	CUDA CUDAConfig
}

// DefaultConfig returns the defaults spelled out.
func DefaultConfig() Config {
	return Config{Backend: BackendAuto, CUDA: DefaultCUDAConfig()}
}

// Validate checks cfg and returns a *ConfigError naming the first bad field.
func (c Config) Validate() error {
	switch c.Backend {
	case BackendAuto, BackendCPU, BackendCUDA:
	default:
		return &ConfigError{Field: "Backend", Reason: fmt.Sprintf("%q: want auto, cpu or cuda", c.Backend)}
	}
	if c.CPUWorkers < 0 {
		return &ConfigError{Field: "CPUWorkers", Reason: fmt.Sprintf("must not be negative, got %d", c.CPUWorkers)}
	}
	return c.CUDA.Validate()
}

// CUDAConfig sizes the CUDA backend. A zero field means its default.
type CUDAConfig struct {
	// Device is the CUDA device ordinal (and the NVML index probed for
	// health). Default 0.
	Device int
	// Streams is how many CUDA streams one batch is spread over so the
	// copies of one chunk overlap the kernel of another; at least 2.
	// Default 4.
	Streams int
	// MaxBatch is the most signatures handed to the device in one round
	// trip; longer batches are split. The device and pinned host buffers
	// are sized for it at start and only grow. Default 16384.
	MaxBatch int
	// MsgBytesHint is the expected mean message length, used to size the
	// initial message buffers. Default 256.
	MsgBytesHint int
}

// DefaultCUDAConfig returns the defaults spelled out.
func DefaultCUDAConfig() CUDAConfig {
	return CUDAConfig{Device: 0, Streams: 4, MaxBatch: 16384, MsgBytesHint: 256}
}

func (c CUDAConfig) withDefaults() CUDAConfig {
	d := DefaultCUDAConfig()
	if c.Streams == 0 {
		c.Streams = d.Streams
	}
	if c.MaxBatch == 0 {
		c.MaxBatch = d.MaxBatch
	}
	if c.MsgBytesHint == 0 {
		c.MsgBytesHint = d.MsgBytesHint
	}
	return c
}

// Validate checks the config (after defaults) and returns a *ConfigError
// naming the first bad field.
func (c CUDAConfig) Validate() error {
	c = c.withDefaults()
	bad := func(field, format string, args ...any) error {
		return &ConfigError{Field: "CUDA." + field, Reason: fmt.Sprintf(format, args...)}
	}
	switch {
	case c.Device < 0:
		return bad("Device", "must not be negative, got %d", c.Device)
	case c.Streams < 2 || c.Streams > 32:
		return bad("Streams", "must be in [2, 32], got %d", c.Streams)
	case c.MaxBatch < 1 || c.MaxBatch > maxBatchLimit:
		return bad("MaxBatch", "must be in [1, %d], got %d", maxBatchLimit, c.MaxBatch)
	case c.MsgBytesHint < 1 || c.MsgBytesHint > 1<<20:
		return bad("MsgBytesHint", "must be in [1, %d], got %d", 1<<20, c.MsgBytesHint)
	}
	return nil
}

// Auto returns the backend cfg.Backend selects; see Choose.
func Auto(cfg Config) (Verifier, error) {
	v, _, err := Choose(cfg)
	return v, err
}

// Choose is Auto that also says why it picked the backend, for the start
// log line. "cpu" always succeeds; "cuda" fails with an error wrapping
// ErrNoCUDA when the binary lacks the cuda tag or no device opens; "auto"
// never fails: it tries CUDA when the binary has it and NVML does not
// report the device absent-but-probed or unhealthy, and otherwise (or when
// opening fails) returns the CPU backend. A device NVML cannot see at all
// (no libnvidia-ml) is still tried: the CUDA runtime has the last word.
func Choose(cfg Config) (v Verifier, why string, err error) {
	if cfg.Backend == "" {
		cfg.Backend = BackendAuto
	}
	if err := cfg.Validate(); err != nil {
		return nil, "", err
	}
	cpu := func(why string) (Verifier, string, error) {
		return NewCPU(cfg.CPUWorkers), why, nil
	}
	switch cfg.Backend {
	case BackendCPU:
		return cpu("configured")
	case BackendCUDA:
		v, err := NewCUDA(cfg.CUDA)
		if err != nil {
			return nil, "", fmt.Errorf("gpu: backend cuda: %w", err)
		}
		return v, "configured", nil
	}
	if !CUDABuilt {
		return cpu("built without the cuda tag")
	}
	if h := health.Probe(cfg.CUDA.Device); h.Present && !h.Healthy {
		return cpu("GPU unhealthy: " + h.Reason)
	}
	v, err = NewCUDA(cfg.CUDA)
	if err != nil {
		if errors.Is(err, ErrNoCUDA) {
			return cpu("no CUDA device")
		}
		return cpu("CUDA failed to open: " + err.Error())
	}
	return v, "CUDA device available", nil
}

// CUDA runtime codes that mean "no usable device": cudaErrorNoDevice and
// cudaErrorInsufficientDriver (no driver installed, or one too old).
const (
	cudaErrNoDevice           = 100
	cudaErrInsufficientDriver = 35
)

// CUDAError is a failure of the CUDA backend: Code is a cudaError_t value
// (> 0) or one of the library's own codes (< 0, see cuda/sigverify.cuh).
// It matches ErrNoCUDA under errors.Is when the code means there is no
// usable device, so callers fall back to the CPU.
type CUDAError struct {
	Op   string // "open", "run", ...
	Code int
	Msg  string
}

func (e *CUDAError) Error() string {
	return fmt.Sprintf("gpu: cuda %s: error %d: %s", e.Op, e.Code, e.Msg)
}

// Unwrap returns ErrNoCUDA for "no device" and "no driver", else
// ErrBackend.
func (e *CUDAError) Unwrap() error {
	if e.Code == cudaErrNoDevice || e.Code == cudaErrInsufficientDriver {
		return ErrNoCUDA
	}
	return ErrBackend
}
