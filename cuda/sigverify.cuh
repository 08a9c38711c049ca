/*
 * sigverify.cuh — the C API of the CUDA signature backend (libaitbc_cuda.a).
 *
 * Plain C declarations: included by sigverify.cu (nvcc) and by the cgo
 * preamble of gpu/cuda.go (gcc). One aitbc_cuda handle owns one device's
 * streams, a grow-only device memory pool and pinned host staging buffers.
 * A handle is not thread-safe: the Go side serialises calls on it.
 *
 * The caller's loop:
 *   aitbc_cuda_open(device, streams, items, msg_bytes, &h);
 *   for each batch:
 *     aitbc_cuda_reserve(h, n, msg_bytes, &host);   // pinned buffers
 *     fill host.pk / host.sig / host.msg / host.off / host.len
 *     aitbc_cuda_run(h, n);                          // verdicts in host.ok
 *   aitbc_cuda_close(h);                             // frees everything
 *
 * Return codes: 0 = success; > 0 = a cudaError_t value (100 = no device,
 * 35 = driver missing or too old); < 0 = AITBC_CUDA_E_* below.
 */
#ifndef AITBC_SIGVERIFY_CUH
#define AITBC_SIGVERIFY_CUH

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum {
	AITBC_CUDA_OK = 0,
	AITBC_CUDA_E_ARG = -1,    /* bad argument (n, sizes, offsets not packed) */
	AITBC_CUDA_E_FAILED = -2, /* an earlier run failed; the handle is unusable */
};

/* cudaError_t values the Go side maps to ErrNoCUDA. */
enum {
	AITBC_CUDA_ERR_INSUFFICIENT_DRIVER = 35,
	AITBC_CUDA_ERR_NO_DEVICE = 100,
};

typedef struct aitbc_cuda aitbc_cuda;

/*
 * Pinned host staging buffers for n items, valid until the next reserve
 * or close. Item i: pk[32i..32i+32), sig[64i..64i+64), and its message
 * msg[off[i] .. off[i]+len[i]); messages must be packed in item order
 * (off[0] = 0, off[i+1] = off[i] + len[i]) so each chunk's messages are
 * one contiguous copy. ok[i] is the verdict (1 valid, 0 invalid).
 */
typedef struct {
	uint8_t *pk;
	uint8_t *sig;
	uint8_t *msg;
	uint32_t *off;
	uint32_t *len;
	uint8_t *ok;
} aitbc_cuda_host;

/* Number of CUDA devices; an error (100 = none) when there are none. */
int aitbc_cuda_device_count(int *count);

/* Device name (NUL-terminated, truncated to cap bytes). */
int aitbc_cuda_device_name(int device, char *buf, size_t cap);

/*
 * Opens device with `streams` (>= 2) streams and buffers preallocated for
 * `items` signatures and `msg_bytes` message bytes. On error *out is NULL
 * and nothing is left allocated.
 */
int aitbc_cuda_open(int device, int streams, int items, size_t msg_bytes, aitbc_cuda **out);

/* Grows (never shrinks) the pools to hold n items and msg_bytes bytes. */
int aitbc_cuda_reserve(aitbc_cuda *h, int n, size_t msg_bytes, aitbc_cuda_host *host);

/*
 * Verifies the n items staged in the host buffers: chunks go round-robin
 * over the streams (H2D copies, kernel, D2H copy of the verdicts per
 * chunk), so one chunk's copies overlap another's kernel. Blocks until
 * every verdict is in host.ok. A CUDA error marks the handle failed.
 */
int aitbc_cuda_run(aitbc_cuda *h, int n);

/* Frees streams, device and pinned memory and h itself; NULL is a no-op. */
void aitbc_cuda_close(aitbc_cuda *h);

/* Text for a return code of the functions above. Never NULL. */
const char *aitbc_cuda_error_string(int code);

#ifdef __cplusplus
}
#endif

#endif /* AITBC_SIGVERIFY_CUH */
