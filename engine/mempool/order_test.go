package mempool

import (
	"bytes"
	"slices"
	"testing"

	"aitbc/engine/types"
	"aitbc/internal/seedtest"
)

func nonces(m map[types.Address]uint64) func(types.Address) uint64 {
	return func(a types.Address) uint64 { return m[a] }
}

func TestReapOrder(t *testing.T) {
	a1, a2, a3 := mk(1, 1, 5, 10), mk(1, 2, 5, 100), mk(1, 3, 5, 5)
	b1 := mk(2, 1, 5, 50)
	c1, c3 := mk(3, 1, 5, 20), mk(3, 3, 5, 90) // c2 missing: c3 is stuck
	d1 := mkPayload(4, 1, 5, 1000, 2000)       // best fee, biggest tx
	m := New(smallConfig())
	for _, tx := range []*types.Tx{a3, c3, b1, a2, c1, a1} {
		add(t, m, tx)
	}
	none := nonces(nil)
	tests := []struct {
		name     string
		maxTxs   int
		maxBytes int
		nonceOf  func(types.Address) uint64
		withD    bool
		want     []*types.Tx
	}{
		{"fee across senders, nonce within", 100, 1 << 20, none, false, []*types.Tx{b1, c1, a1, a2, a3}},
		{"maxTxs", 2, 1 << 20, none, false, []*types.Tx{b1, c1}},
		{"maxTxs zero", 0, 1 << 20, none, false, nil},
		{"maxBytes", 100, 3*a1.Size() + 1, none, false, []*types.Tx{b1, c1, a1}},
		{"maxBytes below one tx", 100, a1.Size() - 1, none, false, []*types.Tx{}},
		{"committed nonces skipped", 100, 1 << 20, nonces(map[types.Address]uint64{addrOf(1): 1}), false, []*types.Tx{a2, b1, c1, a3}},
		{"gap fills from the account", 100, 1 << 20, nonces(map[types.Address]uint64{addrOf(3): 2}), false, []*types.Tx{c3, b1, a1, a2, a3}},
		{"no tx at the account's next nonce", 100, 1 << 20, nonces(map[types.Address]uint64{addrOf(2): 5}), false, []*types.Tx{c1, a1, a2, a3}},
		{"a tx that does not fit skips its sender only", 100, 1500, none, true, []*types.Tx{b1, c1, a1, a2, a3}},
		{"a big tx that fits goes first", 100, 1 << 20, none, true, []*types.Tx{d1, b1, c1, a1, a2, a3}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := m
			if tc.withD {
				m = New(smallConfig())
				for _, tx := range []*types.Tx{a1, a2, a3, b1, c1, c3, d1} {
					add(t, m, tx)
				}
			}
			got := m.Reap(tc.maxTxs, tc.maxBytes, tc.nonceOf)
			if len(got) != len(tc.want) || !slices.Equal(got, tc.want) && len(got) > 0 {
				t.Fatalf("reaped fees %v, want %v", fees(got), fees(tc.want))
			}
			size := 0
			for _, tx := range got {
				size += tx.Size()
			}
			if len(got) > tc.maxTxs || size > tc.maxBytes {
				t.Fatalf("limits exceeded: %d txs, %d bytes", len(got), size)
			}
		})
	}
	if m.Len() != 6 {
		t.Fatal("Reap modified the pool")
	}
}

func TestReapTiesByHash(t *testing.T) {
	m := New(smallConfig())
	var txs []*types.Tx
	for i := 1; i <= 8; i++ {
		tx := mk(i, 1, 5, 77)
		txs = append(txs, tx)
		add(t, m, tx)
	}
	got := m.Reap(100, 1<<20, nonces(nil))
	for i := 1; i < len(got); i++ {
		h0, h1 := got[i-1].Hash(), got[i].Hash()
		if bytes.Compare(h0[:], h1[:]) >= 0 {
			t.Fatalf("equal fees not ordered by hash at %d", i)
		}
	}
}

// TestOrderIndependentOfInsertion: the same pending set reaps and lists
// identically however it was built.
func TestOrderIndependentOfInsertion(t *testing.T) {
	r := seedtest.Rand(t)
	var txs []*types.Tx
	for s := 1; s <= 30; s++ {
		for n := uint64(1); n <= uint64(1+r.IntN(6)); n++ {
			if r.IntN(8) == 0 {
				continue // a gap
			}
			txs = append(txs, mk(s, n, 5, uint64(r.IntN(20))))
		}
	}
	var reaps, lists [][]*types.Tx
	for round := 0; round < 4; round++ {
		r.Shuffle(len(txs), func(i, j int) { txs[i], txs[j] = txs[j], txs[i] })
		m := New(smallConfig())
		for _, tx := range txs {
			add(t, m, tx)
		}
		reaps = append(reaps, m.Reap(1000, 1<<20, nonces(nil)))
		lists = append(lists, m.Txs(0))
	}
	for i := 1; i < len(reaps); i++ {
		if !slices.Equal(reaps[0], reaps[i]) || !slices.Equal(lists[0], lists[i]) {
			t.Fatal("order depends on insertion order")
		}
	}
	if len(lists[0]) != len(txs) {
		t.Fatalf("Txs listed %d of %d", len(lists[0]), len(txs))
	}
}

func TestTxsListing(t *testing.T) {
	m := New(smallConfig())
	a1, a3 := mk(1, 1, 5, 10), mk(1, 3, 5, 90) // gap at 2
	b1 := mk(2, 1, 5, 50)
	for _, tx := range []*types.Tx{a1, a3, b1} {
		add(t, m, tx)
	}
	if got := m.Txs(0); !slices.Equal(got, []*types.Tx{b1, a1, a3}) {
		t.Fatalf("Txs(0): %v", fees(got))
	}
	if got := m.Txs(2); !slices.Equal(got, []*types.Tx{b1, a1}) {
		t.Fatalf("Txs(2): %v", fees(got))
	}
	if got := New(smallConfig()).Txs(10); len(got) != 0 {
		t.Fatal("empty pool lists txs")
	}
}

func TestUpdate(t *testing.T) {
	m := New(smallConfig())
	a1, a2, a3 := mk(1, 1, 5, 10), mk(1, 2, 5, 10), mk(1, 3, 5, 10)
	b1, b2 := mk(2, 1, 5, 10), mk(2, 2, 5, 10)
	c1 := mk(3, 1, 5, 10)
	for _, tx := range []*types.Tx{a1, a2, a3, b1, b2, c1} {
		add(t, m, tx)
	}
	// A block committed a1, a2 and a different tx than our b1 with nonce 1.
	otherB1 := mk(2, 1, 6, 11)
	committed := map[types.Address]uint64{addrOf(1): 2, addrOf(2): 1}
	m.Update([]*types.Tx{a1, a2, otherB1}, nonces(committed))
	for tx, want := range map[*types.Tx]bool{a1: false, a2: false, a3: true, b1: false, b2: true, c1: true} {
		if _, ok := m.Get(tx.Hash()); ok != want {
			t.Errorf("nonce %d of %s: pending %v, want %v", tx.Nonce, tx.From(), ok, want)
		}
	}
	check(t, m)
	// A proposal left c1 out because it failed: it goes, nothing else does.
	m.Update([]*types.Tx{c1}, nonces(committed))
	if _, ok := m.Get(c1.Hash()); ok || m.Len() != 2 {
		t.Fatalf("failed tx not removed: len %d", m.Len())
	}
	// A failed tx in the middle strands its successors until the nonce is refilled.
	m.Update([]*types.Tx{a3}, nonces(committed))
	add(t, m, mk(1, 4, 5, 10))
	if got := m.Reap(10, 1<<20, nonces(committed)); !slices.Equal(got, []*types.Tx{b2}) {
		t.Fatalf("reap with a gap: %v", fees(got))
	}
	add(t, m, mk(1, 3, 5, 10))
	if got := m.Reap(10, 1<<20, nonces(committed)); len(got) != 3 {
		t.Fatalf("reap after refill: %d txs", len(got))
	}
	check(t, m)
	m.Update(nil, nonces(committed)) // nothing to do
	m.Update([]*types.Tx{mk(77, 1, 1, 1)}, nonces(committed))
	if m.Len() != 3 {
		t.Fatal("Update with unknown txs changed the pool")
	}
}
