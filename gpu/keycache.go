package gpu

import (
	"sync"

	"github.com/oasisprotocol/curve25519-voi/primitives/ed25519"
)

// keyCacheSize bounds the expanded public keys kept (each about 1.5 KiB,
// so at most about 6 MiB): enough for every active sender of a busy
// chain, where the same accounts sign tx after tx.
const keyCacheSize = 4096

// keyCache keeps public keys decompressed and expanded (curve25519-voi's
// ExpandedPublicKey) across batches, and for a lone signature too, so a
// sender's key is decoded once, not once per signature: decoding a point costs a field square root,
// a sizeable share of one signature's batch cost. It only saves work:
// the batch equation and every verdict are the same with or without it
// (the ZIP-215 checks on the key are made on the cached flags). A key
// that does not decode is not cached; the batch then gets the raw key
// and rejects that entry exactly as before. When full, an arbitrary key
// makes room: a flood of fresh keys costs only their own decoding.
// Safe for concurrent use.
type keyCache struct {
	mu   sync.Mutex
	keys map[[PublicKeySize]byte]*ed25519.ExpandedPublicKey
}

func newKeyCache() *keyCache {
	return &keyCache{keys: make(map[[PublicKeySize]byte]*ed25519.ExpandedPublicKey, keyCacheSize)}
}

// get returns pub expanded, or nil if pub is not a valid point encoding
// (the caller then adds the raw key, which fails the same way).
// A nil cache caches nothing.
func (c *keyCache) get(pub []byte) *ed25519.ExpandedPublicKey {
	if c == nil || len(pub) != PublicKeySize {
		return nil
	}
	k := [PublicKeySize]byte(pub)
	c.mu.Lock()
	e := c.keys[k]
	c.mu.Unlock()
	if e != nil {
		return e
	}
	e, err := ed25519.NewExpandedPublicKey(pub)
	if err != nil {
		return nil
	}
	c.mu.Lock()
	if len(c.keys) >= keyCacheSize {
		for old := range c.keys {
			delete(c.keys, old)
			break
		}
	}
	c.keys[k] = e
	c.mu.Unlock()
	return e
}
