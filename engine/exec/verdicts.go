package exec

import (
	"sync"

	"aitbc/engine/types"
)

// VerdictCache remembers tx hashes whose signatures verified, FIFO-bounded,
// so a tx checked on admission is not checked again in its block. Only
// valid verdicts are kept: an invalid tx is never admitted, and caching
// failures would let garbage evict useful entries. Safe for concurrent use.
type VerdictCache struct {
	mu   sync.Mutex
	set  map[types.Hash]struct{}
	ring []types.Hash
	next int
}

// NewVerdictCache holds up to n hashes (n > 0).
func NewVerdictCache(n int) *VerdictCache {
	return &VerdictCache{set: make(map[types.Hash]struct{}, n), ring: make([]types.Hash, n)}
}

// Has reports whether h's signatures verified before.
func (c *VerdictCache) Has(h types.Hash) bool {
	c.mu.Lock()
	_, ok := c.set[h]
	c.mu.Unlock()
	return ok
}

// Add records that h's signatures verified, evicting the oldest entry
// when full.
func (c *VerdictCache) Add(h types.Hash) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.set[h]; ok {
		return
	}
	if old := c.ring[c.next]; !old.IsZero() {
		delete(c.set, old)
	}
	c.ring[c.next] = h
	c.set[h] = struct{}{}
	c.next = (c.next + 1) % len(c.ring)
}
