/*
 * aitbc_hd.h — portability macros shared by the Ed25519 headers, so one
 * source compiles as plain C99 (gcc: the kernel-host backend and its tests)
 * and as CUDA C++ (nvcc: host and device code). See cuda/README.md.
 */
#ifndef AITBC_HD_H
#define AITBC_HD_H

#include <stddef.h>
#include <stdint.h>

/*
 * AITBC_HD marks every function of these headers: internal linkage, inlined
 * where the compiler likes, and under nvcc callable from host and device.
 * A translation unit may define it before including the headers.
 */
#ifndef AITBC_HD
#if defined(__CUDACC__)
#define AITBC_HD static __host__ __device__ __forceinline__
#else
#define AITBC_HD static inline
#endif
#endif

/*
 * AITBC_HD_BIG marks the large routines (field multiplication and squaring,
 * point addition and doubling, SHA-512 compression). It defaults to AITBC_HD;
 * a device build that prefers smaller code over call overhead may define it
 * as `static __host__ __device__ __noinline__` before the first include.
 */
#ifndef AITBC_HD_BIG
#define AITBC_HD_BIG AITBC_HD
#endif

/*
 * AITBC_TABLE qualifies the constant tables (base-point multiples, SHA-512
 * round constants). In the device pass of nvcc (__CUDA_ARCH__ defined) they
 * live in device global memory, read through the read-only cache, which
 * copes with the divergent indices of the base-point table better than
 * __constant__ memory (that serialises distinct addresses within a warp);
 * a unit may define AITBC_TABLE as `static __constant__ const` to compare.
 * Everywhere else (gcc, nvcc's host pass) they are ordinary static consts.
 */
#ifndef AITBC_TABLE
#if defined(__CUDA_ARCH__)
#define AITBC_TABLE static __device__ const
#else
#define AITBC_TABLE static const
#endif
#endif

#endif /* AITBC_HD_H */
