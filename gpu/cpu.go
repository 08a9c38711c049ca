package gpu

import (
	"context"
	"fmt"
	"runtime"
	"sync"

	"github.com/oasisprotocol/curve25519-voi/curve/scalar"
	"github.com/oasisprotocol/curve25519-voi/primitives/ed25519"
)

// maxChunk caps the items one worker batch-verifies in one go. Larger
// chunks amortise the multiscalar multiplication better (Pippenger), but
// cancellation is only checked between chunks and one bad signature sends
// its whole chunk to single checks.
const maxChunk = 1024

// cpuVerifier is the always-built backend: curve25519-voi's batch verifier
// under the ZIP-215 options, spread over a fixed number of goroutines.
type cpuVerifier struct {
	workers int
	pool    sync.Pool // *ed25519.BatchVerifier, reused across chunks
	keys    *keyCache
}

// NewCPU returns the CPU backend using up to workers goroutines per
// VerifyBatch call; workers <= 0 means one per core (GOMAXPROCS).
func NewCPU(workers int) Verifier {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	return &cpuVerifier{workers: workers, keys: newKeyCache()}
}

func (c *cpuVerifier) Name() string { return "cpu" }

// VerifyBatch splits items into at most maxChunk-sized chunks that workers
// take in order. Each chunk is checked with one batch equation; only a
// chunk that fails it is re-checked item by item to find the bad ones.
// A done ctx stops the work between chunks and returns ctx's error.
func (c *cpuVerifier) VerifyBatch(ctx context.Context, items []Item) ([]bool, error) {
	ok := make([]bool, len(items))
	if len(items) == 0 {
		return ok, nil
	}
	err := forChunks(ctx, items, ok, c.workers, maxChunk, func() (func([]Item, []bool), func()) {
		return c.verifyChunk, func() {}
	})
	if err != nil {
		return nil, fmt.Errorf("gpu: cpu verify: %w", err)
	}
	return ok, nil
}

// verifyChunk writes the verdict of each item into ok. Items that fail the
// cheap checks (lengths, S < L) are false and stay out of the batch, so a
// malformed item cannot by itself force its chunk onto the slow path.
func (c *cpuVerifier) verifyChunk(items []Item, ok []bool) {
	if len(items) == 1 {
		// A lone item (light load: the batcher flushes at once) skips the
		// key's decompression too when its sender is cached.
		it := items[0]
		if k := c.keys.get(it.PubKey); k != nil && len(it.Sig) == SignatureSize {
			ok[0] = ed25519.VerifyExpandedWithOptions(k, it.Msg, it.Sig, zip215)
		} else {
			ok[0] = Verify(it.PubKey, it.Msg, it.Sig)
		}
		return
	}
	bv, _ := c.pool.Get().(*ed25519.BatchVerifier)
	if bv == nil {
		bv = ed25519.NewBatchVerifierWithCapacity(len(items))
	}
	defer c.pool.Put(bv.Reset())

	idx := make([]int, 0, len(items))
	for i, it := range items {
		if !wellFormed(it) {
			continue
		}
		if k := c.keys.get(it.PubKey); k != nil {
			bv.AddExpandedWithOptions(k, it.Msg, it.Sig, zip215)
		} else {
			bv.AddWithOptions(it.PubKey, it.Msg, it.Sig, zip215)
		}
		idx = append(idx, i)
	}
	if len(idx) == 0 {
		return
	}
	// Verify runs the cofactored batch equation and, only if it fails,
	// the same per-item equation as Verify on the already decoded points.
	_, valid := bv.Verify(nil)
	for j, i := range idx {
		ok[i] = valid[j]
	}
}

// wellFormed is the part of the rule that needs no curve arithmetic.
func wellFormed(it Item) bool {
	return len(it.PubKey) == PublicKeySize && len(it.Sig) == SignatureSize &&
		scalar.ScMinimalVartime(it.Sig[32:])
}
