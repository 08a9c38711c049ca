package gpu

/*
#cgo CFLAGS: -O3 -I${SRCDIR}/../cuda
#include "kernelhost.h"
*/
import "C"

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"unsafe"
)

// khChunk caps the items one cgo call verifies: the call and the
// flattening cost well under 1% next to ~100-150 µs of arithmetic per item,
// and a cancelled ctx is still noticed within about 20 ms.
const khChunk = 128

// kernelHost runs the portable verifier of cuda/aitbc_ed25519.h — the code
// the CUDA kernel runs on the device — compiled for the host by cgo. It is
// a real backend, if a slow one (one full check per item, no batch
// equation, and the GPU's 32-bit limb arithmetic), and above all the way
// every CI run tests the GPU's arithmetic without a GPU.
type kernelHost struct {
	scratch sync.Pool // *khScratch
}

// NewKernelHost returns the kernel-host backend: the cuda/ arithmetic on
// the CPU, one item at a time per goroutine, over GOMAXPROCS goroutines.
func NewKernelHost() Verifier { return &kernelHost{} }

func (k *kernelHost) Name() string { return "kernel-host" }

// VerifyBatch splits items into chunks of at most khChunk that up to
// GOMAXPROCS goroutines take in order, one cgo call per chunk. Items with
// a wrong key or signature length are false without reaching C. A done ctx
// stops the work between chunks and returns ctx's error.
func (k *kernelHost) VerifyBatch(ctx context.Context, items []Item) ([]bool, error) {
	ok := make([]bool, len(items))
	if len(items) == 0 {
		return ok, nil
	}
	err := forChunks(ctx, items, ok, runtime.GOMAXPROCS(0), khChunk, func() (func([]Item, []bool), func()) {
		s, _ := k.scratch.Get().(*khScratch)
		if s == nil {
			s = new(khScratch)
		}
		return s.verify, func() { k.scratch.Put(s) }
	})
	if err != nil {
		return nil, fmt.Errorf("gpu: kernel-host verify: %w", err)
	}
	return ok, nil
}

// khScratch holds one chunk flattened the way the kernel reads a batch:
// keys and signatures back to back, messages concatenated with offsets.
// Reused across chunks so the steady state allocates nothing.
type khScratch struct {
	pks, sigs, msgs []byte
	off             []uint64
	idx             []int // position in the chunk of each flattened item
	ok              []byte
}

func (s *khScratch) verify(items []Item, ok []bool) {
	s.pks, s.sigs, s.msgs = s.pks[:0], s.sigs[:0], s.msgs[:0]
	s.off, s.idx = append(s.off[:0], 0), s.idx[:0]
	for i, it := range items {
		if len(it.PubKey) != PublicKeySize || len(it.Sig) != SignatureSize {
			continue // ok[i] stays false
		}
		s.pks = append(s.pks, it.PubKey...)
		s.sigs = append(s.sigs, it.Sig...)
		s.msgs = append(s.msgs, it.Msg...)
		s.off = append(s.off, uint64(len(s.msgs)))
		s.idx = append(s.idx, i)
	}
	n := len(s.idx)
	if n == 0 {
		return
	}
	if len(s.msgs) == 0 {
		s.msgs = append(s.msgs, 0) // a valid pointer for all-empty messages
	}
	s.ok = append(s.ok[:0], make([]byte, n)...)
	C.aitbc_kh_verify_batch(khBytes(s.pks), khBytes(s.sigs), khBytes(s.msgs),
		(*C.uint64_t)(unsafe.Pointer(&s.off[0])), C.size_t(n), khBytes(s.ok))
	for j, i := range s.idx {
		ok[i] = s.ok[j] == 1
	}
}

// khBytes passes a non-empty Go byte slice to C. The memory holds no Go
// pointers and C does not keep it past the call, as cgo's rules require.
func khBytes(b []byte) *C.uint8_t { return (*C.uint8_t)(unsafe.Pointer(&b[0])) }
