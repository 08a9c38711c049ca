package blocksync

import (
	"sync"
	"time"

	"aitbc/engine"
	"aitbc/engine/types"
)

// PeerTable remembers the committed head each peer last announced. The
// transport does not tell the node about disconnects, so entries age out
// after ttl and the table is capped: a new peer evicts the stalest entry.
// Heights are the peers' claims, unverified: they only steer whom block
// sync asks, and a peer that does not deliver is passed over for a while.
type PeerTable struct {
	mu    sync.Mutex
	max   int
	ttl   time.Duration
	peers map[engine.PeerID]*peerEntry
}

type peerEntry struct {
	height  uint64
	hash    types.Hash
	seen    time.Time // last status (or proof of a later height)
	benched time.Time // not asked for blocks before this
}

// NewPeerTable holds up to max peers, each live for ttl after its last status.
func NewPeerTable(max int, ttl time.Duration) *PeerTable {
	return &PeerTable{max: max, ttl: ttl, peers: make(map[engine.PeerID]*peerEntry)}
}

// entry returns p's entry, making room for it if it is new. Caller holds mu.
func (t *PeerTable) entry(p engine.PeerID, now time.Time) *peerEntry {
	if e := t.peers[p]; e != nil {
		return e
	}
	if len(t.peers) >= t.max {
		var stalest engine.PeerID
		var oldest *peerEntry
		for id, e := range t.peers {
			if oldest == nil || e.seen.Before(oldest.seen) || e.seen.Equal(oldest.seen) && id < stalest {
				stalest, oldest = id, e
			}
		}
		delete(t.peers, stalest)
	}
	e := &peerEntry{seen: now}
	t.peers[p] = e
	return e
}

// Update records p's announced head and reports whether it is news (a new
// peer or a new height). A lower height than before is believed: the peer
// may have restarted from an older store.
func (t *PeerTable) Update(p engine.PeerID, height uint64, hash types.Hash, now time.Time) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	_, known := t.peers[p]
	e := t.entry(p, now)
	news := !known || e.height != height
	e.height, e.hash, e.seen = height, hash, now
	return news
}

// Raise notes that p has committed at least height (it sent a message for
// the height after) and reports whether that is more than we knew.
func (t *PeerTable) Raise(p engine.PeerID, height uint64, now time.Time) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	e := t.entry(p, now)
	if height <= e.height {
		return false
	}
	e.height, e.hash, e.seen = height, types.Hash{}, now
	return true
}

// Lower caps what we believe of p's height (it answered a request with less).
func (t *PeerTable) Lower(p engine.PeerID, height uint64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if e := t.peers[p]; e != nil && e.height > height {
		e.height = height
	}
}

// Bench passes p over for block requests until until.
func (t *PeerTable) Bench(p engine.PeerID, until time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if e := t.peers[p]; e != nil {
		e.benched = until
	}
}

// Best returns the live peer with the highest head that may be asked for
// blocks (ties: the smallest id, so the choice does not depend on map
// order). A benched peer's claim is set aside: a peer that does not
// deliver does not keep us "behind".
func (t *PeerTable) Best(now time.Time) (peer engine.PeerID, peerHeight uint64, ok bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for id, e := range t.peers {
		if now.Sub(e.seen) > t.ttl || now.Before(e.benched) {
			continue
		}
		if !ok || e.height > peerHeight || e.height == peerHeight && id < peer {
			peer, peerHeight, ok = id, e.height, true
		}
	}
	return peer, peerHeight, ok
}

// Live counts the peers heard from within ttl and forgets the rest.
func (t *PeerTable) Live(now time.Time) int {
	t.mu.Lock()
	defer t.mu.Unlock()
	n := 0
	for id, e := range t.peers {
		if now.Sub(e.seen) > t.ttl {
			delete(t.peers, id)
			continue
		}
		n++
	}
	return n
}
