/*
 * aitbc_sha512.h — SHA-512 (FIPS 180-4), streaming, with no allocation and
 * a 16-word rolling message schedule (the context is 200 bytes, the
 * compression function's locals about as much), so a GPU thread can hash
 * R || A || M straight from the buffers it was given.
 */
#ifndef AITBC_SHA512_H
#define AITBC_SHA512_H

#include "aitbc_hd.h"

typedef struct {
	uint64_t h[8];
	uint8_t buf[128];
	uint64_t len;  /* bytes hashed so far (messages < 2^61 bytes) */
	unsigned fill; /* bytes in buf */
} aitbc_sha512_ctx;

/* Round constants. All threads of a warp read the same entry at the same
 * time, which suits either memory space AITBC_TABLE picks. */
AITBC_TABLE uint64_t aitbc_sha512_k[80] = {
	0x428a2f98d728ae22ULL, 0x7137449123ef65cdULL, 0xb5c0fbcfec4d3b2fULL, 0xe9b5dba58189dbbcULL,
	0x3956c25bf348b538ULL, 0x59f111f1b605d019ULL, 0x923f82a4af194f9bULL, 0xab1c5ed5da6d8118ULL,
	0xd807aa98a3030242ULL, 0x12835b0145706fbeULL, 0x243185be4ee4b28cULL, 0x550c7dc3d5ffb4e2ULL,
	0x72be5d74f27b896fULL, 0x80deb1fe3b1696b1ULL, 0x9bdc06a725c71235ULL, 0xc19bf174cf692694ULL,
	0xe49b69c19ef14ad2ULL, 0xefbe4786384f25e3ULL, 0x0fc19dc68b8cd5b5ULL, 0x240ca1cc77ac9c65ULL,
	0x2de92c6f592b0275ULL, 0x4a7484aa6ea6e483ULL, 0x5cb0a9dcbd41fbd4ULL, 0x76f988da831153b5ULL,
	0x983e5152ee66dfabULL, 0xa831c66d2db43210ULL, 0xb00327c898fb213fULL, 0xbf597fc7beef0ee4ULL,
	0xc6e00bf33da88fc2ULL, 0xd5a79147930aa725ULL, 0x06ca6351e003826fULL, 0x142929670a0e6e70ULL,
	0x27b70a8546d22ffcULL, 0x2e1b21385c26c926ULL, 0x4d2c6dfc5ac42aedULL, 0x53380d139d95b3dfULL,
	0x650a73548baf63deULL, 0x766a0abb3c77b2a8ULL, 0x81c2c92e47edaee6ULL, 0x92722c851482353bULL,
	0xa2bfe8a14cf10364ULL, 0xa81a664bbc423001ULL, 0xc24b8b70d0f89791ULL, 0xc76c51a30654be30ULL,
	0xd192e819d6ef5218ULL, 0xd69906245565a910ULL, 0xf40e35855771202aULL, 0x106aa07032bbd1b8ULL,
	0x19a4c116b8d2d0c8ULL, 0x1e376c085141ab53ULL, 0x2748774cdf8eeb99ULL, 0x34b0bcb5e19b48a8ULL,
	0x391c0cb3c5c95a63ULL, 0x4ed8aa4ae3418acbULL, 0x5b9cca4f7763e373ULL, 0x682e6ff3d6b2b8a3ULL,
	0x748f82ee5defb2fcULL, 0x78a5636f43172f60ULL, 0x84c87814a1f0ab72ULL, 0x8cc702081a6439ecULL,
	0x90befffa23631e28ULL, 0xa4506cebde82bde9ULL, 0xbef9a3f7b2c67915ULL, 0xc67178f2e372532bULL,
	0xca273eceea26619cULL, 0xd186b8c721c0c207ULL, 0xeada7dd6cde0eb1eULL, 0xf57d4f7fee6ed178ULL,
	0x06f067aa72176fbaULL, 0x0a637dc5a2c898a6ULL, 0x113f9804bef90daeULL, 0x1b710b35131c471bULL,
	0x28db77f523047d84ULL, 0x32caab7b40c72493ULL, 0x3c9ebe0a15c9bebcULL, 0x431d67c49c100d4cULL,
	0x4cc5d4becb3e42b6ULL, 0x597f299cfc657e2aULL, 0x5fcb6fab3ad6faecULL, 0x6c44198c4a475817ULL,
};

AITBC_HD uint64_t aitbc_sha512_rotr(uint64_t x, int n)
{
	return (x >> n) | (x << (64 - n));
}

AITBC_HD uint64_t aitbc_sha512_load64be(const uint8_t *p)
{
	uint64_t x = 0;

	for (int i = 0; i < 8; i++) {
		x = (x << 8) | p[i];
	}
	return x;
}

AITBC_HD void aitbc_sha512_store64be(uint8_t *p, uint64_t x)
{
	for (int i = 7; i >= 0; i--) {
		p[i] = (uint8_t)x;
		x >>= 8;
	}
}

/* One 128-byte block into the state h. */
AITBC_HD_BIG void aitbc_sha512_block(uint64_t h[8], const uint8_t *blk)
{
	uint64_t w[16];
	uint64_t a = h[0], b = h[1], c = h[2], d = h[3];
	uint64_t e = h[4], f = h[5], g = h[6], hh = h[7];

	for (int t = 0; t < 80; t++) {
		uint64_t wt;
		if (t < 16) {
			wt = aitbc_sha512_load64be(blk + 8 * t);
		} else {
			uint64_t w15 = w[(t - 15) & 15], w2 = w[(t - 2) & 15];
			uint64_t s0 = aitbc_sha512_rotr(w15, 1) ^ aitbc_sha512_rotr(w15, 8) ^ (w15 >> 7);
			uint64_t s1 = aitbc_sha512_rotr(w2, 19) ^ aitbc_sha512_rotr(w2, 61) ^ (w2 >> 6);
			wt = w[t & 15] + s0 + w[(t - 7) & 15] + s1;
		}
		w[t & 15] = wt;
		uint64_t S1 = aitbc_sha512_rotr(e, 14) ^ aitbc_sha512_rotr(e, 18) ^ aitbc_sha512_rotr(e, 41);
		uint64_t ch = (e & f) ^ (~e & g);
		uint64_t t1 = hh + S1 + ch + aitbc_sha512_k[t] + wt;
		uint64_t S0 = aitbc_sha512_rotr(a, 28) ^ aitbc_sha512_rotr(a, 34) ^ aitbc_sha512_rotr(a, 39);
		uint64_t maj = (a & b) ^ (a & c) ^ (b & c);
		uint64_t t2 = S0 + maj;
		hh = g;
		g = f;
		f = e;
		e = d + t1;
		d = c;
		c = b;
		b = a;
		a = t1 + t2;
	}
	h[0] += a;
	h[1] += b;
	h[2] += c;
	h[3] += d;
	h[4] += e;
	h[5] += f;
	h[6] += g;
	h[7] += hh;
}

AITBC_HD void aitbc_sha512_init(aitbc_sha512_ctx *ctx)
{
	ctx->h[0] = 0x6a09e667f3bcc908ULL;
	ctx->h[1] = 0xbb67ae8584caa73bULL;
	ctx->h[2] = 0x3c6ef372fe94f82bULL;
	ctx->h[3] = 0xa54ff53a5f1d36f1ULL;
	ctx->h[4] = 0x510e527fade682d1ULL;
	ctx->h[5] = 0x9b05688c2b3e6c1fULL;
	ctx->h[6] = 0x1f83d9abfb41bd6bULL;
	ctx->h[7] = 0x5be0cd19137e2179ULL;
	ctx->len = 0;
	ctx->fill = 0;
}

/* Appends n bytes at p (p may be NULL when n is 0). */
AITBC_HD void aitbc_sha512_update(aitbc_sha512_ctx *ctx, const uint8_t *p, size_t n)
{
	ctx->len += n;
	if (ctx->fill > 0) {
		while (n > 0 && ctx->fill < 128) {
			ctx->buf[ctx->fill++] = *p++;
			n--;
		}
		if (ctx->fill < 128) {
			return;
		}
		aitbc_sha512_block(ctx->h, ctx->buf);
		ctx->fill = 0;
	}
	while (n >= 128) {
		aitbc_sha512_block(ctx->h, p);
		p += 128;
		n -= 128;
	}
	while (n > 0) {
		ctx->buf[ctx->fill++] = *p++;
		n--;
	}
}

/* Writes the 64-byte digest; ctx must be initialised again before reuse. */
AITBC_HD void aitbc_sha512_final(aitbc_sha512_ctx *ctx, uint8_t out[64])
{
	unsigned i = ctx->fill;

	ctx->buf[i++] = 0x80;
	if (i > 112) {
		while (i < 128) {
			ctx->buf[i++] = 0;
		}
		aitbc_sha512_block(ctx->h, ctx->buf);
		i = 0;
	}
	while (i < 120) {
		ctx->buf[i++] = 0; /* includes the high 64 bits of the 128-bit length */
	}
	aitbc_sha512_store64be(ctx->buf + 120, ctx->len << 3);
	aitbc_sha512_block(ctx->h, ctx->buf);
	for (i = 0; i < 8; i++) {
		aitbc_sha512_store64be(out + 8 * i, ctx->h[i]);
	}
}

#endif /* AITBC_SHA512_H */
