/*
 * aitbc_ge25519.h — the Ed25519 group (twisted Edwards -x^2 + y^2 =
 * 1 + d x^2 y^2 over GF(2^255 - 19)) in ref10's coordinate systems:
 *
 *   aitbc_ge_p2      (X:Y:Z)          x = X/Z, y = Y/Z
 *   aitbc_ge_p3      (X:Y:Z:T)        extended, XY = ZT
 *   aitbc_ge_p1p1    ((X:Z),(Y:T))    "completed", the output of add/double
 *   aitbc_ge_cached  (Y+X, Y-X, Z, 2dT)   an addend in extended coordinates
 *   aitbc_ge_precomp (y+x, y-x, 2dxy)      an affine addend (the base table)
 *
 * The addition and doubling formulas (Hisil-Wong-Carter-Dawson 2008, a = -1)
 * are complete on this curve: they are correct for every pair of points,
 * small-order and mixed-order ones included, which the cofactored ZIP-215
 * equation depends on. Nothing here is constant-time: verification handles
 * public data only.
 */
#ifndef AITBC_GE25519_H
#define AITBC_GE25519_H

#include "aitbc_fe25519.h"
#include "aitbc_sc25519.h"

typedef struct {
	aitbc_fe X, Y, Z;
} aitbc_ge_p2;

typedef struct {
	aitbc_fe X, Y, Z, T;
} aitbc_ge_p3;

typedef struct {
	aitbc_fe X, Y, Z, T;
} aitbc_ge_p1p1;

typedef struct {
	aitbc_fe YplusX, YminusX, Z, T2d;
} aitbc_ge_cached;

typedef struct {
	aitbc_fe yplusx, yminusx, xy2d;
} aitbc_ge_precomp;

/* Window widths of the double-scalar multiplication: the base point's
 * table is precomputed (aitbc_ge_base_odd, 2^(7-2) = 32 entries), A's is
 * built per signature (2^(5-2) = 8 entries, 1.3 KiB of stack). */
#define AITBC_GE_BASE_WINDOW 7
#define AITBC_GE_A_WINDOW 5

/* d, 2d, sqrt(-1) and the odd multiples B, 3B, ..., 63B (generated). */
#include "aitbc_ge25519_table.h"

/*
 * x = sqrt(u/v) if u/v is a square in GF(p): returns 1 and the root (either
 * sign), else returns 0. u = 0 gives x = 0 and 1. This is RFC 8032's
 * candidate x = u v^3 (u v^7)^((p-5)/8), fixed up by sqrt(-1) when
 * v x^2 = -u.
 */
AITBC_HD int aitbc_fe_sqrt_ratio(aitbc_fe *x, const aitbc_fe *u, const aitbc_fe *v)
{
	aitbc_fe v3, t, vxx, chk;

	aitbc_fe_sq(&v3, v);
	aitbc_fe_mul(&v3, &v3, v); /* v^3 */
	aitbc_fe_sq(&t, &v3);
	aitbc_fe_mul(&t, &t, v);
	aitbc_fe_mul(&t, &t, u); /* u v^7 */
	aitbc_fe_pow22523(&t, &t);
	aitbc_fe_mul(&t, &t, &v3);
	aitbc_fe_mul(x, &t, u); /* u v^3 (u v^7)^((p-5)/8) */

	aitbc_fe_sq(&vxx, x);
	aitbc_fe_mul(&vxx, &vxx, v);
	aitbc_fe_sub(&chk, &vxx, u);
	if (aitbc_fe_iszero(&chk)) {
		return 1;
	}
	aitbc_fe_add(&chk, &vxx, u);
	if (aitbc_fe_iszero(&chk)) {
		aitbc_fe_mul(x, x, &aitbc_fe_sqrtm1);
		return 1;
	}
	return 0;
}

/*
 * Decodes a 32-byte point encoding under ZIP-215: y is the low 255 bits
 * read as an integer and reduced mod p (y >= p is accepted), the top bit
 * picks the sign of x, and x = 0 with the sign bit set is accepted as x = 0
 * (negating zero is a no-op). Returns 0 only if (y^2 - 1) / (d y^2 + 1)
 * has no square root, i.e. the bytes are not a point at all. There is no
 * order check: small-order points decode.
 */
AITBC_HD int aitbc_ge_frombytes_zip215(aitbc_ge_p3 *h, const uint8_t s[32])
{
	aitbc_fe u, v;

	aitbc_fe_frombytes(&h->Y, s);
	aitbc_fe_1(&h->Z);
	aitbc_fe_sq(&u, &h->Y);
	aitbc_fe_mul(&v, &u, &aitbc_fe_d);
	aitbc_fe_sub(&u, &u, &h->Z); /* y^2 - 1 */
	aitbc_fe_add(&v, &v, &h->Z); /* d y^2 + 1 */
	if (!aitbc_fe_sqrt_ratio(&h->X, &u, &v)) {
		return 0;
	}
	if (aitbc_fe_isnegative(&h->X) != (s[31] >> 7)) {
		aitbc_fe_neg(&h->X, &h->X);
	}
	aitbc_fe_mul(&h->T, &h->X, &h->Y);
	return 1;
}

/* The canonical encoding of h (y < p, sign of x in bit 255). */
AITBC_HD void aitbc_ge_p3_tobytes(uint8_t s[32], const aitbc_ge_p3 *h)
{
	aitbc_fe recip, x, y;

	aitbc_fe_invert(&recip, &h->Z);
	aitbc_fe_mul(&x, &h->X, &recip);
	aitbc_fe_mul(&y, &h->Y, &recip);
	aitbc_fe_tobytes(s, &y);
	s[31] ^= (uint8_t)(aitbc_fe_isnegative(&x) << 7);
}

AITBC_HD void aitbc_ge_p3_0(aitbc_ge_p3 *h)
{
	aitbc_fe_0(&h->X);
	aitbc_fe_1(&h->Y);
	aitbc_fe_1(&h->Z);
	aitbc_fe_0(&h->T);
}

AITBC_HD void aitbc_ge_p3_neg(aitbc_ge_p3 *r, const aitbc_ge_p3 *p)
{
	aitbc_fe_neg(&r->X, &p->X);
	r->Y = p->Y;
	r->Z = p->Z;
	aitbc_fe_neg(&r->T, &p->T);
}

AITBC_HD void aitbc_ge_p3_to_cached(aitbc_ge_cached *r, const aitbc_ge_p3 *p)
{
	aitbc_fe_add(&r->YplusX, &p->Y, &p->X);
	aitbc_fe_sub(&r->YminusX, &p->Y, &p->X);
	r->Z = p->Z;
	aitbc_fe_mul(&r->T2d, &p->T, &aitbc_fe_d2);
}

AITBC_HD void aitbc_ge_p1p1_to_p2(aitbc_ge_p2 *r, const aitbc_ge_p1p1 *p)
{
	aitbc_fe_mul(&r->X, &p->X, &p->T);
	aitbc_fe_mul(&r->Y, &p->Y, &p->Z);
	aitbc_fe_mul(&r->Z, &p->Z, &p->T);
}

AITBC_HD void aitbc_ge_p1p1_to_p3(aitbc_ge_p3 *r, const aitbc_ge_p1p1 *p)
{
	aitbc_fe_mul(&r->X, &p->X, &p->T);
	aitbc_fe_mul(&r->Y, &p->Y, &p->Z);
	aitbc_fe_mul(&r->Z, &p->Z, &p->T);
	aitbc_fe_mul(&r->T, &p->X, &p->Y);
}

/* r = 2p. */
AITBC_HD_BIG void aitbc_ge_p2_dbl(aitbc_ge_p1p1 *r, const aitbc_ge_p2 *p)
{
	aitbc_fe t0;

	aitbc_fe_sq(&r->X, &p->X);      /* XX */
	aitbc_fe_sq(&r->Z, &p->Y);      /* YY */
	aitbc_fe_sq2(&r->T, &p->Z);     /* B = 2 Z^2 */
	aitbc_fe_add(&r->Y, &p->X, &p->Y);
	aitbc_fe_sq(&t0, &r->Y);        /* (X + Y)^2 */
	aitbc_fe_add(&r->Y, &r->Z, &r->X); /* YY + XX */
	aitbc_fe_sub(&r->Z, &r->Z, &r->X); /* YY - XX */
	aitbc_fe_sub(&r->X, &t0, &r->Y);
	aitbc_fe_sub(&r->T, &r->T, &r->Z);
}

/* r = 2p. */
AITBC_HD void aitbc_ge_p3_dbl(aitbc_ge_p1p1 *r, const aitbc_ge_p3 *p)
{
	aitbc_ge_p2 q;

	q.X = p->X;
	q.Y = p->Y;
	q.Z = p->Z;
	aitbc_ge_p2_dbl(r, &q);
}

/* r = p + q (sub != 0: p - q). */
AITBC_HD_BIG void aitbc_ge_addsub(aitbc_ge_p1p1 *r, const aitbc_ge_p3 *p, const aitbc_ge_cached *q,
                                  int sub)
{
	aitbc_fe t0;

	aitbc_fe_add(&r->X, &p->Y, &p->X);
	aitbc_fe_sub(&r->Y, &p->Y, &p->X);
	aitbc_fe_mul(&r->Z, &r->X, sub ? &q->YminusX : &q->YplusX);
	aitbc_fe_mul(&r->Y, &r->Y, sub ? &q->YplusX : &q->YminusX);
	aitbc_fe_mul(&r->T, &q->T2d, &p->T);
	aitbc_fe_mul(&r->X, &p->Z, &q->Z);
	aitbc_fe_add(&t0, &r->X, &r->X);
	aitbc_fe_sub(&r->X, &r->Z, &r->Y);
	aitbc_fe_add(&r->Y, &r->Z, &r->Y);
	if (sub) {
		aitbc_fe_sub(&r->Z, &t0, &r->T);
		aitbc_fe_add(&r->T, &t0, &r->T);
	} else {
		aitbc_fe_add(&r->Z, &t0, &r->T);
		aitbc_fe_sub(&r->T, &t0, &r->T);
	}
}

/* r = p + q for an affine q (sub != 0: p - q). */
AITBC_HD_BIG void aitbc_ge_maddsub(aitbc_ge_p1p1 *r, const aitbc_ge_p3 *p, const aitbc_ge_precomp *q,
                                   int sub)
{
	aitbc_fe t0;

	aitbc_fe_add(&r->X, &p->Y, &p->X);
	aitbc_fe_sub(&r->Y, &p->Y, &p->X);
	aitbc_fe_mul(&r->Z, &r->X, sub ? &q->yminusx : &q->yplusx);
	aitbc_fe_mul(&r->Y, &r->Y, sub ? &q->yplusx : &q->yminusx);
	aitbc_fe_mul(&r->T, &q->xy2d, &p->T);
	aitbc_fe_add(&t0, &p->Z, &p->Z);
	aitbc_fe_sub(&r->X, &r->Z, &r->Y);
	aitbc_fe_add(&r->Y, &r->Z, &r->Y);
	if (sub) {
		aitbc_fe_sub(&r->Z, &t0, &r->T);
		aitbc_fe_add(&r->T, &t0, &r->T);
	} else {
		aitbc_fe_add(&r->Z, &t0, &r->T);
		aitbc_fe_sub(&r->T, &t0, &r->T);
	}
}

/*
 * r = [a]A + [b]B, variable time; a and b are < 2^255 (here: < L). One
 * shared chain of doublings with signed sliding windows: width 5 for A
 * (odd multiples A..15A computed here) and width 7 for B (odd multiples
 * B..63B from the precomputed table), so about 253 doublings, 42 additions
 * of A multiples and 32 of base-point multiples.
 */
AITBC_HD void aitbc_ge_double_scalarmult_vartime(aitbc_ge_p3 *r, const uint8_t a[32],
                                                 const aitbc_ge_p3 *A, const uint8_t b[32])
{
	int8_t aslide[256], bslide[256];
	aitbc_ge_cached ai[1 << (AITBC_GE_A_WINDOW - 2)];
	aitbc_ge_p1p1 t;
	aitbc_ge_p3 u, a2;
	aitbc_ge_p2 acc;
	int i;

	aitbc_sc_slide(aslide, a, AITBC_GE_A_WINDOW);
	aitbc_sc_slide(bslide, b, AITBC_GE_BASE_WINDOW);

	aitbc_ge_p3_to_cached(&ai[0], A);
	aitbc_ge_p3_dbl(&t, A);
	aitbc_ge_p1p1_to_p3(&a2, &t);
	for (i = 1; i < (1 << (AITBC_GE_A_WINDOW - 2)); i++) {
		aitbc_ge_addsub(&t, &a2, &ai[i - 1], 0);
		aitbc_ge_p1p1_to_p3(&u, &t);
		aitbc_ge_p3_to_cached(&ai[i], &u);
	}

	/* t starts as the identity in completed form: ((0:1),(1:1)). */
	aitbc_fe_0(&t.X);
	aitbc_fe_1(&t.Y);
	aitbc_fe_1(&t.Z);
	aitbc_fe_1(&t.T);
	for (i = 255; i >= 0 && !aslide[i] && !bslide[i]; i--) {
	}
	for (; i >= 0; i--) {
		aitbc_ge_p1p1_to_p2(&acc, &t);
		aitbc_ge_p2_dbl(&t, &acc);
		if (aslide[i] > 0) {
			aitbc_ge_p1p1_to_p3(&u, &t);
			aitbc_ge_addsub(&t, &u, &ai[aslide[i] / 2], 0);
		} else if (aslide[i] < 0) {
			aitbc_ge_p1p1_to_p3(&u, &t);
			aitbc_ge_addsub(&t, &u, &ai[-aslide[i] / 2], 1);
		}
		if (bslide[i] > 0) {
			aitbc_ge_p1p1_to_p3(&u, &t);
			aitbc_ge_maddsub(&t, &u, &aitbc_ge_base_odd[bslide[i] / 2], 0);
		} else if (bslide[i] < 0) {
			aitbc_ge_p1p1_to_p3(&u, &t);
			aitbc_ge_maddsub(&t, &u, &aitbc_ge_base_odd[-bslide[i] / 2], 1);
		}
	}
	aitbc_ge_p1p1_to_p3(r, &t);
}

/* 1 if [8]p is the identity, i.e. p has small order. p's X and Z after
 * three doublings: the identity is X = 0, Y = Z. */
AITBC_HD int aitbc_ge_p3_is_small_order(const aitbc_ge_p3 *p)
{
	aitbc_ge_p1p1 t;
	aitbc_ge_p2 q;

	aitbc_ge_p3_dbl(&t, p);
	aitbc_ge_p1p1_to_p2(&q, &t);
	aitbc_ge_p2_dbl(&t, &q);
	aitbc_ge_p1p1_to_p2(&q, &t);
	aitbc_ge_p2_dbl(&t, &q);
	aitbc_ge_p1p1_to_p2(&q, &t);
	return aitbc_fe_iszero(&q.X) && aitbc_fe_equal(&q.Y, &q.Z);
}

#endif /* AITBC_GE25519_H */
