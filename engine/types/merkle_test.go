package types

import (
	"crypto/sha256"
	"testing"

	"aitbc/internal/seedtest"
)

// merkleBottomUp is an independent RFC 6962 construction: hash the leaves,
// then pair neighbours level by level, promoting an unpaired last node
// unchanged (never duplicating it).
func merkleBottomUp(leaves []Hash) Hash {
	if len(leaves) == 0 {
		return sha256.Sum256(nil)
	}
	level := make([]Hash, len(leaves))
	for i, l := range leaves {
		level[i] = sha256.Sum256(append([]byte{0}, l[:]...))
	}
	for len(level) > 1 {
		next := level[:0:0]
		for i := 0; i+1 < len(level); i += 2 {
			buf := append([]byte{1}, level[i][:]...)
			next = append(next, sha256.Sum256(append(buf, level[i+1][:]...)))
		}
		if len(level)%2 == 1 {
			next = append(next, level[len(level)-1])
		}
		level = next
	}
	return level[0]
}

func TestMerkleRootMatchesReference(t *testing.T) {
	r := seedtest.Rand(t)
	for n := 0; n <= 70; n++ {
		leaves := make([]Hash, n)
		for i := range leaves {
			leaves[i] = randHash(r)
		}
		if got, want := MerkleRoot(leaves), merkleBottomUp(leaves); got != want {
			t.Fatalf("%d leaves: root %v, reference %v", n, got, want)
		}
	}
}

func TestMerkleRootShapes(t *testing.T) {
	h := func(b ...byte) Hash { return sha256.Sum256(b) }
	leaf := func(x Hash) Hash { return h(append([]byte{0}, x[:]...)...) }
	node := func(l, r Hash) Hash { return h(append(append([]byte{1}, l[:]...), r[:]...)...) }
	l := specLeaves(5)
	tests := []struct {
		n    int
		want Hash
	}{
		{0, h()},
		{1, leaf(l[0])},
		{2, node(leaf(l[0]), leaf(l[1]))},
		{3, node(node(leaf(l[0]), leaf(l[1])), leaf(l[2]))},
		{5, node(node(node(leaf(l[0]), leaf(l[1])), node(leaf(l[2]), leaf(l[3]))), leaf(l[4]))},
	}
	for _, tc := range tests {
		if got := MerkleRoot(l[:tc.n]); got != tc.want {
			t.Errorf("%d leaves: %v, want %v", tc.n, got, tc.want)
		}
	}
}

func TestMerkleRootProperties(t *testing.T) {
	r := seedtest.Rand(t)
	leaves := make([]Hash, 13)
	for i := range leaves {
		leaves[i] = randHash(r)
	}
	root := MerkleRoot(leaves)
	// Every leaf and its position matter.
	for i := range leaves {
		mod := append([]Hash(nil), leaves...)
		mod[i][31] ^= 1
		if MerkleRoot(mod) == root {
			t.Fatalf("changing leaf %d keeps the root", i)
		}
	}
	swapped := append([]Hash(nil), leaves...)
	swapped[3], swapped[4] = swapped[4], swapped[3]
	if MerkleRoot(swapped) == root {
		t.Fatal("swapping two leaves keeps the root")
	}
	// No Bitcoin-style duplication (CVE-2012-2459): appending a copy of the
	// last leaf is a different tree.
	for _, n := range []int{1, 3, 5, 7, 13} {
		if MerkleRoot(leaves[:n]) == MerkleRoot(append(append([]Hash(nil), leaves[:n]...), leaves[n-1])) {
			t.Fatalf("%d leaves: duplicating the last leaf keeps the root", n)
		}
	}
	// Leaf and node hashes are domain-separated: a root is never a one-leaf root of itself.
	two := MerkleRoot(leaves[:2])
	if MerkleRoot([]Hash{two}) == two {
		t.Fatal("leaf hashing is not domain-separated")
	}
	// MerkleRoot does not modify its input.
	cp := append([]Hash(nil), leaves...)
	MerkleRoot(leaves)
	for i := range cp {
		if cp[i] != leaves[i] {
			t.Fatal("MerkleRoot modified its input")
		}
	}
}
