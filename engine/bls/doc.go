// Package bls implements the BLS12-381 signatures that validators use for
// votes, proposals and commit certificates.
//
// The scheme is the IETF BLS signature "minimal-pubkey-size" variant with
// proof of possession (draft-irtf-cfrg-bls-signature, the variant Ethereum
// uses): public keys are G1 points (48 bytes compressed), signatures are G2
// points (96 bytes compressed, ZCash/IETF serialization), messages are hashed
// to G2 with RFC 9380 hash_to_curve (BLS12381G2_XMD:SHA-256_SSWU_RO_) under
// DST "BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_". A proof of possession is
// a signature over the 48 public-key bytes under
// DST "BLS_POP_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_"; every key must prove
// possession before it joins a validator set, which is what makes
// same-message aggregation (one pairing check for a whole commit) safe
// against rogue-key attacks.
//
// Validation rules (consensus-critical): a public key or signature decodes
// only from the canonical compressed form, with the x coordinate below p,
// on the curve and in the prime-order subgroup; the identity is rejected for
// both. Verify, VerifyAggregate and VerifyPossession never panic and return
// false for any malformed input.
//
// Decompressing a G1 key costs a square root and a subgroup check, so keys
// used again and again (a validator set) should be prepared once with
// PublicKey.Prepare; VerifyAggregate keeps a bounded cache of prepared keys
// for callers that only have the bytes. The verify path also remembers the
// hash to G2 of the last 256 messages (hashcache.go): every vote of a slot
// and the slot's commit certificate sign the same bytes, so a slot's
// message is hashed once, not once per vote (1.5x per slot of four votes:
// BenchmarkVerifySlot).
//
// The package is pure: no I/O, no clocks, no goroutines. The caches are
// guarded by mutexes and never change a verdict.
//
// VerifySameMessage (batch.go) checks the signatures of many keys over one
// message with one pairing product, each signature but the first weighted
// by a 64-bit coefficient hashed from all the inputs, so invalid
// signatures cannot cancel each other; validators.Set.VerifyVoteBatch uses
// it for the votes of a slot that a node has queued together.
//
// A SigMemo (sigmemo.go) remembers decoded signatures for its owner (one
// per node's chain of validator sets), so a certificate aggregating votes
// that were just checked does not decompress them again. Its methods are
// the checks and the aggregate above, decoding through it.
package bls
