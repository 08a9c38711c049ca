package gpu

import (
	"errors"
	"fmt"
)

// Sentinel errors. Callers compare with errors.Is; the typed errors below
// wrap them.
var (
	// ErrBusy: the batcher's queue is full and BatcherConfig.RejectWhenFull
	// is set. The caller should shed load (e.g. reject the tx) rather than retry
	// in a loop.
	ErrBusy = errors.New("gpu: sigverify queue full")
	// ErrClosed: the batcher is closed, or was closed before this check got a
	// verdict.
	ErrClosed = errors.New("gpu: sigverify batcher closed")
	// ErrNoCUDA: the CUDA backend is not available (built without the cuda
	// tag, no driver, or no device). The node uses the CPU backend instead.
	ErrNoCUDA = errors.New("gpu: CUDA backend unavailable")
	// ErrInvalidConfig: a BatcherConfig or NewBatcher argument is out of range.
	// A *ConfigError wraps it and names the field.
	ErrInvalidConfig = errors.New("gpu: invalid batcher config")
	// ErrBackend: a Verifier failed (returned an error, the wrong number of
	// verdicts, or panicked). A *BackendError wraps it.
	ErrBackend = errors.New("gpu: verifier backend failed")
)

// ConfigError names the BatcherConfig field (or NewBatcher argument) that is
// invalid, and why.
type ConfigError struct {
	Field  string // e.g. "MaxBatch"
	Reason string
}

func (e *ConfigError) Error() string {
	return fmt.Sprintf("%v: %s: %s", ErrInvalidConfig, e.Field, e.Reason)
}

// Unwrap makes errors.Is(err, ErrInvalidConfig) true.
func (e *ConfigError) Unwrap() error { return ErrInvalidConfig }

// BackendError reports a failed Verifier.VerifyBatch call. It matches both
// ErrBackend and the backend's own error (e.g. context.Canceled) under
// errors.Is.
type BackendError struct {
	Backend string // Verifier.Name()
	Err     error
}

func (e *BackendError) Error() string {
	return fmt.Sprintf("%v: %s: %v", ErrBackend, e.Backend, e.Err)
}

// Unwrap returns both ErrBackend and the underlying error.
func (e *BackendError) Unwrap() []error { return []error{ErrBackend, e.Err} }
