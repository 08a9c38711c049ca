package state

import (
	"crypto/sha256"
	"encoding/binary"
	"math/bits"

	"aitbc/engine/types"
)

// The state root is a two-level tree (docs/spec.md §13 has the exact bytes):
// accounts fall into 2^12 buckets by the first 12 bits of their address;
// a bucket's hash is the RFC 6962 Merkle tree hash of its accounts in
// address order; the root is the RFC 6962 tree hash of the 4096 bucket
// hashes. Every node is cached, so a block rehashes only the paths from
// the accounts it changed.
const (
	bucketBits = 12
	numBuckets = 1 << bucketBits
)

// emptyHash is the RFC 6962 hash of an empty list: SHA-256 of nothing.
var emptyHash = types.Sum256(nil)

// bucketOf is the address's first 12 bits. Address order is therefore
// bucket order, which lets sorted change lists be split into runs.
func bucketOf(a *types.Address) int { return int(a[0])<<4 | int(a[1])>>4 }

// leafHash is the RFC 6962 leaf hash of one account record:
// SHA-256(0x00 || address || balance u64 BE || nonce u64 BE).
func leafHash(a *types.Address, acct Account) types.Hash {
	var buf [1 + types.AddressLen + 16]byte
	copy(buf[1:], a[:])
	binary.BigEndian.PutUint64(buf[1+types.AddressLen:], acct.Balance)
	binary.BigEndian.PutUint64(buf[1+types.AddressLen+8:], acct.Nonce)
	return sha256.Sum256(buf[:])
}

// leafOfHash is the RFC 6962 leaf hash of a bucket hash (top tree).
func leafOfHash(h *types.Hash) types.Hash {
	var buf [1 + types.HashLen]byte
	copy(buf[1:], h[:])
	return sha256.Sum256(buf[:])
}

// nodeHash is the RFC 6962 interior node: SHA-256(0x01 || left || right).
func nodeHash(l, r *types.Hash) types.Hash {
	var buf [1 + 2*types.HashLen]byte
	buf[0] = 1
	copy(buf[1:], l[:])
	copy(buf[1+types.HashLen:], r[:])
	return sha256.Sum256(buf[:])
}

// split is the size of the left subtree of an RFC 6962 tree over n >= 2
// leaves: the largest power of two below n.
func split(n int) int { return 1 << (bits.Len(uint(n-1)) - 1) }

type entry struct {
	addr types.Address
	acct Account
	leaf types.Hash // leafHash(addr, acct)
}

// bucket holds its accounts sorted by address and every node of their
// RFC 6962 tree. An interior node is named by its split point: the node
// whose left subtree ends at leaf s-1 is nodes[s-1]. In-order, each gap
// between adjacent leaves belongs to exactly one interior node, so the
// n-1 slots are unique while the membership is unchanged.
type bucket struct {
	entries []entry
	nodes   []types.Hash
	hash    types.Hash
	dirty   bool // entries changed by Set; leaves, nodes and hash are stale
}

// find returns the index of a in the bucket, or where it would be inserted.
func (bk *bucket) find(a *types.Address) (int, bool) {
	lo, hi := 0, len(bk.entries)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if compareAddr(&bk.entries[m].addr, a) < 0 {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo, lo < len(bk.entries) && bk.entries[lo].addr == *a
}

// compareAddr orders addresses as bytes.Compare does, in three word loads.
func compareAddr(a, b *types.Address) int {
	x, y := binary.BigEndian.Uint64(a[0:8]), binary.BigEndian.Uint64(b[0:8])
	if x == y {
		x, y = binary.BigEndian.Uint64(a[8:16]), binary.BigEndian.Uint64(b[8:16])
		if x == y {
			x, y = uint64(binary.BigEndian.Uint32(a[16:20])), uint64(binary.BigEndian.Uint32(b[16:20]))
		}
	}
	switch {
	case x < y:
		return -1
	case x > y:
		return 1
	}
	return 0
}

// rehash recomputes every node from the cached leaves.
func (bk *bucket) rehash() {
	n := len(bk.entries)
	if n == 0 {
		bk.nodes = bk.nodes[:0]
		bk.hash = emptyHash
		return
	}
	if cap(bk.nodes) < n-1 {
		bk.nodes = make([]types.Hash, n-1)
	}
	bk.nodes = bk.nodes[:n-1]
	bk.hash = bk.build(0, n)
}

func (bk *bucket) build(lo, hi int) types.Hash {
	if hi-lo == 1 {
		return bk.entries[lo].leaf
	}
	s := lo + split(hi-lo)
	l, r := bk.build(lo, s), bk.build(s, hi)
	h := nodeHash(&l, &r)
	bk.nodes[s-1] = h
	return h
}

// nodePatch is a node value computed for a batch, written at Commit.
type nodePatch struct {
	i int
	h types.Hash
}

// repath returns the tree hash of leaves [lo, hi) when the leaves at the
// ascending indices dirty take the values newLeaf (same length), reading
// every untouched subtree from the cache and appending each recomputed
// interior node to out. The bucket itself is not modified.
func (bk *bucket) repath(lo, hi int, dirty []int, newLeaf []types.Hash, out *[]nodePatch) types.Hash {
	if len(dirty) == 0 {
		if hi-lo == 1 {
			return bk.entries[lo].leaf
		}
		return bk.nodes[lo+split(hi-lo)-1]
	}
	if hi-lo == 1 {
		return newLeaf[0]
	}
	s := lo + split(hi-lo)
	j := 0
	for j < len(dirty) && dirty[j] < s {
		j++
	}
	l := bk.repath(lo, s, dirty[:j], newLeaf[:j], out)
	r := bk.repath(s, hi, dirty[j:], newLeaf[j:], out)
	h := nodeHash(&l, &r)
	*out = append(*out, nodePatch{s - 1, h})
	return h
}
