/*
 * aitbc_sc25519.h — scalars modulo the group order
 * L = 2^252 + 27742317777372353535851937790883648493, as 32-byte
 * little-endian strings: the S < L check, the reduction of a SHA-512 output,
 * and the signed sliding-window recoding the double-scalar multiplication
 * consumes.
 */
#ifndef AITBC_SC25519_H
#define AITBC_SC25519_H

#include "aitbc_hd.h"

/* 1 if the 256-bit little-endian s is < L (S is canonical), else 0. */
AITBC_HD int aitbc_sc_is_canonical(const uint8_t s[32])
{
	/* L, little-endian. */
	const uint8_t l[32] = {
		0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10,
	};

	for (int i = 31; i >= 0; i--) {
		if (s[i] != l[i]) {
			return s[i] < l[i];
		}
	}
	return 0; /* s == L */
}

/*
 * Folds limb i (weight 2^(21 i), i >= 12) into limbs i-12 .. i-7, using
 * 2^252 = -c (mod L) with -c written in signed 21-bit limbs
 * (666643, 470296, 654183, -997805, 136657, -683901).
 */
AITBC_HD void aitbc_sc_fold(int64_t s[24], int i)
{
	s[i - 12] += s[i] * 666643;
	s[i - 11] += s[i] * 470296;
	s[i - 10] += s[i] * 654183;
	s[i - 9] -= s[i] * 997805;
	s[i - 8] += s[i] * 136657;
	s[i - 7] -= s[i] * 683901;
	s[i] = 0;
}

/* Rounded carry of limb i into limb i+1, leaving |s[i]| <= 2^20. */
AITBC_HD void aitbc_sc_carry_round(int64_t s[24], int i)
{
	int64_t c = (s[i] + ((int64_t)1 << 20)) >> 21;
	s[i + 1] += c;
	s[i] -= c * ((int64_t)1 << 21);
}

/* Floor carry of limb i into limb i+1, leaving 0 <= s[i] < 2^21. */
AITBC_HD void aitbc_sc_carry_floor(int64_t s[24], int i)
{
	int64_t c = s[i] >> 21;
	s[i + 1] += c;
	s[i] -= c * ((int64_t)1 << 21);
}

/*
 * out = the 512-bit little-endian in mod L (canonical, < L): k from the
 * SHA-512 digest. ref10's sc_reduce in 21-bit limbs: fold the high limbs
 * down twice with carries between, then a final exact pass.
 */
AITBC_HD void aitbc_sc_reduce64(uint8_t out[32], const uint8_t in[64])
{
	int64_t s[24];
	uint64_t acc = 0;
	int bits = 0, n = 0, k = 0;

	/* 23 limbs of 21 bits, then the top 29 bits. */
	for (int i = 0; i < 24; i++) {
		while ((bits < 21 || i == 23) && n < 64) {
			acc |= (uint64_t)in[n++] << bits;
			bits += 8;
		}
		if (i < 23) {
			s[i] = (int64_t)(acc & 0x1fffff);
			acc >>= 21;
			bits -= 21;
		} else {
			s[i] = (int64_t)acc; /* the remaining 29 bits */
		}
	}

	for (int i = 23; i >= 18; i--) {
		aitbc_sc_fold(s, i);
	}
	for (int i = 6; i <= 16; i += 2) {
		aitbc_sc_carry_round(s, i);
	}
	for (int i = 7; i <= 15; i += 2) {
		aitbc_sc_carry_round(s, i);
	}
	for (int i = 17; i >= 12; i--) {
		aitbc_sc_fold(s, i);
	}
	for (int i = 0; i <= 10; i += 2) {
		aitbc_sc_carry_round(s, i);
	}
	for (int i = 1; i <= 11; i += 2) {
		aitbc_sc_carry_round(s, i);
	}
	aitbc_sc_fold(s, 12);
	for (int i = 0; i <= 11; i++) {
		aitbc_sc_carry_floor(s, i);
	}
	aitbc_sc_fold(s, 12);
	for (int i = 0; i <= 10; i++) {
		aitbc_sc_carry_floor(s, i);
	}

	acc = 0;
	bits = 0;
	for (int i = 0; i < 12; i++) {
		acc |= (uint64_t)s[i] << bits;
		bits += 21;
		while (bits >= 8) {
			out[k++] = (uint8_t)acc;
			acc >>= 8;
			bits -= 8;
		}
	}
	out[k] = (uint8_t)acc; /* 12 * 21 = 252 bits: k == 31 here */
}

/*
 * Signed sliding-window recoding (ref10's slide, window width w): r[i] in
 * {0, +-1, +-3, ..., +-(2^(w-1) - 1)} with a = sum r[i] 2^i, nonzero digits
 * at least w positions apart in practice. a must be < 2^255 (every scalar
 * here is < L < 2^253), so no carry leaves the 256 digits.
 */
AITBC_HD void aitbc_sc_slide(int8_t r[256], const uint8_t a[32], int w)
{
	const int bound = (1 << (w - 1)) - 1;

	for (int i = 0; i < 256; i++) {
		r[i] = (int8_t)(1 & (a[i >> 3] >> (i & 7)));
	}
	for (int i = 0; i < 256; i++) {
		if (!r[i]) {
			continue;
		}
		for (int b = 1; b < w && i + b < 256; b++) {
			if (!r[i + b]) {
				continue;
			}
			int d = r[i + b] * (1 << b);
			if (r[i] + d <= bound) {
				r[i] = (int8_t)(r[i] + d);
				r[i + b] = 0;
			} else if (r[i] - d >= -bound) {
				r[i] = (int8_t)(r[i] - d);
				for (int k = i + b; k < 256; k++) {
					if (!r[k]) {
						r[k] = 1;
						break;
					}
					r[k] = 0;
				}
			} else {
				break;
			}
		}
	}
}

#endif /* AITBC_SC25519_H */
