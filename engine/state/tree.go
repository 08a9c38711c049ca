package state

import (
	"slices"

	"aitbc/engine/types"
)

// patch is the hashing work of one batch: every node value the State
// would hold after committing it. Batch.Root computes it without touching
// the State; Commit writes it, so a block is hashed once.
type patch struct {
	buckets []bucketPatch
	sets    []entryPatch // value-only bucket updates, sliced by bucketPatch ranges
	nodes   []nodePatch
	top     []nodePatch // top-tree heap slots
	root    types.Hash
	count   int // Len after the batch
}

// bucketPatch is the new state of one bucket: either rebuilt (membership
// changed: accounts created or emptied) or patched in place (only values
// changed, so the tree shape and slot names stay).
type bucketPatch struct {
	idx         int
	rebuilt     *bucket
	sets, nodes [2]int // ranges into patch.sets, patch.nodes
	hash        types.Hash
}

type entryPatch struct {
	i    int
	acct Account
	leaf types.Hash
}

// change is an account the batch changed, with where it sits in its
// bucket (found) or would be inserted, as of the batch's State version.
type change struct {
	AccountUpdate
	pos   int
	found bool
}

// prepare hashes the changes (sorted by address, each a real change) against
// the current, clean State.
func (s *State) prepare(changes []change) *patch {
	p := &patch{count: s.count, nodes: make([]nodePatch, 0, 4*len(changes)), sets: make([]entryPatch, 0, len(changes))}
	var dirty []int
	var newLeaf []types.Hash
	var touched []int
	var hashes []types.Hash
	for i := 0; i < len(changes); {
		idx := bucketOf(&changes[i].Address)
		j := i + 1
		for j < len(changes) && bucketOf(&changes[j].Address) == idx {
			j++
		}
		run := changes[i:j]
		i = j
		bk := &s.buckets[idx]
		dirty, newLeaf = dirty[:0], newLeaf[:0]
		reshape := false
		for k := range run {
			pos, found := run[k].pos, run[k].found
			empty := run[k].Account == Account{}
			switch {
			case found && empty:
				p.count--
				reshape = true
			case !found && !empty:
				p.count++
				reshape = true
			}
			dirty = append(dirty, pos)
		}
		bp := bucketPatch{idx: idx}
		if reshape {
			bp.rebuilt = bk.merged(run)
			bp.hash = bp.rebuilt.hash
		} else {
			bp.sets[0], bp.nodes[0] = len(p.sets), len(p.nodes)
			for k := range run {
				leaf := leafHash(&run[k].Address, run[k].Account)
				newLeaf = append(newLeaf, leaf)
				p.sets = append(p.sets, entryPatch{dirty[k], run[k].Account, leaf})
			}
			bp.hash = bk.repath(0, len(bk.entries), dirty, newLeaf, &p.nodes)
			bp.sets[1], bp.nodes[1] = len(p.sets), len(p.nodes)
		}
		p.buckets = append(p.buckets, bp)
		touched = append(touched, idx)
		hashes = append(hashes, bp.hash)
	}
	p.top, p.root = topPath(s.top, touched, hashes, nil)
	return p
}

// merged returns a new bucket: bk with the run (sorted, same bucket)
// applied, empty accounts dropped. Unchanged leaves are reused.
func (bk *bucket) merged(run []change) *bucket {
	out := make([]entry, 0, len(bk.entries)+len(run))
	ei := 0
	for k := range run {
		a := &run[k].Address
		for ei < len(bk.entries) && compareAddr(&bk.entries[ei].addr, a) < 0 {
			out = append(out, bk.entries[ei])
			ei++
		}
		if ei < len(bk.entries) && bk.entries[ei].addr == *a {
			ei++
		}
		if run[k].Account != (Account{}) {
			out = append(out, entry{addr: *a, acct: run[k].Account, leaf: leafHash(a, run[k].Account)})
		}
	}
	out = append(out, bk.entries[ei:]...)
	nb := &bucket{entries: out}
	nb.rehash()
	return nb
}

// newTop is the top tree over 4096 empty buckets, as a heap: top[1] is
// the root, top[numBuckets+i] bucket i's leaf. Every node of one level is
// the same hash.
func newTop() []types.Hash {
	top := make([]types.Hash, 2*numBuckets)
	h := leafOfHash(&emptyHash)
	for width := numBuckets; width >= 1; width /= 2 {
		for i := width; i < 2*width; i++ {
			top[i] = h
		}
		h = nodeHash(&h, &h)
	}
	return top
}

// topPath recomputes a top tree along the paths of the touched buckets
// (ascending, with their new hashes), reading every other node from top.
// It returns the new heap slots, bottom level first, and the new root.
func topPath(top []types.Hash, touched []int, hashes []types.Hash, out []nodePatch) ([]nodePatch, types.Hash) {
	if len(touched) == 0 {
		return out, top[1]
	}
	level := make([]nodePatch, len(touched))
	for k, idx := range touched {
		level[k] = nodePatch{numBuckets + idx, leafOfHash(&hashes[k])}
	}
	out = append(out, level...)
	for level[0].i > 1 {
		w := 0
		for k := 0; k < len(level); k++ {
			i := level[k].i
			var h types.Hash
			switch {
			case i&1 == 0 && k+1 < len(level) && level[k+1].i == i+1:
				h = nodeHash(&level[k].h, &level[k+1].h)
				k++
			case i&1 == 0:
				h = nodeHash(&level[k].h, &top[i+1])
			default:
				h = nodeHash(&top[i-1], &level[k].h)
			}
			level[w] = nodePatch{i / 2, h}
			w++
		}
		level = level[:w]
		out = append(out, level...)
	}
	return out, level[0].h
}

// apply writes a patch prepared against the current State.
func (s *State) apply(p *patch) {
	for _, bp := range p.buckets {
		bk := &s.buckets[bp.idx]
		if bp.rebuilt != nil {
			*bk = *bp.rebuilt
			continue
		}
		for _, e := range p.sets[bp.sets[0]:bp.sets[1]] {
			bk.entries[e.i].acct = e.acct
			bk.entries[e.i].leaf = e.leaf
		}
		for _, n := range p.nodes[bp.nodes[0]:bp.nodes[1]] {
			bk.nodes[n.i] = n.h
		}
		bk.hash = bp.hash
	}
	for _, n := range p.top {
		s.top[n.i] = n.h
	}
	s.count = p.count
}

// flush rehashes the buckets Set marked dirty. It writes only derived
// fields (leaves were hashed by Set; nodes, bucket hashes, top tree).
func (s *State) flush() {
	s.claims.flush()
	if len(s.dirty) == 0 {
		return
	}
	slices.Sort(s.dirty)
	hashes := make([]types.Hash, len(s.dirty))
	for k, idx := range s.dirty {
		bk := &s.buckets[idx]
		bk.rehash()
		bk.dirty = false
		hashes[k] = bk.hash
	}
	top, _ := topPath(s.top, s.dirty, hashes, nil)
	for _, n := range top {
		s.top[n.i] = n.h
	}
	s.dirty = s.dirty[:0]
}

// sortByAddress sorts updates by address in O(n) bucket passes plus a
// sort inside each bucket's run (so a ground address prefix costs
// n log n, not n²).
func sortByAddress(u []change) []change {
	cmp := func(a, b change) int { return compareAddr(&a.Address, &b.Address) }
	if len(u) < 256 {
		slices.SortFunc(u, cmp)
		return u
	}
	start := make([]int32, numBuckets+1)
	for i := range u {
		start[bucketOf(&u[i].Address)+1]++
	}
	for i := 1; i <= numBuckets; i++ {
		start[i] += start[i-1]
	}
	out := make([]change, len(u))
	next := slices.Clone(start[:numBuckets])
	for i := range u {
		k := bucketOf(&u[i].Address)
		out[next[k]] = u[i]
		next[k]++
	}
	for k := 0; k < numBuckets; k++ {
		if run := out[start[k]:start[k+1]]; len(run) > 1 {
			slices.SortFunc(run, cmp)
		}
	}
	return out
}
