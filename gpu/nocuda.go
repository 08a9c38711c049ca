//go:build !cuda

package gpu

import "fmt"

// CUDABuilt reports whether this binary has the CUDA backend (the cuda
// build tag).
const CUDABuilt = false

// NewCUDA opens cfg.Device and preallocates its buffers. This binary was
// built without the cuda tag, so after checking cfg it always fails with an
// error wrapping ErrNoCUDA.
func NewCUDA(cfg CUDAConfig) (Verifier, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return nil, errNotBuilt
}

// CUDADevices returns the name of each CUDA device;
// without the cuda tag, an error wrapping ErrNoCUDA.
func CUDADevices() ([]string, error) { return nil, errNotBuilt }

var errNotBuilt = fmt.Errorf("%w: built without the cuda tag (build with make cuda)", ErrNoCUDA)
