/*
 * verify_kernel.cuh — internal to libaitbc_cuda: the launcher that
 * sigverify.cu (host API) calls and verify_kernel.cu defines. Keeping the
 * __global__ function and its launch in one translation unit needs no
 * relocatable device code.
 */
#ifndef AITBC_VERIFY_KERNEL_CUH
#define AITBC_VERIFY_KERNEL_CUH

#include <cuda_runtime.h>
#include <stddef.h>
#include <stdint.h>

/* Threads per block of the verify kernel (-DAITBC_VERIFY_TPB=N to try
 * another; docs/benchmarks.md "First run on a GPU" has the figures). */
#ifndef AITBC_VERIFY_TPB
#define AITBC_VERIFY_TPB 128
#endif

/*
 * Launches one thread per item i in [lo, hi) on stream s. All pointers are
 * device pointers to the whole batch; item i reads pk + 32i, sig + 64i and
 * msg[off[i] .. off[i]+len[i]) and writes ok[i].
 */
cudaError_t aitbc_launch_verify(cudaStream_t s, const uint8_t *pk, const uint8_t *sig,
                                const uint8_t *msg, const uint32_t *off, const uint32_t *len,
                                uint8_t *ok, int lo, int hi);

/* Bytes of local memory (stack) one verify thread needs. */
cudaError_t aitbc_verify_local_bytes(size_t *bytes);

#endif /* AITBC_VERIFY_KERNEL_CUH */
