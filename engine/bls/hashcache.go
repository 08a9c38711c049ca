package bls

import (
	"sync"

	bls12381 "github.com/consensys/gnark-crypto/ecc/bls12-381"
)

// hashCacheSize bounds the messages whose hash to G2 is remembered. The
// votes of one slot (height, round, type, block) all sign the same bytes,
// so a validator set's votes for a block share one hash: a few recent
// messages cover every vote in flight.
const hashCacheSize = 256

// hashCache remembers H(msg) for recent signed and verified messages: hashing to G2
// (map to curve and cofactor clearing) was about a quarter of a vote's
// verification. A pure function's memo: it changes no verdict. When full
// it is emptied (a flood of distinct messages costs only their own
// hashes, as without it). Safe for concurrent use.
type hashCache struct {
	mu sync.Mutex
	m  map[string]bls12381.G2Affine // key: dst, 0, msg
}

var verifyHashes = &hashCache{m: make(map[string]bls12381.G2Affine, hashCacheSize)}

// get returns hashToG2(msg, dst), from the cache when it holds it.
func (c *hashCache) get(msg []byte, dst string) bls12381.G2Affine {
	key := make([]byte, 0, len(dst)+1+len(msg))
	key = append(append(append(key, dst...), 0), msg...)
	c.mu.Lock()
	h, ok := c.m[string(key)]
	c.mu.Unlock()
	if ok {
		return h
	}
	h = hashToG2(msg, dst)
	c.mu.Lock()
	if len(c.m) >= hashCacheSize {
		clear(c.m)
	}
	c.m[string(key)] = h
	c.mu.Unlock()
	return h
}
