package gossip

import "aitbc/engine/types"

// hashRing maps recent hashes to entries in a fixed ring: adding to a
// full ring overwrites the oldest entry, so memory is bounded by its size
// whatever peers send. dedup and heardFrom keep their entries in one; the
// owner locks.
type hashRing[E any] struct {
	idx  map[types.Hash]uint32 // hash -> slot
	ring []ringSlot[E]
	next uint32 // slot to overwrite next
}

type ringSlot[E any] struct {
	hash  types.Hash
	used  bool
	entry E
}

func newHashRing[E any](size int) hashRing[E] {
	return hashRing[E]{idx: make(map[types.Hash]uint32, size), ring: make([]ringSlot[E], size)}
}

// get returns h's entry, or nil when the ring does not hold h.
func (r *hashRing[E]) get(h types.Hash) *E {
	if i, ok := r.idx[h]; ok {
		return &r.ring[i].entry
	}
	return nil
}

// put adds h with a zero entry in place of the oldest and returns the
// entry. h must not be held already (get first).
func (r *hashRing[E]) put(h types.Hash) *E {
	i := r.next
	r.next = (r.next + 1) % uint32(len(r.ring))
	s := &r.ring[i]
	if s.used && r.idx[s.hash] == i {
		delete(r.idx, s.hash)
	}
	*s = ringSlot[E]{hash: h, used: true}
	r.idx[h] = i
	return &s.entry
}
