/*
 * kernelhost.h — C entry points of the kernel-host backend (kernelhost.c)
 * and its test hooks (kernelhost_arith.c), declared for cgo.
 */
#ifndef AITBC_KERNELHOST_H
#define AITBC_KERNELHOST_H

#include <stddef.h>
#include <stdint.h>

/*
 * ok[i] = verdict of item i: public key pks[32i..32i+32), signature
 * sigs[64i..64i+64), message msgs[off[i]..off[i+1]). off has n+1 entries.
 */
void aitbc_kh_verify_batch(const uint8_t *pks, const uint8_t *sigs, const uint8_t *msgs,
                           const uint64_t *off, size_t n, uint8_t *ok);

/* Test hooks: field elements and scalars as 32-byte little-endian strings
 * (field inputs: bit 255 ignored, any value mod p; outputs canonical). */
void aitbc_kh_fe_mul(uint8_t out[32], const uint8_t a[32], const uint8_t b[32]);
void aitbc_kh_fe_sq(uint8_t out[32], const uint8_t a[32]);
void aitbc_kh_fe_sq2(uint8_t out[32], const uint8_t a[32]);
void aitbc_kh_fe_add(uint8_t out[32], const uint8_t a[32], const uint8_t b[32]);
void aitbc_kh_fe_sub(uint8_t out[32], const uint8_t a[32], const uint8_t b[32]);
void aitbc_kh_fe_neg(uint8_t out[32], const uint8_t a[32]);
void aitbc_kh_fe_invert(uint8_t out[32], const uint8_t a[32]);
void aitbc_kh_fe_pow22523(uint8_t out[32], const uint8_t a[32]);
int aitbc_kh_fe_sqrt_ratio(uint8_t out[32], const uint8_t u[32], const uint8_t v[32]);
int aitbc_kh_fe_isnegative(const uint8_t a[32]);
/* Sums of three products, the widest inputs the group formulas feed mul. */
void aitbc_kh_fe_mul_wide(uint8_t out[32], const uint8_t a[96], const uint8_t b[96]);
void aitbc_kh_sc_reduce64(uint8_t out[32], const uint8_t in[64]);
int aitbc_kh_sc_is_canonical(const uint8_t s[32]);
void aitbc_kh_sc_slide(int8_t out[256], const uint8_t a[32], int w);
/* SHA-512 of data, fed in pieces ending at cuts[0] < cuts[1] < ... = n. */
void aitbc_kh_sha512(uint8_t out[64], const uint8_t *data, const uint64_t *cuts, size_t ncuts);
/* Decodes under ZIP-215; on success writes the canonical re-encoding. */
int aitbc_kh_ge_decode(uint8_t out[32], const uint8_t in[32]);
/* out = encoding of [a]A + [b]B; 0 if A does not decode. */
int aitbc_kh_ge_double_scalarmult(uint8_t out[32], const uint8_t a[32], const uint8_t pa[32],
                                  const uint8_t b[32]);
/* 1 if the point decodes and has small order (8P = identity). */
int aitbc_kh_ge_is_small_order(const uint8_t in[32]);
/* The SHA-256 of the cuda/aitbc_*.h headers this build was told about
 * (kernelhost_stamp.h); see TestKernelHostStamp. */
const char *aitbc_kh_cuda_stamp(void);

#endif /* AITBC_KERNELHOST_H */
