/*
 * aitbc_ed25519.h — Ed25519 signature verification under ZIP-215, the one
 * rule of docs/signatures.md, in portable code: the kernel-host backend
 * (gcc, through cgo) and the CUDA kernel (nvcc, one thread per signature)
 * compile this same function, and the Go tests check it against gpu.Verify
 * on every vector.
 *
 *   AITBC_HD int aitbc_ed25519_verify(const uint8_t pk[32], const uint8_t *msg,
 *                                     size_t msg_len, const uint8_t sig[64]);
 *
 * returns 1 if sig = R || S is valid for msg under the public key pk, else
 * 0. pk and sig are fixed-size (length checks are the caller's); msg may be
 * NULL when msg_len is 0. No allocation; about 3.5 KiB of stack on the host
 * (1.9 KiB on sm_80), mostly A's window table and the window digits.
 */
#ifndef AITBC_ED25519_H
#define AITBC_ED25519_H

#include "aitbc_ge25519.h"
#include "aitbc_sc25519.h"
#include "aitbc_sha512.h"

/* k = SHA-512(R || A || M) mod L, over the bytes as given. */
AITBC_HD void aitbc_ed25519_challenge(uint8_t k[32], const uint8_t r[32], const uint8_t pk[32],
                                      const uint8_t *msg, size_t msg_len)
{
	aitbc_sha512_ctx ctx;
	uint8_t h[64];

	aitbc_sha512_init(&ctx);
	aitbc_sha512_update(&ctx, r, 32);
	aitbc_sha512_update(&ctx, pk, 32);
	aitbc_sha512_update(&ctx, msg, msg_len);
	aitbc_sha512_final(&ctx, h);
	aitbc_sc_reduce64(k, h);
}

AITBC_HD int aitbc_ed25519_verify(const uint8_t pk[32], const uint8_t *msg, size_t msg_len,
                                  const uint8_t sig[64])
{
	aitbc_ge_p3 a, r, p;
	aitbc_ge_cached rc;
	aitbc_ge_p1p1 t;
	uint8_t k[32];

	/* Rule step 2: S < L. */
	if (!aitbc_sc_is_canonical(sig + 32)) {
		return 0;
	}
	/* Step 3: A and R must be points (any encoding, any order). */
	if (!aitbc_ge_frombytes_zip215(&a, pk) || !aitbc_ge_frombytes_zip215(&r, sig)) {
		return 0;
	}
	/* Step 4. */
	aitbc_ed25519_challenge(k, sig, pk, msg, msg_len);
	/* Step 5: [8]([S]B - [k]A - R) == identity. */
	aitbc_ge_p3_neg(&a, &a);
	aitbc_ge_double_scalarmult_vartime(&p, k, &a, sig + 32);
	aitbc_ge_p3_to_cached(&rc, &r);
	aitbc_ge_addsub(&t, &p, &rc, 1);
	aitbc_ge_p1p1_to_p3(&p, &t);
	return aitbc_ge_p3_is_small_order(&p);
}

#endif /* AITBC_ED25519_H */
