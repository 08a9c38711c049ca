// Package gpu verifies Ed25519 signatures in batches: the Verifier
// interface, the always-built CPU backend, and the Batcher that coalesces
// checks from many callers. The CUDA backend (build tag cuda, paired with a
// no-cuda file exporting the same API) and NVML health plug in behind the
// same interface.
//
// # The rule
//
// Validity is ZIP-215, written out in docs/spec.md §12: the cofactored
// equation [8][S]B = [8]R + [8][k]A, S < L required, A and R accepted in
// any encoding that decodes to a point (non-canonical and small-order
// included), k = SHA-512(R||A||M) mod L over the bytes as given. Verify is
// that rule for one signature; every Verifier must return exactly its
// verdicts. Because the equation is cofactored, a batch check (random
// linear combination) accepts a batch iff every item is valid, up to a
// 2^-128 chance per batch, so batched and single verdicts agree by
// construction; a failed batch is re-checked item by item.
//
// # Library
//
// The CPU backend uses github.com/oasisprotocol/curve25519-voi
// (primitives/ed25519 with the ZIP-215 options, and its BatchVerifier);
// github.com/hdevalence/ed25519consensus, the ZIP-215 reference, is the
// oracle in tests and fuzzing. Measured on one core of a loaded shared
// machine (go test ./gpu -run '^$' -bench 'Stdlib|CPU|Reference'
// -benchtime 300ms -cpu 1), in verifies/s: voi single 29.7k vs
// ed25519consensus 13.8k; batch of 256 61k vs 29k; batch of 1024 70k vs
// 35k (crypto/ed25519, cofactorless and unbatched: 18.4k). voi wins
// because it uses precomputed tables for moderate batches and Pippenger
// for large ones, and its batch verifier returns per-item verdicts from
// the already-decoded points when a batch fails, where ed25519consensus
// only says "some item is bad". Decoded, expanded public keys are cached
// across batches (keycache.go, 4,096 keys): a sender's key is decompressed
// once, not per signature (1.4–1.6x verifies/s on repeat senders,
// docs/benchmarks.md).
//
// # Batcher
//
// Callers use Batcher.Verify (one item) or Batcher.VerifyAll (a block's
// txs); both block until every verdict is in. Items wait in a bounded queue
// (QueueLen); a batch leaves when MaxBatch items are queued or the oldest
// has waited MaxWait. Up to two batches are verified at once so the next
// one fills while the previous runs. A full queue either rejects (ErrBusy)
// or makes the caller wait, per RejectWhenFull. A batch the primary fails
// on (error, wrong verdict count, or panic) is re-run on the fallback and
// counted in aitbc_sigverify_fallbacks_total. Close drains: queued checks
// are flushed at once and answered; a backend that does not finish within
// a grace period is cancelled, then abandoned, and its callers get
// ErrClosed, so Close never hangs.
//
// # Kernel arithmetic on the host, CUDA, NVML
//
// cuda/ holds the GPU verifier's arithmetic as portable C headers (field
// mod 2^255-19, scalars mod L, SHA-512, ZIP-215 point decoding, the
// double-scalar multiplication with a precomputed base-point table) that
// compile under nvcc for the device and under gcc for the host.
// NewKernelHost runs that host build through cgo, so every test run checks
// the GPU's math against NewCPU on all vectors, random signatures and
// mutations (equiv_test.go). kernelhost_stamp.h records a hash of the
// headers: after editing them, regenerate it with
// go test ./gpu -run 'TestKernelHost(Table|Stamp)' -update.
//
// NewCUDA (build tag cuda; nocuda.go returns ErrNoCUDA) runs one thread per
// signature on the device with pinned buffers and several streams. Auto and
// Choose pick the backend for SIGVERIFY_BACKEND; health.Monitor (package
// gpu/health) polls NVML (loaded at run time; no driver means "no GPU") and
// NewGuarded makes an unhealthy device fail its batches, so the Batcher
// falls back to the CPU.
//
// A GPU pays a fixed cost per call, so small batches are faster on the
// CPU. BatcherConfig.MinPrimaryBatch sends them there; Crossover measures
// the size where the GPU starts to win, on the host where the node runs
// (both backends side by side, best of several rounds, every verdict
// checked), and CrossoverSize is the rule: the smallest measured size from
// which the GPU is never slower. cmd/aitbcd runs it at start
// (GPU_MIN_BATCH=0) and bench sigverify --compare reports it.
//
// The Batcher uses wall-clock time only to decide when to flush; verdicts
// never depend on timing, batch composition or order.
package gpu
