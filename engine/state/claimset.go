package state

import (
	"crypto/sha256"
	"encoding/binary"
	"slices"

	"aitbc/engine/types"
)

// claimSet is the set of claimed job ids, keyed by types.ReceiptJobHash,
// and its Merkle tree (docs/spec.md §13.4). It has the account tree's shape:
// 4096 buckets by the first 12 bits of the job hash, each an RFC 6962 tree
// over its job hashes in ascending order, and an RFC 6962 tree over the
// bucket hashes. Leaves and the top tree are cached; a bucket that gains a
// claim is rehashed from its cached leaves (its membership changed, so no
// interior node keeps its place), then the bucket's top-tree path.
type claimSet struct {
	buckets []claimBucket
	top     []types.Hash // heap, as State.top
	count   int
	dirty   []int // buckets add changed since the last flush
}

type claimBucket struct {
	keys   []types.Hash // job hashes, ascending
	leaves []types.Hash // leafOfHash(keys[i])
	hash   types.Hash
	dirty  bool
}

// claimPatch is a batch's new claims hashed against the set, as patch is
// for accounts: Batch.Root computes it, Commit installs it.
type claimPatch struct {
	buckets []claimBucketPatch
	top     []nodePatch
	root    types.Hash
	count   int
}

type claimBucketPatch struct {
	idx          int
	keys, leaves []types.Hash
	hash         types.Hash
}

func newClaimSet() claimSet {
	cs := claimSet{buckets: make([]claimBucket, numBuckets), top: newTop()}
	for i := range cs.buckets {
		cs.buckets[i].hash = emptyHash
	}
	return cs
}

// claimBucketOf is the job hash's first 12 bits, so hash order is bucket order.
func claimBucketOf(h *types.Hash) int { return int(h[0])<<4 | int(h[1])>>4 }

// compareHash orders hashes as bytes.Compare does.
func compareHash(a, b *types.Hash) int {
	for i := 0; i < types.HashLen; i += 8 {
		x, y := binary.BigEndian.Uint64(a[i:]), binary.BigEndian.Uint64(b[i:])
		switch {
		case x < y:
			return -1
		case x > y:
			return 1
		}
	}
	return 0
}

func (bk *claimBucket) find(h *types.Hash) (int, bool) {
	lo, hi := 0, len(bk.keys)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if compareHash(&bk.keys[m], h) < 0 {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo, lo < len(bk.keys) && bk.keys[lo] == *h
}

func (cs *claimSet) has(h *types.Hash) bool {
	_, ok := cs.buckets[claimBucketOf(h)].find(h)
	return ok
}

// add inserts h (restore); rehashing waits for flush. It reports whether
// h was new.
func (cs *claimSet) add(h types.Hash) bool {
	idx := claimBucketOf(&h)
	bk := &cs.buckets[idx]
	i, found := bk.find(&h)
	if found {
		return false
	}
	bk.keys = slices.Insert(bk.keys, i, h)
	bk.leaves = slices.Insert(bk.leaves, i, leafOfHash(&h))
	cs.count++
	if !bk.dirty {
		bk.dirty = true
		cs.dirty = append(cs.dirty, idx)
	}
	return true
}

func (cs *claimSet) flush() {
	if len(cs.dirty) == 0 {
		return
	}
	slices.Sort(cs.dirty)
	hashes := make([]types.Hash, len(cs.dirty))
	for k, idx := range cs.dirty {
		bk := &cs.buckets[idx]
		bk.hash = mthOfLeaves(bk.leaves)
		bk.dirty = false
		hashes[k] = bk.hash
	}
	top, _ := topPath(cs.top, cs.dirty, hashes, nil)
	for _, n := range top {
		cs.top[n.i] = n.h
	}
	cs.dirty = cs.dirty[:0]
}

func (cs *claimSet) root() types.Hash {
	cs.flush()
	return cs.top[1]
}

// prepare hashes new claims (ascending, none already in the set) against
// the clean set without modifying it.
func (cs *claimSet) prepare(sorted []types.Hash) *claimPatch {
	p := &claimPatch{count: cs.count + len(sorted)}
	var touched []int
	var hashes []types.Hash
	for i := 0; i < len(sorted); {
		idx := claimBucketOf(&sorted[i])
		j := i + 1
		for j < len(sorted) && claimBucketOf(&sorted[j]) == idx {
			j++
		}
		bp := cs.buckets[idx].merged(sorted[i:j])
		bp.idx = idx
		i = j
		p.buckets = append(p.buckets, bp)
		touched = append(touched, idx)
		hashes = append(hashes, bp.hash)
	}
	p.top, p.root = topPath(cs.top, touched, hashes, nil)
	return p
}

// merged is the bucket with the run (ascending, absent from it) inserted,
// in new slices: the set's own stay untouched until apply.
func (bk *claimBucket) merged(run []types.Hash) claimBucketPatch {
	n := len(bk.keys) + len(run)
	keys, leaves := make([]types.Hash, 0, n), make([]types.Hash, 0, n)
	ei := 0
	for k := range run {
		for ei < len(bk.keys) && compareHash(&bk.keys[ei], &run[k]) < 0 {
			ei++
		}
		// Copy the old entries before run[k] in one go.
		keys = append(keys, bk.keys[len(keys)-k:ei]...)
		leaves = append(leaves, bk.leaves[len(leaves)-k:ei]...)
		keys = append(keys, run[k])
		leaves = append(leaves, leafOfHash(&run[k]))
	}
	keys = append(keys, bk.keys[ei:]...)
	leaves = append(leaves, bk.leaves[ei:]...)
	return claimBucketPatch{keys: keys, leaves: leaves, hash: mthOfLeaves(leaves)}
}

func (cs *claimSet) apply(p *claimPatch) {
	for i := range p.buckets {
		bp := &p.buckets[i]
		bk := &cs.buckets[bp.idx]
		bk.keys, bk.leaves, bk.hash = bp.keys, bp.leaves, bp.hash
	}
	for _, n := range p.top {
		cs.top[n.i] = n.h
	}
	cs.count = p.count
}

// mthOfLeaves is the RFC 6962 tree hash over already-hashed leaves.
func mthOfLeaves(l []types.Hash) types.Hash {
	switch len(l) {
	case 0:
		return emptyHash
	case 1:
		return l[0]
	}
	k := split(len(l))
	a, b := mthOfLeaves(l[:k]), mthOfLeaves(l[k:])
	return nodeHash(&a, &b)
}

// stateRootDomain separates the state root from every other hash.
const stateRootDomain = "AITBC/state-root/v1\x00"

// combineRoots is the state root:
// SHA-256("AITBC/state-root/v1\x00" || accounts_root || receipts_root).
func combineRoots(accounts, receipts *types.Hash) types.Hash {
	var buf [len(stateRootDomain) + 2*types.HashLen]byte
	n := copy(buf[:], stateRootDomain)
	n += copy(buf[n:], accounts[:])
	copy(buf[n:], receipts[:])
	return sha256.Sum256(buf[:])
}
