/*
 * kernelhost.c — the kernel-host backend's batch loop: the portable
 * verifier of cuda/aitbc_ed25519.h, compiled by gcc through cgo, applied to
 * a chunk of flattened items. Go calls it once per chunk, not per item.
 */
#include "kernelhost.h"

#include "aitbc_ed25519.h"

void aitbc_kh_verify_batch(const uint8_t *pks, const uint8_t *sigs, const uint8_t *msgs,
                           const uint64_t *off, size_t n, uint8_t *ok)
{
	for (size_t i = 0; i < n; i++) {
		ok[i] = (uint8_t)aitbc_ed25519_verify(pks + 32 * i, msgs + off[i],
		                                      (size_t)(off[i + 1] - off[i]), sigs + 64 * i);
	}
}
