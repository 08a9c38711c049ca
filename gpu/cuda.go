//go:build cuda

package gpu

/*
#cgo CFLAGS: -I${SRCDIR}/../cuda
#cgo LDFLAGS: -L${SRCDIR}/../cuda/build -laitbc_cuda -lcudart_static -lstdc++ -ldl -lrt -lpthread -lm
#include <stdlib.h>
#include "sigverify.cuh"
*/
import "C"

import (
	"context"
	"fmt"
	"sync"
	"unsafe"
)

// CUDABuilt reports whether this binary has the CUDA backend (the cuda
// build tag).
const CUDABuilt = true

// maxRunMsgBytes bounds the message bytes of one device round trip: the
// kernel's offsets are 32-bit.
const maxRunMsgBytes = 1 << 30

// cudaVerifier runs the kernel of cuda/ on one device. One batch at a
// time: the handle's pinned buffers and streams are reused across calls,
// and the streams already overlap the copies and kernels within a batch.
type cudaVerifier struct {
	cfg CUDAConfig

	mu sync.Mutex
	h  *C.aitbc_cuda // nil once closed
}

// NewCUDA opens cfg.Device and preallocates its buffers. No device (or no
// driver) gives an error wrapping ErrNoCUDA. Close the result (it is an
// io.Closer) to free the device memory; an unclosed one is freed at exit.
func NewCUDA(cfg CUDAConfig) (Verifier, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	var h *C.aitbc_cuda
	rc := C.aitbc_cuda_open(C.int(cfg.Device), C.int(cfg.Streams), C.int(cfg.MaxBatch),
		C.size_t(min(cfg.MaxBatch*cfg.MsgBytesHint, maxRunMsgBytes)), &h)
	if rc != 0 {
		return nil, cudaErr("open", rc)
	}
	return &cudaVerifier{cfg: cfg, h: h}, nil
}

func (v *cudaVerifier) Name() string { return BackendCUDA }

// Close frees the device's streams and memory; later calls to VerifyBatch
// fail with ErrNoCUDA. It is idempotent.
func (v *cudaVerifier) Close() error {
	v.mu.Lock()
	defer v.mu.Unlock()
	C.aitbc_cuda_close(v.h)
	v.h = nil
	return nil
}

// VerifyBatch sends items to the device in runs of at most MaxBatch items
// (and maxRunMsgBytes message bytes). Items with the wrong key or
// signature length are false without a trip to the device; a message too
// long for one run is checked with Verify on the CPU.
func (v *cudaVerifier) VerifyBatch(ctx context.Context, items []Item) ([]bool, error) {
	ok := make([]bool, len(items))
	idx := make([]int, 0, len(items))
	for i, it := range items {
		switch {
		case len(it.PubKey) != PublicKeySize || len(it.Sig) != SignatureSize:
		case len(it.Msg) > maxRunMsgBytes:
			ok[i] = Verify(it.PubKey, it.Msg, it.Sig)
		default:
			idx = append(idx, i)
		}
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.h == nil {
		return nil, fmt.Errorf("%w: verifier closed", ErrNoCUDA)
	}
	for len(idx) > 0 {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("gpu: cuda verify: %w", context.Cause(ctx))
		}
		n, bytes := 0, 0
		for n < len(idx) && n < v.cfg.MaxBatch && bytes+len(items[idx[n]].Msg) <= maxRunMsgBytes {
			bytes += len(items[idx[n]].Msg)
			n++
		}
		if err := v.run(items, idx[:n], bytes, ok); err != nil {
			return nil, err
		}
		idx = idx[n:]
	}
	return ok, nil
}

// run stages items[idx...] in the pinned buffers, verifies them on the
// device and copies the verdicts into ok. v.mu is held.
func (v *cudaVerifier) run(items []Item, idx []int, msgBytes int, ok []bool) error {
	var host C.aitbc_cuda_host
	if rc := C.aitbc_cuda_reserve(v.h, C.int(len(idx)), C.size_t(msgBytes), &host); rc != 0 {
		return cudaErr("reserve", rc)
	}
	n := len(idx)
	pk := unsafe.Slice((*byte)(unsafe.Pointer(host.pk)), n*PublicKeySize)
	sig := unsafe.Slice((*byte)(unsafe.Pointer(host.sig)), n*SignatureSize)
	off := unsafe.Slice((*uint32)(unsafe.Pointer(host.off)), n)
	lens := unsafe.Slice((*uint32)(unsafe.Pointer(host.len)), n)
	msg := unsafe.Slice((*byte)(unsafe.Pointer(host.msg)), max(msgBytes, 1))
	at := 0
	for j, i := range idx {
		it := items[i]
		copy(pk[j*PublicKeySize:], it.PubKey)
		copy(sig[j*SignatureSize:], it.Sig)
		off[j] = uint32(at)
		lens[j] = uint32(len(it.Msg))
		at += copy(msg[at:], it.Msg)
	}
	if rc := C.aitbc_cuda_run(v.h, C.int(n)); rc != 0 {
		return cudaErr("run", rc)
	}
	verdicts := unsafe.Slice((*byte)(unsafe.Pointer(host.ok)), n)
	for j, i := range idx {
		ok[i] = verdicts[j] == 1
	}
	return nil
}

// CUDADevices returns the name of each CUDA device; no device is an error
// wrapping ErrNoCUDA.
func CUDADevices() ([]string, error) {
	var count C.int
	if rc := C.aitbc_cuda_device_count(&count); rc != 0 {
		return nil, cudaErr("device count", rc)
	}
	names := make([]string, int(count))
	buf := (*C.char)(C.malloc(256))
	defer C.free(unsafe.Pointer(buf))
	for i := range names {
		if rc := C.aitbc_cuda_device_name(C.int(i), buf, 256); rc != 0 {
			return nil, cudaErr("device name", rc)
		}
		names[i] = C.GoString(buf)
	}
	return names, nil
}

func cudaErr(op string, rc C.int) error {
	return &CUDAError{Op: op, Code: int(rc), Msg: C.GoString(C.aitbc_cuda_error_string(rc))}
}
