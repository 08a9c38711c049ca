/*
 * sigverify.cu — host side of the CUDA signature backend: device init,
 * grow-only device and pinned host pools, a multi-stream copy/compute
 * pipeline, error codes, shutdown. The API is in sigverify.cuh.
 */
#include "sigverify.cuh"
#include "verify_kernel.cuh"

#include <cuda_runtime.h>
#include <stdlib.h>
#include <string.h>

#define AITBC_MAX_STREAMS 32
/* Chunks are at least this many items: smaller ones cost more in launch
 * and copy overhead than the overlap gains. */
#ifndef AITBC_MIN_CHUNK
#define AITBC_MIN_CHUNK 512
#endif

#ifndef AITBC_CHUNKS_PER_STREAM
#define AITBC_CHUNKS_PER_STREAM 2
#endif

/* One buffer set, either on the device or pinned on the host. */
struct pool {
	uint8_t *pk, *sig, *msg, *ok;
	uint32_t *off, *len;
};

struct aitbc_cuda {
	int device;
	int nstreams;
	cudaStream_t streams[AITBC_MAX_STREAMS];
	int items_cap;
	size_t msg_cap;
	struct pool dev;  /* cudaMalloc */
	struct pool host; /* cudaMallocHost (pinned, so async copies overlap) */
	int failed;       /* the first CUDA error of a run; the handle is then unusable */
};

static void pool_free(struct pool *p, int pinned)
{
	void *bufs[6] = {p->pk, p->sig, p->msg, p->ok, p->off, p->len};
	for (int i = 0; i < 6; i++) {
		if (bufs[i] != NULL) {
			if (pinned) {
				cudaFreeHost(bufs[i]);
			} else {
				cudaFree(bufs[i]);
			}
		}
	}
	memset(p, 0, sizeof *p);
}

static cudaError_t alloc(void **p, size_t n, int pinned)
{
	if (n == 0) {
		n = 1; /* an empty batch of messages still gets a valid pointer */
	}
	return pinned ? cudaMallocHost(p, n) : cudaMalloc(p, n);
}

/* Allocates one pool for items and msg_bytes; on error frees what it got. */
static cudaError_t pool_alloc(struct pool *p, int items, size_t msg_bytes, int pinned)
{
	size_t n = (size_t)items;
	cudaError_t err;
	memset(p, 0, sizeof *p);
	if ((err = alloc((void **)&p->pk, 32 * n, pinned)) != cudaSuccess ||
	    (err = alloc((void **)&p->sig, 64 * n, pinned)) != cudaSuccess ||
	    (err = alloc((void **)&p->msg, msg_bytes, pinned)) != cudaSuccess ||
	    (err = alloc((void **)&p->ok, n, pinned)) != cudaSuccess ||
	    (err = alloc((void **)&p->off, 4 * n, pinned)) != cudaSuccess ||
	    (err = alloc((void **)&p->len, 4 * n, pinned)) != cudaSuccess) {
		pool_free(p, pinned);
	}
	return err;
}

/* Replaces both pools with ones for items and msg_bytes. */
static int grow(aitbc_cuda *h, int items, size_t msg_bytes)
{
	pool_free(&h->dev, 0);
	pool_free(&h->host, 1);
	h->items_cap = 0;
	h->msg_cap = 0;
	cudaError_t err = pool_alloc(&h->dev, items, msg_bytes, 0);
	if (err == cudaSuccess) {
		err = pool_alloc(&h->host, items, msg_bytes, 1);
		if (err != cudaSuccess) {
			pool_free(&h->dev, 0);
		}
	}
	if (err != cudaSuccess) {
		return (int)err;
	}
	h->items_cap = items;
	h->msg_cap = msg_bytes;
	return AITBC_CUDA_OK;
}

int aitbc_cuda_device_count(int *count)
{
	*count = 0;
	cudaError_t err = cudaGetDeviceCount(count);
	if (err != cudaSuccess) {
		*count = 0;
		return (int)err;
	}
	return *count > 0 ? (int)AITBC_CUDA_OK : (int)AITBC_CUDA_ERR_NO_DEVICE;
}

int aitbc_cuda_device_name(int device, char *buf, size_t cap)
{
	struct cudaDeviceProp prop;
	if (cap == 0) {
		return AITBC_CUDA_E_ARG;
	}
	buf[0] = '\0';
	cudaError_t err = cudaGetDeviceProperties(&prop, device);
	if (err != cudaSuccess) {
		return (int)err;
	}
	strncpy(buf, prop.name, cap - 1);
	buf[cap - 1] = '\0';
	return AITBC_CUDA_OK;
}

/* Makes sure the device's stack limit covers the kernel's local memory. */
static cudaError_t fit_stack(void)
{
	size_t need = 0, have = 0;
	cudaError_t err = aitbc_verify_local_bytes(&need);
	if (err != cudaSuccess) {
		return err;
	}
	if ((err = cudaDeviceGetLimit(&have, cudaLimitStackSize)) != cudaSuccess) {
		return err;
	}
	if (need + 256 > have) {
		err = cudaDeviceSetLimit(cudaLimitStackSize, need + 256);
	}
	return err;
}

int aitbc_cuda_open(int device, int streams, int items, size_t msg_bytes, aitbc_cuda **out)
{
	*out = NULL;
	if (device < 0 || streams < 2 || streams > AITBC_MAX_STREAMS || items < 1) {
		return AITBC_CUDA_E_ARG;
	}
	int count = 0;
	int rc = aitbc_cuda_device_count(&count);
	if (rc != AITBC_CUDA_OK) {
		return rc;
	}
	if (device >= count) {
		return (int)cudaErrorInvalidDevice;
	}
	cudaError_t err;
	if ((err = cudaSetDevice(device)) != cudaSuccess || (err = cudaFree(0)) != cudaSuccess ||
	    (err = fit_stack()) != cudaSuccess) {
		return (int)err;
	}
	aitbc_cuda *h = (aitbc_cuda *)calloc(1, sizeof *h);
	if (h == NULL) {
		return (int)cudaErrorMemoryAllocation;
	}
	h->device = device;
	for (int i = 0; i < streams; i++) {
		if ((err = cudaStreamCreateWithFlags(&h->streams[i], cudaStreamNonBlocking)) != cudaSuccess) {
			aitbc_cuda_close(h);
			return (int)err;
		}
		h->nstreams++;
	}
	if ((rc = grow(h, items, msg_bytes)) != AITBC_CUDA_OK) {
		aitbc_cuda_close(h);
		return rc;
	}
	*out = h;
	return AITBC_CUDA_OK;
}

int aitbc_cuda_reserve(aitbc_cuda *h, int n, size_t msg_bytes, aitbc_cuda_host *host)
{
	if (h == NULL || n < 0 || host == NULL) {
		return AITBC_CUDA_E_ARG;
	}
	if (h->failed) {
		return AITBC_CUDA_E_FAILED;
	}
	cudaError_t err = cudaSetDevice(h->device); /* the current device is per host thread */
	if (err != cudaSuccess) {
		return (int)err;
	}
	if (n > h->items_cap || msg_bytes > h->msg_cap) {
		/* Grow geometrically so a slowly rising batch size does not
		 * reallocate on every call. */
		int items = h->items_cap > 0 ? h->items_cap : 1;
		size_t bytes = h->msg_cap > 0 ? h->msg_cap : 1;
		while (items < n) {
			items = items > (1 << 29) ? n : 2 * items;
		}
		while (bytes < msg_bytes) {
			bytes = bytes > ((size_t)1 << 40) ? msg_bytes : 2 * bytes;
		}
		int rc = grow(h, items, bytes);
		if (rc != AITBC_CUDA_OK) {
			h->failed = rc;
			return rc;
		}
	}
	host->pk = h->host.pk;
	host->sig = h->host.sig;
	host->msg = h->host.msg;
	host->off = h->host.off;
	host->len = h->host.len;
	host->ok = h->host.ok;
	return AITBC_CUDA_OK;
}

/* Rejects offsets the Go side did not pack in order, so the kernel never
 * reads outside the message buffer. */
static int packed(const aitbc_cuda *h, int n)
{
	size_t end = 0;
	for (int i = 0; i < n; i++) {
		if (h->host.off[i] != end) {
			return 0;
		}
		end += h->host.len[i];
	}
	return end <= h->msg_cap;
}

/* Queues chunk [lo, hi) on stream s: copies in, kernel, verdicts out. */
static cudaError_t enqueue(aitbc_cuda *h, cudaStream_t s, int lo, int hi)
{
	const struct pool *d = &h->dev, *p = &h->host;
	size_t n = (size_t)(hi - lo), i = (size_t)lo;
	size_t m0 = p->off[lo], m1 = (size_t)p->off[hi - 1] + p->len[hi - 1];
	cudaError_t err;
	if ((err = cudaMemcpyAsync(d->pk + 32 * i, p->pk + 32 * i, 32 * n, cudaMemcpyHostToDevice, s)) ||
	    (err = cudaMemcpyAsync(d->sig + 64 * i, p->sig + 64 * i, 64 * n, cudaMemcpyHostToDevice, s)) ||
	    (err = cudaMemcpyAsync(d->off + i, p->off + i, 4 * n, cudaMemcpyHostToDevice, s)) ||
	    (err = cudaMemcpyAsync(d->len + i, p->len + i, 4 * n, cudaMemcpyHostToDevice, s))) {
		return err;
	}
	if (m1 > m0 && (err = cudaMemcpyAsync(d->msg + m0, p->msg + m0, m1 - m0, cudaMemcpyHostToDevice, s))) {
		return err;
	}
	if ((err = aitbc_launch_verify(s, d->pk, d->sig, d->msg, d->off, d->len, d->ok, lo, hi))) {
		return err;
	}
	return cudaMemcpyAsync(p->ok + i, d->ok + i, n, cudaMemcpyDeviceToHost, s);
}

int aitbc_cuda_run(aitbc_cuda *h, int n)
{
	if (h == NULL || n < 0 || n > h->items_cap) {
		return AITBC_CUDA_E_ARG;
	}
	if (h->failed) {
		return AITBC_CUDA_E_FAILED;
	}
	if (n == 0) {
		return AITBC_CUDA_OK;
	}
	if (!packed(h, n)) {
		return AITBC_CUDA_E_ARG;
	}
	cudaError_t err = cudaSetDevice(h->device);
	if (err != cudaSuccess) {
		return (int)err;
	}
	/* AITBC_CHUNKS_PER_STREAM chunks per stream (default two, so every
	 * stream has a copy to overlap with another stream's kernel). */
	int chunk = (n + AITBC_CHUNKS_PER_STREAM * h->nstreams - 1) / (AITBC_CHUNKS_PER_STREAM * h->nstreams);
	if (chunk < AITBC_MIN_CHUNK) {
		chunk = AITBC_MIN_CHUNK;
	}
	chunk = (chunk + AITBC_VERIFY_TPB - 1) / AITBC_VERIFY_TPB * AITBC_VERIFY_TPB;
	int k = 0;
	for (int lo = 0; lo < n && err == cudaSuccess; lo += chunk, k++) {
		int hi = lo + chunk < n ? lo + chunk : n;
		err = enqueue(h, h->streams[k % h->nstreams], lo, hi);
	}
	/* Wait for everything queued, even after an error, so no copy is
	 * still writing into the buffers when the caller reads them. */
	int used = k < h->nstreams ? k : h->nstreams;
	for (int i = 0; i < used; i++) {
		cudaError_t e = cudaStreamSynchronize(h->streams[i]);
		if (err == cudaSuccess) {
			err = e;
		}
	}
	if (err != cudaSuccess) {
		h->failed = (int)err;
		return (int)err;
	}
	return AITBC_CUDA_OK;
}

void aitbc_cuda_close(aitbc_cuda *h)
{
	if (h == NULL) {
		return;
	}
	cudaSetDevice(h->device);
	for (int i = 0; i < h->nstreams; i++) {
		cudaStreamSynchronize(h->streams[i]);
		cudaStreamDestroy(h->streams[i]);
	}
	pool_free(&h->dev, 0);
	pool_free(&h->host, 1);
	free(h);
}

const char *aitbc_cuda_error_string(int code)
{
	switch (code) {
	case AITBC_CUDA_OK:
		return "success";
	case AITBC_CUDA_E_ARG:
		return "invalid argument to the aitbc CUDA API";
	case AITBC_CUDA_E_FAILED:
		return "an earlier CUDA error made this handle unusable";
	}
	if (code > 0) {
		return cudaGetErrorString((cudaError_t)code);
	}
	return "unknown aitbc CUDA error";
}
