/*
 * verify_kernel.cu — the Ed25519 verify kernel: one thread per signature,
 * each calling the portable ZIP-215 verifier of aitbc_ed25519.h (the same
 * code the host build tests against the Go reference on every CI run).
 */
#include "verify_kernel.cuh"

#include "aitbc_ed25519.h"

__global__ void aitbc_verify_kernel(const uint8_t *__restrict__ pk, const uint8_t *__restrict__ sig,
                                    const uint8_t *__restrict__ msg, const uint32_t *__restrict__ off,
                                    const uint32_t *__restrict__ len, uint8_t *__restrict__ ok,
                                    int lo, int hi)
{
	int i = lo + (int)(blockIdx.x * blockDim.x + threadIdx.x);
	if (i >= hi) {
		return;
	}
	size_t k = (size_t)i;
	ok[i] = aitbc_ed25519_verify(pk + 32 * k, msg + off[i], (size_t)len[i], sig + 64 * k) == 1;
}

cudaError_t aitbc_launch_verify(cudaStream_t s, const uint8_t *pk, const uint8_t *sig,
                                const uint8_t *msg, const uint32_t *off, const uint32_t *len,
                                uint8_t *ok, int lo, int hi)
{
	if (hi <= lo) {
		return cudaSuccess;
	}
	unsigned blocks = (unsigned)((hi - lo + AITBC_VERIFY_TPB - 1) / AITBC_VERIFY_TPB);
	aitbc_verify_kernel<<<blocks, AITBC_VERIFY_TPB, 0, s>>>(pk, sig, msg, off, len, ok, lo, hi);
	return cudaGetLastError();
}

cudaError_t aitbc_verify_local_bytes(size_t *bytes)
{
	cudaFuncAttributes attr;
	cudaError_t err = cudaFuncGetAttributes(&attr, aitbc_verify_kernel);
	if (err == cudaSuccess) {
		*bytes = attr.localSizeBytes;
	}
	return err;
}
