package mempool

import (
	"encoding/binary"
	"math"

	"aitbc/engine/types"
)

// cursor is a sender's next tx in an ordered walk. It carries the sort
// key (fee, first hash word) by value, so heap moves rarely touch items.
type cursor struct {
	fee uint64
	h0  uint64
	it  *item
	q   *queue
	i   int
}

func cursorAt(q *queue, i int) cursor {
	it := q.txs[i]
	return cursor{fee: it.fee, h0: binary.BigEndian.Uint64(it.hash[:8]), it: it, q: q, i: i}
}

// before is better() on cursors.
func before(a, b cursor) bool {
	switch {
	case a.fee != b.fee:
		return a.fee > b.fee
	case a.h0 != b.h0:
		return a.h0 < b.h0
	}
	return better(a.it, b.it)
}

// walk emits pending txs in priority order: a heap holds each sender's next
// tx, the best is taken, and its successor in the queue takes its place.
// So fees decide across senders, nonces within one (geth's price-and-nonce
// order). start gives a sender's first index (ok false: skip the sender);
// strict requires each next tx to have exactly the following nonce; emit
// returns false to stop the walk, or skip to drop the rest of that sender.
func (m *Mempool) walk(start func(types.Address, *queue) (int, bool), strict bool, emit func(*item) (stop, skipSender bool)) {
	h := heap[cursor]{less: before}
	h.items = make([]cursor, 0, len(m.senders))
	for addr, q := range m.senders { // map order only fills the heap; the heap decides
		if i, ok := start(addr, q); ok {
			h.items = append(h.items, cursorAt(q, i))
		}
	}
	h.init()
	for h.len() > 0 {
		c := h.peek()
		it := c.it
		stop, skip := emit(it)
		if stop {
			return
		}
		next := c.i + 1
		if skip || next == len(c.q.txs) || strict && c.q.txs[next].nonce != it.nonce+1 {
			h.pop()
			continue
		}
		h.items[0] = cursorAt(c.q, next)
		h.fix(0)
	}
}

// Reap returns up to maxTxs txs totalling at most maxBytes, in priority
// order: by fee across senders, by nonce within a sender, each sender's
// run starting at nonceOf(sender)+1 and stopping at its first gap. A tx
// that does not fit in the bytes left ends its sender's run. Ties between
// equal fees go to the smaller tx hash. The pool is not modified.
func (m *Mempool) Reap(maxTxs, maxBytes int, nonceOf func(types.Address) uint64) []*types.Tx {
	if maxTxs <= 0 || maxBytes <= 0 || len(m.byHash) == 0 {
		return nil
	}
	out := make([]*types.Tx, 0, min(maxTxs, len(m.byHash)))
	used := 0
	start := func(addr types.Address, q *queue) (int, bool) {
		n := nonceOf(addr)
		if n == math.MaxUint64 {
			return 0, false
		}
		i, ok := q.find(n + 1)
		return i, ok
	}
	m.walk(start, true, func(it *item) (bool, bool) {
		if used+it.size > maxBytes {
			return false, true
		}
		out = append(out, it.tx)
		used += it.size
		return len(out) == maxTxs, false
	})
	return out
}

// Txs lists up to limit pending txs (all when limit <= 0) in the same
// priority order as Reap, but gaps do not hide a sender's later txs:
// it is the RPC listing of everything pending.
func (m *Mempool) Txs(limit int) []*types.Tx {
	if limit <= 0 || limit > len(m.byHash) {
		limit = len(m.byHash)
	}
	if limit == 0 {
		return nil
	}
	out := make([]*types.Tx, 0, limit)
	m.walk(func(types.Address, *queue) (int, bool) { return 0, true }, false, func(it *item) (bool, bool) {
		out = append(out, it.tx)
		return len(out) == limit, false
	})
	return out
}

// Update runs after a block commits (or with the txs a proposal left out
// because they failed): it removes the listed txs and, for their senders,
// every pending tx whose nonce is now <= nonceOf(sender). Only the
// listed txs' senders are looked at: no other account's nonce can change.
func (m *Mempool) Update(committed []*types.Tx, nonceOf func(types.Address) uint64) {
	removed := 0
	var touched []types.Address
	seen := make(map[types.Address]struct{}, len(committed))
	for _, tx := range committed {
		from := tx.From()
		if _, ok := seen[from]; !ok {
			seen[from] = struct{}{}
			touched = append(touched, from)
		}
		q := m.senders[from]
		if q == nil {
			continue
		}
		i, ok := q.find(tx.Nonce)
		if !ok {
			continue
		}
		// The pending tx with this nonce may be another one (a replacement,
		// or the block carried a different tx); only this one goes now.
		if it := q.txs[i]; it.tx == tx || it.hash == tx.Hash() {
			m.remove(it)
			removed++
		}
	}
	for _, from := range touched {
		if q := m.senders[from]; q != nil {
			removed += m.dropStale(q, nonceOf(from))
		}
	}
	m.m.Removed.Add(float64(removed))
}
