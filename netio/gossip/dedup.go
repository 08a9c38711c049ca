package gossip

import (
	"sync"

	"aitbc/engine"
	"aitbc/engine/types"
)

// dedup remembers the hashes of recently seen messages in a fixed ring:
// the oldest entry is overwritten first, so memory is bounded by the ring
// size whatever peers send. Each entry keeps the peer it first came from
// ("" for our own), which BroadcastTxs uses to skip echoing a tx back.
type dedup struct {
	mu sync.Mutex
	hashRing[dedupEntry]
}

type dedupEntry struct {
	origin engine.PeerID
	at     int64 // unix nanoseconds when recorded
}

func newDedup(size int) *dedup {
	return &dedup{hashRing: newHashRing[dedupEntry](size)}
}

// observe records h as seen from origin at now and reports whether it was
// already recorded. With window > 0 an entry older than window no longer
// counts: it is refreshed and the message is new again.
func (d *dedup) observe(h types.Hash, origin engine.PeerID, now, window int64) (dup bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.observeLocked(h, origin, now, window)
}

func (d *dedup) observeLocked(h types.Hash, origin engine.PeerID, now, window int64) bool {
	if e := d.get(h); e != nil {
		if window <= 0 || now-e.at < window {
			return true
		}
		e.origin, e.at = origin, now
		return false
	}
	*d.put(h) = dedupEntry{origin: origin, at: now}
	return false
}

// originLocked returns the peer h was first seen from, recording it as
// our own when it is new.
func (d *dedup) originLocked(h types.Hash, now int64) engine.PeerID {
	if e := d.get(h); e != nil {
		return e.origin
	}
	d.observeLocked(h, "", now, 0)
	return ""
}
