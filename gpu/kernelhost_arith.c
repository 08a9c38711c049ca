/*
 * kernelhost_arith.c — test hooks into the portable arithmetic of cuda/
 * (field, scalars, SHA-512, points), so the Go tests can compare each layer
 * with math/big, crypto/sha512 and filippo.io/edwards25519. cgo cannot be
 * used from _test.go files, hence a regular (small) part of the package.
 */
#include "kernelhost.h"

#include "aitbc_ed25519.h"
#include "kernelhost_stamp.h"

void aitbc_kh_fe_mul(uint8_t out[32], const uint8_t a[32], const uint8_t b[32])
{
	aitbc_fe x, y;

	aitbc_fe_frombytes(&x, a);
	aitbc_fe_frombytes(&y, b);
	aitbc_fe_mul(&x, &x, &y);
	aitbc_fe_tobytes(out, &x);
}

void aitbc_kh_fe_sq(uint8_t out[32], const uint8_t a[32])
{
	aitbc_fe x;

	aitbc_fe_frombytes(&x, a);
	aitbc_fe_sq(&x, &x);
	aitbc_fe_tobytes(out, &x);
}

void aitbc_kh_fe_sq2(uint8_t out[32], const uint8_t a[32])
{
	aitbc_fe x;

	aitbc_fe_frombytes(&x, a);
	aitbc_fe_sq2(&x, &x);
	aitbc_fe_tobytes(out, &x);
}

void aitbc_kh_fe_add(uint8_t out[32], const uint8_t a[32], const uint8_t b[32])
{
	aitbc_fe x, y;

	aitbc_fe_frombytes(&x, a);
	aitbc_fe_frombytes(&y, b);
	aitbc_fe_add(&x, &x, &y);
	aitbc_fe_tobytes(out, &x);
}

void aitbc_kh_fe_sub(uint8_t out[32], const uint8_t a[32], const uint8_t b[32])
{
	aitbc_fe x, y;

	aitbc_fe_frombytes(&x, a);
	aitbc_fe_frombytes(&y, b);
	aitbc_fe_sub(&x, &x, &y);
	aitbc_fe_tobytes(out, &x);
}

void aitbc_kh_fe_neg(uint8_t out[32], const uint8_t a[32])
{
	aitbc_fe x;

	aitbc_fe_frombytes(&x, a);
	aitbc_fe_neg(&x, &x);
	aitbc_fe_tobytes(out, &x);
}

void aitbc_kh_fe_invert(uint8_t out[32], const uint8_t a[32])
{
	aitbc_fe x;

	aitbc_fe_frombytes(&x, a);
	aitbc_fe_invert(&x, &x);
	aitbc_fe_tobytes(out, &x);
}

void aitbc_kh_fe_pow22523(uint8_t out[32], const uint8_t a[32])
{
	aitbc_fe x;

	aitbc_fe_frombytes(&x, a);
	aitbc_fe_pow22523(&x, &x);
	aitbc_fe_tobytes(out, &x);
}

int aitbc_kh_fe_sqrt_ratio(uint8_t out[32], const uint8_t u[32], const uint8_t v[32])
{
	aitbc_fe x, y, r;
	int ok;

	aitbc_fe_frombytes(&x, u);
	aitbc_fe_frombytes(&y, v);
	ok = aitbc_fe_sqrt_ratio(&r, &x, &y);
	aitbc_fe_tobytes(out, &r);
	return ok;
}

int aitbc_kh_fe_isnegative(const uint8_t a[32])
{
	aitbc_fe x;

	aitbc_fe_frombytes(&x, a);
	return aitbc_fe_isnegative(&x);
}

void aitbc_kh_fe_mul_wide(uint8_t out[32], const uint8_t a[96], const uint8_t b[96])
{
	aitbc_fe a0, a1, a2, b0, b1, b2;

	aitbc_fe_frombytes(&a0, a);
	aitbc_fe_frombytes(&a1, a + 32);
	aitbc_fe_frombytes(&a2, a + 64);
	aitbc_fe_frombytes(&b0, b);
	aitbc_fe_frombytes(&b1, b + 32);
	aitbc_fe_frombytes(&b2, b + 64);
	aitbc_fe_add(&a0, &a0, &a1);
	aitbc_fe_add(&a0, &a0, &a2); /* a0 + a1 + a2 */
	aitbc_fe_sub(&b0, &b0, &b1);
	aitbc_fe_sub(&b0, &b0, &b2); /* b0 - b1 - b2 */
	aitbc_fe_mul(&a0, &a0, &b0);
	aitbc_fe_tobytes(out, &a0);
}

void aitbc_kh_sc_reduce64(uint8_t out[32], const uint8_t in[64])
{
	aitbc_sc_reduce64(out, in);
}

int aitbc_kh_sc_is_canonical(const uint8_t s[32])
{
	return aitbc_sc_is_canonical(s);
}

void aitbc_kh_sc_slide(int8_t out[256], const uint8_t a[32], int w)
{
	aitbc_sc_slide(out, a, w);
}

void aitbc_kh_sha512(uint8_t out[64], const uint8_t *data, const uint64_t *cuts, size_t ncuts)
{
	aitbc_sha512_ctx ctx;
	uint64_t at = 0;

	aitbc_sha512_init(&ctx);
	for (size_t i = 0; i < ncuts; i++) {
		aitbc_sha512_update(&ctx, data + at, (size_t)(cuts[i] - at));
		at = cuts[i];
	}
	aitbc_sha512_final(&ctx, out);
}

int aitbc_kh_ge_decode(uint8_t out[32], const uint8_t in[32])
{
	aitbc_ge_p3 p;

	if (!aitbc_ge_frombytes_zip215(&p, in)) {
		return 0;
	}
	aitbc_ge_p3_tobytes(out, &p);
	return 1;
}

int aitbc_kh_ge_double_scalarmult(uint8_t out[32], const uint8_t a[32], const uint8_t pa[32],
                                  const uint8_t b[32])
{
	aitbc_ge_p3 p, r;

	if (!aitbc_ge_frombytes_zip215(&p, pa)) {
		return 0;
	}
	aitbc_ge_double_scalarmult_vartime(&r, a, &p, b);
	aitbc_ge_p3_tobytes(out, &r);
	return 1;
}

int aitbc_kh_ge_is_small_order(const uint8_t in[32])
{
	aitbc_ge_p3 p;

	return aitbc_ge_frombytes_zip215(&p, in) && aitbc_ge_p3_is_small_order(&p);
}

const char *aitbc_kh_cuda_stamp(void)
{
	return AITBC_KH_CUDA_STAMP;
}
