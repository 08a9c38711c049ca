/*
 * aitbc_fe25519.h — arithmetic in GF(p), p = 2^255 - 19, for the Ed25519
 * verifier. Portable C99 that nvcc also compiles for the device (aitbc_hd.h).
 *
 * Representation (ref10's): an element is ten signed 32-bit limbs,
 *   f = v[0] + v[1] 2^26 + v[2] 2^51 + v[3] 2^77 + ... + v[9] 2^230,
 * alternately 26 and 25 bits wide (limb i starts at bit ceil(25.5 i)). A
 * product needs only 32x32->64-bit multiplies (native on the GPU: one wide
 * IMAD; 64x64->128 would cost four) and 64-bit sums, and the reduction
 * 2^255 = 19 (mod p) folds in as small constant factors.
 *
 * Bounds, as in ref10: a "reduced" element (output of mul, sq, frombytes)
 * has |v[i]| <= 1.1 * 2^25 (even i) and 1.1 * 2^24 (odd i). add, sub and
 * neg do not carry, so their output is up to 2x (3x for a sum of three)
 * those bounds. mul and sq accept limbs up to 1.65 * 2^26 (even) and
 * 1.65 * 2^25 (odd), i.e. sums of up to three reduced elements; the group
 * formulas in aitbc_ge25519.h stay within that. Elements are kept modulo p
 * only: tobytes is the one place that reduces to the canonical value < p.
 *
 * Right shifts of negative values are arithmetic on every compiler we
 * target (gcc, clang, nvcc); left shifts of signed values are written as
 * multiplications to stay clear of undefined behaviour.
 */
#ifndef AITBC_FE25519_H
#define AITBC_FE25519_H

#include "aitbc_hd.h"

typedef struct {
	int32_t v[10];
} aitbc_fe;

AITBC_HD void aitbc_fe_0(aitbc_fe *h)
{
	for (int i = 0; i < 10; i++) {
		h->v[i] = 0;
	}
}

AITBC_HD void aitbc_fe_1(aitbc_fe *h)
{
	aitbc_fe_0(h);
	h->v[0] = 1;
}

/* h = f + g, no carry. */
AITBC_HD void aitbc_fe_add(aitbc_fe *h, const aitbc_fe *f, const aitbc_fe *g)
{
	for (int i = 0; i < 10; i++) {
		h->v[i] = f->v[i] + g->v[i];
	}
}

/* h = f - g, no carry. */
AITBC_HD void aitbc_fe_sub(aitbc_fe *h, const aitbc_fe *f, const aitbc_fe *g)
{
	for (int i = 0; i < 10; i++) {
		h->v[i] = f->v[i] - g->v[i];
	}
}

/* h = -f. */
AITBC_HD void aitbc_fe_neg(aitbc_fe *h, const aitbc_fe *f)
{
	for (int i = 0; i < 10; i++) {
		h->v[i] = -f->v[i];
	}
}

/*
 * aitbc_fe_carry_wide reduces the 64-bit column sums of a product to a
 * reduced element. The two interleaved carry chains (0->1->2..., 4->5->...)
 * shorten the dependency path; carries are rounded so limbs end centred
 * on zero.
 */
#define AITBC_FE_CARRY26(t, i) \
	do { \
		int64_t c_ = ((t)[i] + ((int64_t)1 << 25)) >> 26; \
		(t)[(i) + 1] += c_; \
		(t)[i] -= c_ * ((int64_t)1 << 26); \
	} while (0)
#define AITBC_FE_CARRY25(t, i) \
	do { \
		int64_t c_ = ((t)[i] + ((int64_t)1 << 24)) >> 25; \
		(t)[(i) + 1] += c_; \
		(t)[i] -= c_ * ((int64_t)1 << 25); \
	} while (0)

AITBC_HD void aitbc_fe_carry_wide(aitbc_fe *h, int64_t t[10])
{
	int64_t c9;

	AITBC_FE_CARRY26(t, 0);
	AITBC_FE_CARRY26(t, 4);
	AITBC_FE_CARRY25(t, 1);
	AITBC_FE_CARRY25(t, 5);
	AITBC_FE_CARRY26(t, 2);
	AITBC_FE_CARRY26(t, 6);
	AITBC_FE_CARRY25(t, 3);
	AITBC_FE_CARRY25(t, 7);
	AITBC_FE_CARRY26(t, 4);
	AITBC_FE_CARRY26(t, 8);
	c9 = (t[9] + ((int64_t)1 << 24)) >> 25;
	t[0] += c9 * 19;
	t[9] -= c9 * ((int64_t)1 << 25);
	AITBC_FE_CARRY26(t, 0);
	for (int i = 0; i < 10; i++) {
		h->v[i] = (int32_t)t[i];
	}
}

/* h = f * g. h may alias f or g. */
AITBC_HD_BIG void aitbc_fe_mul(aitbc_fe *h, const aitbc_fe *f, const aitbc_fe *g)
{
	int32_t f0 = f->v[0], f1 = f->v[1], f2 = f->v[2], f3 = f->v[3], f4 = f->v[4];
	int32_t f5 = f->v[5], f6 = f->v[6], f7 = f->v[7], f8 = f->v[8], f9 = f->v[9];
	int32_t g0 = g->v[0], g1 = g->v[1], g2 = g->v[2], g3 = g->v[3], g4 = g->v[4];
	int32_t g5 = g->v[5], g6 = g->v[6], g7 = g->v[7], g8 = g->v[8], g9 = g->v[9];
	/* Odd limbs sit half a bit high: an odd x odd product lands one bit
	 * above its column, hence the doubled f. Columns >= 10 wrap with 19. */
	int32_t f1_2 = 2 * f1, f3_2 = 2 * f3, f5_2 = 2 * f5, f7_2 = 2 * f7, f9_2 = 2 * f9;
	int32_t g1_19 = 19 * g1, g2_19 = 19 * g2, g3_19 = 19 * g3, g4_19 = 19 * g4;
	int32_t g5_19 = 19 * g5, g6_19 = 19 * g6, g7_19 = 19 * g7, g8_19 = 19 * g8;
	int32_t g9_19 = 19 * g9;
	int64_t t[10];

	t[0] = (int64_t)f0 * g0 + (int64_t)f1_2 * g9_19 + (int64_t)f2 * g8_19 +
	       (int64_t)f3_2 * g7_19 + (int64_t)f4 * g6_19 + (int64_t)f5_2 * g5_19 +
	       (int64_t)f6 * g4_19 + (int64_t)f7_2 * g3_19 + (int64_t)f8 * g2_19 +
	       (int64_t)f9_2 * g1_19;
	t[1] = (int64_t)f0 * g1 + (int64_t)f1 * g0 + (int64_t)f2 * g9_19 + (int64_t)f3 * g8_19 +
	       (int64_t)f4 * g7_19 + (int64_t)f5 * g6_19 + (int64_t)f6 * g5_19 +
	       (int64_t)f7 * g4_19 + (int64_t)f8 * g3_19 + (int64_t)f9 * g2_19;
	t[2] = (int64_t)f0 * g2 + (int64_t)f1_2 * g1 + (int64_t)f2 * g0 + (int64_t)f3_2 * g9_19 +
	       (int64_t)f4 * g8_19 + (int64_t)f5_2 * g7_19 + (int64_t)f6 * g6_19 +
	       (int64_t)f7_2 * g5_19 + (int64_t)f8 * g4_19 + (int64_t)f9_2 * g3_19;
	t[3] = (int64_t)f0 * g3 + (int64_t)f1 * g2 + (int64_t)f2 * g1 + (int64_t)f3 * g0 +
	       (int64_t)f4 * g9_19 + (int64_t)f5 * g8_19 + (int64_t)f6 * g7_19 +
	       (int64_t)f7 * g6_19 + (int64_t)f8 * g5_19 + (int64_t)f9 * g4_19;
	t[4] = (int64_t)f0 * g4 + (int64_t)f1_2 * g3 + (int64_t)f2 * g2 + (int64_t)f3_2 * g1 +
	       (int64_t)f4 * g0 + (int64_t)f5_2 * g9_19 + (int64_t)f6 * g8_19 +
	       (int64_t)f7_2 * g7_19 + (int64_t)f8 * g6_19 + (int64_t)f9_2 * g5_19;
	t[5] = (int64_t)f0 * g5 + (int64_t)f1 * g4 + (int64_t)f2 * g3 + (int64_t)f3 * g2 +
	       (int64_t)f4 * g1 + (int64_t)f5 * g0 + (int64_t)f6 * g9_19 + (int64_t)f7 * g8_19 +
	       (int64_t)f8 * g7_19 + (int64_t)f9 * g6_19;
	t[6] = (int64_t)f0 * g6 + (int64_t)f1_2 * g5 + (int64_t)f2 * g4 + (int64_t)f3_2 * g3 +
	       (int64_t)f4 * g2 + (int64_t)f5_2 * g1 + (int64_t)f6 * g0 + (int64_t)f7_2 * g9_19 +
	       (int64_t)f8 * g8_19 + (int64_t)f9_2 * g7_19;
	t[7] = (int64_t)f0 * g7 + (int64_t)f1 * g6 + (int64_t)f2 * g5 + (int64_t)f3 * g4 +
	       (int64_t)f4 * g3 + (int64_t)f5 * g2 + (int64_t)f6 * g1 + (int64_t)f7 * g0 +
	       (int64_t)f8 * g9_19 + (int64_t)f9 * g8_19;
	t[8] = (int64_t)f0 * g8 + (int64_t)f1_2 * g7 + (int64_t)f2 * g6 + (int64_t)f3_2 * g5 +
	       (int64_t)f4 * g4 + (int64_t)f5_2 * g3 + (int64_t)f6 * g2 + (int64_t)f7_2 * g1 +
	       (int64_t)f8 * g0 + (int64_t)f9_2 * g9_19;
	t[9] = (int64_t)f0 * g9 + (int64_t)f1 * g8 + (int64_t)f2 * g7 + (int64_t)f3 * g6 +
	       (int64_t)f4 * g5 + (int64_t)f5 * g4 + (int64_t)f6 * g3 + (int64_t)f7 * g2 +
	       (int64_t)f8 * g1 + (int64_t)f9 * g0;
	aitbc_fe_carry_wide(h, t);
}

/* The column sums of f^2 into t. */
AITBC_HD void aitbc_fe_sq_wide(int64_t t[10], const aitbc_fe *f)
{
	int32_t f0 = f->v[0], f1 = f->v[1], f2 = f->v[2], f3 = f->v[3], f4 = f->v[4];
	int32_t f5 = f->v[5], f6 = f->v[6], f7 = f->v[7], f8 = f->v[8], f9 = f->v[9];
	int32_t f0_2 = 2 * f0, f1_2 = 2 * f1, f2_2 = 2 * f2, f3_2 = 2 * f3, f4_2 = 2 * f4;
	int32_t f5_2 = 2 * f5, f6_2 = 2 * f6, f7_2 = 2 * f7;
	int32_t f5_38 = 38 * f5, f6_19 = 19 * f6, f7_38 = 38 * f7, f8_19 = 19 * f8;
	int32_t f9_38 = 38 * f9;

	t[0] = (int64_t)f0 * f0 + (int64_t)f1_2 * f9_38 + (int64_t)f2_2 * f8_19 +
	       (int64_t)f3_2 * f7_38 + (int64_t)f4_2 * f6_19 + (int64_t)f5 * f5_38;
	t[1] = (int64_t)f0_2 * f1 + (int64_t)f2 * f9_38 + (int64_t)f3_2 * f8_19 +
	       (int64_t)f4 * f7_38 + (int64_t)f5_2 * f6_19;
	t[2] = (int64_t)f0_2 * f2 + (int64_t)f1_2 * f1 + (int64_t)f3_2 * f9_38 +
	       (int64_t)f4_2 * f8_19 + (int64_t)f5_2 * f7_38 + (int64_t)f6 * f6_19;
	t[3] = (int64_t)f0_2 * f3 + (int64_t)f1_2 * f2 + (int64_t)f4 * f9_38 +
	       (int64_t)f5_2 * f8_19 + (int64_t)f6 * f7_38;
	t[4] = (int64_t)f0_2 * f4 + (int64_t)f1_2 * f3_2 + (int64_t)f2 * f2 +
	       (int64_t)f5_2 * f9_38 + (int64_t)f6_2 * f8_19 + (int64_t)f7 * f7_38;
	t[5] = (int64_t)f0_2 * f5 + (int64_t)f1_2 * f4 + (int64_t)f2_2 * f3 +
	       (int64_t)f6 * f9_38 + (int64_t)f7_2 * f8_19;
	t[6] = (int64_t)f0_2 * f6 + (int64_t)f1_2 * f5_2 + (int64_t)f2_2 * f4 +
	       (int64_t)f3_2 * f3 + (int64_t)f7_2 * f9_38 + (int64_t)f8 * f8_19;
	t[7] = (int64_t)f0_2 * f7 + (int64_t)f1_2 * f6 + (int64_t)f2_2 * f5 +
	       (int64_t)f3_2 * f4 + (int64_t)f8 * f9_38;
	t[8] = (int64_t)f0_2 * f8 + (int64_t)f1_2 * f7_2 + (int64_t)f2_2 * f6 +
	       (int64_t)f3_2 * f5_2 + (int64_t)f4 * f4 + (int64_t)f9 * f9_38;
	t[9] = (int64_t)f0_2 * f9 + (int64_t)f1_2 * f8 + (int64_t)f2_2 * f7 +
	       (int64_t)f3_2 * f6 + (int64_t)f4_2 * f5;
}

/* h = f^2. */
AITBC_HD_BIG void aitbc_fe_sq(aitbc_fe *h, const aitbc_fe *f)
{
	int64_t t[10];

	aitbc_fe_sq_wide(t, f);
	aitbc_fe_carry_wide(h, t);
}

/* h = 2 f^2, doubled before the carry so the output is reduced. */
AITBC_HD_BIG void aitbc_fe_sq2(aitbc_fe *h, const aitbc_fe *f)
{
	int64_t t[10];

	aitbc_fe_sq_wide(t, f);
	for (int i = 0; i < 10; i++) {
		t[i] += t[i];
	}
	aitbc_fe_carry_wide(h, t);
}

/* h = f^(2^n), n >= 1. */
AITBC_HD void aitbc_fe_sqn(aitbc_fe *h, const aitbc_fe *f, int n)
{
	aitbc_fe_sq(h, f);
	for (int i = 1; i < n; i++) {
		aitbc_fe_sq(h, h);
	}
}

AITBC_HD uint64_t aitbc_load3(const uint8_t *s)
{
	return (uint64_t)s[0] | ((uint64_t)s[1] << 8) | ((uint64_t)s[2] << 16);
}

AITBC_HD uint64_t aitbc_load4(const uint8_t *s)
{
	return aitbc_load3(s) | ((uint64_t)s[3] << 24);
}

/*
 * h = the 255-bit little-endian integer in s (bit 255 ignored) mod p. Any
 * value in [p, 2^255) is accepted and is the same element as value - p: this
 * is what makes non-canonical y-coordinates decode (ZIP-215).
 */
AITBC_HD void aitbc_fe_frombytes(aitbc_fe *h, const uint8_t s[32])
{
	int64_t t[10];
	int64_t c;

	t[0] = (int64_t)aitbc_load4(s);
	t[1] = (int64_t)(aitbc_load3(s + 4) << 6);
	t[2] = (int64_t)(aitbc_load3(s + 7) << 5);
	t[3] = (int64_t)(aitbc_load3(s + 10) << 3);
	t[4] = (int64_t)(aitbc_load3(s + 13) << 2);
	t[5] = (int64_t)aitbc_load4(s + 16);
	t[6] = (int64_t)(aitbc_load3(s + 20) << 7);
	t[7] = (int64_t)(aitbc_load3(s + 23) << 5);
	t[8] = (int64_t)(aitbc_load3(s + 26) << 4);
	t[9] = (int64_t)((aitbc_load3(s + 29) & 0x7fffff) << 2);

	c = (t[9] + ((int64_t)1 << 24)) >> 25;
	t[0] += c * 19;
	t[9] -= c * ((int64_t)1 << 25);
	AITBC_FE_CARRY25(t, 1);
	AITBC_FE_CARRY25(t, 3);
	AITBC_FE_CARRY25(t, 5);
	AITBC_FE_CARRY25(t, 7);
	AITBC_FE_CARRY26(t, 0);
	AITBC_FE_CARRY26(t, 2);
	AITBC_FE_CARRY26(t, 4);
	AITBC_FE_CARRY26(t, 6);
	AITBC_FE_CARRY26(t, 8);
	for (int i = 0; i < 10; i++) {
		h->v[i] = (int32_t)t[i];
	}
}

/*
 * s = the canonical encoding of f (the unique value < p, little-endian; bit
 * 255 clear). Accepts any f whose limbs fit in 30 bits, so also unreduced
 * outputs of add/sub chains.
 */
AITBC_HD void aitbc_fe_tobytes(uint8_t s[32], const aitbc_fe *f)
{
	int32_t h[10];
	int32_t q, c;
	uint64_t acc = 0;
	int bits = 0, n = 0;

	for (int i = 0; i < 10; i++) {
		h[i] = f->v[i];
	}
	/* Normalise to reduced limbs first, so the quotient estimate below
	 * sees the bounds it is correct for. */
	for (int i = 0; i < 10; i++) {
		int w = (i & 1) ? 25 : 26;
		c = (h[i] + (1 << (w - 1))) >> w;
		h[i] -= c * (1 << w);
		if (i < 9) {
			h[i + 1] += c;
		} else {
			h[0] += 19 * c;
		}
	}
	c = (h[0] + (1 << 25)) >> 26;
	h[0] -= c * (1 << 26);
	h[1] += c;

	/* q = floor(f / p), which is 0 or 1 (or -1 for a slightly negative
	 * representation): the carry out of f + 19. */
	q = (19 * h[9] + (1 << 24)) >> 25;
	for (int i = 0; i < 10; i++) {
		q = (h[i] + q) >> ((i & 1) ? 25 : 26);
	}
	/* f - q p = f + 19 q - q 2^255: add 19 q, carry, drop bit 255. */
	h[0] += 19 * q;
	for (int i = 0; i < 9; i++) {
		int w = (i & 1) ? 25 : 26;
		c = h[i] >> w;
		h[i + 1] += c;
		h[i] -= c * (1 << w);
	}
	h[9] &= (1 << 25) - 1;

	for (int i = 0; i < 10; i++) {
		acc |= (uint64_t)(uint32_t)h[i] << bits;
		bits += (i & 1) ? 25 : 26;
		while (bits >= 8) {
			s[n++] = (uint8_t)acc;
			acc >>= 8;
			bits -= 8;
		}
	}
	s[31] = (uint8_t)acc;
}

/* 1 if the canonical value of f is odd (the "negative" x of RFC 8032). */
AITBC_HD int aitbc_fe_isnegative(const aitbc_fe *f)
{
	uint8_t s[32];

	aitbc_fe_tobytes(s, f);
	return s[0] & 1;
}

/* 1 if f = 0 (mod p). */
AITBC_HD int aitbc_fe_iszero(const aitbc_fe *f)
{
	uint8_t s[32];
	uint8_t acc = 0;

	aitbc_fe_tobytes(s, f);
	for (int i = 0; i < 32; i++) {
		acc |= s[i];
	}
	return acc == 0;
}

/* 1 if f = g (mod p). */
AITBC_HD int aitbc_fe_equal(const aitbc_fe *f, const aitbc_fe *g)
{
	aitbc_fe d;

	aitbc_fe_sub(&d, f, g);
	return aitbc_fe_iszero(&d);
}

/*
 * z^(2^250 - 1) into t250, and z^11 into z11: the common prefix of the
 * addition chains for p - 2 and (p - 5) / 8.
 */
AITBC_HD void aitbc_fe_pow2_250_1(aitbc_fe *t250, aitbc_fe *z11, const aitbc_fe *z)
{
	aitbc_fe t0, t1, t2;

	aitbc_fe_sq(&t0, z);          /* z^2 */
	aitbc_fe_sqn(&t1, &t0, 2);    /* z^8 */
	aitbc_fe_mul(&t1, z, &t1);    /* z^9 */
	aitbc_fe_mul(z11, &t0, &t1);  /* z^11 */
	aitbc_fe_sq(&t0, z11);        /* z^22 */
	aitbc_fe_mul(&t0, &t1, &t0);  /* z^(2^5 - 1) */
	aitbc_fe_sqn(&t1, &t0, 5);
	aitbc_fe_mul(&t0, &t1, &t0);  /* z^(2^10 - 1) */
	aitbc_fe_sqn(&t1, &t0, 10);
	aitbc_fe_mul(&t1, &t1, &t0);  /* z^(2^20 - 1) */
	aitbc_fe_sqn(&t2, &t1, 20);
	aitbc_fe_mul(&t1, &t2, &t1);  /* z^(2^40 - 1) */
	aitbc_fe_sqn(&t1, &t1, 10);
	aitbc_fe_mul(&t0, &t1, &t0);  /* z^(2^50 - 1) */
	aitbc_fe_sqn(&t1, &t0, 50);
	aitbc_fe_mul(&t1, &t1, &t0);  /* z^(2^100 - 1) */
	aitbc_fe_sqn(&t2, &t1, 100);
	aitbc_fe_mul(&t1, &t2, &t1);  /* z^(2^200 - 1) */
	aitbc_fe_sqn(&t1, &t1, 50);
	aitbc_fe_mul(t250, &t1, &t0); /* z^(2^250 - 1) */
}

/* h = 1/z = z^(p - 2); 0 for z = 0. */
AITBC_HD void aitbc_fe_invert(aitbc_fe *h, const aitbc_fe *z)
{
	aitbc_fe t, z11;

	aitbc_fe_pow2_250_1(&t, &z11, z);
	aitbc_fe_sqn(&t, &t, 5);   /* z^(2^255 - 32) */
	aitbc_fe_mul(h, &t, &z11); /* z^(2^255 - 21) */
}

/* h = z^((p - 5) / 8) = z^(2^252 - 3). */
AITBC_HD void aitbc_fe_pow22523(aitbc_fe *h, const aitbc_fe *z)
{
	aitbc_fe t, z11;

	aitbc_fe_pow2_250_1(&t, &z11, z);
	aitbc_fe_sqn(&t, &t, 2); /* z^(2^252 - 4) */
	aitbc_fe_mul(h, &t, z);  /* z^(2^252 - 3) */
}

#undef AITBC_FE_CARRY26
#undef AITBC_FE_CARRY25

#endif /* AITBC_FE25519_H */
