package engine

import (
	"sync"

	"aitbc/engine/types"
)

// verdictCache remembers tx hashes whose signature verified, FIFO-bounded.
// Only valid verdicts are kept: an invalid tx is never admitted, and caching
// failures would let garbage evict useful entries.
type verdictCache struct {
	mu   sync.Mutex
	set  map[types.Hash]struct{}
	ring []types.Hash
	next int
}

func newVerdictCache(n int) *verdictCache {
	return &verdictCache{set: make(map[types.Hash]struct{}, n), ring: make([]types.Hash, n)}
}

func (c *verdictCache) has(h types.Hash) bool {
	c.mu.Lock()
	_, ok := c.set[h]
	c.mu.Unlock()
	return ok
}

func (c *verdictCache) add(h types.Hash) {
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
