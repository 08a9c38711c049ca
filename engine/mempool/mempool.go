package mempool

import (
	"bytes"
	"fmt"
	"math/bits"
	"slices"

	"aitbc/engine/state"
	"aitbc/engine/types"
)

// item is one pending tx.
type item struct {
	tx     *types.Tx
	hash   types.Hash
	sender types.Address
	nonce  uint64 // tx.Nonce and tx.Fee, copied: orderings read them without touching the tx
	fee    uint64
	size   int
	cost   uint64 // amount + fee: what the tx can take from the sender
	tail   int    // index in Mempool.tails while it is its sender's last tx, else -1
}

// better is the priority order: higher fee first, then the smaller hash.
// It is a total order, so every ordering built on it is deterministic.
func better(a, b *item) bool {
	if a.fee != b.fee {
		return a.fee > b.fee
	}
	return bytes.Compare(a.hash[:], b.hash[:]) < 0
}

// queue is one sender's pending txs, ascending by nonce, nonces unique.
type queue struct {
	txs  []*item
	cost uint64 // sum of the items' cost (fits: each Add checks it against the balance)
}

func (q *queue) find(nonce uint64) (int, bool) {
	i, ok := slices.BinarySearchFunc(q.txs, nonce, func(it *item, n uint64) int {
		switch {
		case it.nonce < n:
			return -1
		case it.nonce > n:
			return 1
		}
		return 0
	})
	return i, ok
}

func (q *queue) last() *item { return q.txs[len(q.txs)-1] }

// Mempool is the pool of pending txs. See the package doc.
type Mempool struct {
	cfg     Config
	byHash  map[types.Hash]*item
	senders map[types.Address]*queue
	tails   heap[*item] // each sender's last tx, worst first: the eviction candidates
	bytes   int
	m       *Metrics
}

// New returns an empty pool. It panics if cfg is invalid (check
// cfg.Validate first; the node does at start).
func New(cfg Config) *Mempool {
	if err := cfg.Validate(); err != nil {
		panic(err)
	}
	return &Mempool{
		cfg:     cfg,
		byHash:  make(map[types.Hash]*item),
		senders: make(map[types.Address]*queue),
		tails: heap[*item]{
			less:  func(a, b *item) bool { return better(b, a) },
			moved: func(it *item, i int) { it.tail = i },
		},
		m: NopMetrics(),
	}
}

// SetMetrics replaces the instruments (nil: NopMetrics).
func (m *Mempool) SetMetrics(mt *Metrics) {
	if mt == nil {
		mt = NopMetrics()
	}
	m.m = mt
}

// Len is the number of pending txs.
func (m *Mempool) Len() int { return len(m.byHash) }

// Bytes is the sum of the pending txs' encoded sizes.
func (m *Mempool) Bytes() int { return m.bytes }

// Get returns a pending tx by hash.
func (m *Mempool) Get(hash types.Hash) (*types.Tx, bool) {
	if it, ok := m.byHash[hash]; ok {
		return it.tx, true
	}
	return nil, false
}

// Add admits a pre-verified tx (see the package doc). sender is the
// sender's committed account and minFee the chain's minimum fee for tx.
// On error the pool is unchanged, except that the sender's txs with
// nonces the account has already used are dropped.
func (m *Mempool) Add(tx *types.Tx, hash types.Hash, sender state.Account, minFee uint64) error {
	if err := m.add(tx, hash, sender, minFee); err != nil {
		m.m.Rejected.Add(1)
		return err
	}
	m.m.Admitted.Add(1)
	return nil
}

func (m *Mempool) add(tx *types.Tx, hash types.Hash, sender state.Account, minFee uint64) error {
	if _, dup := m.byHash[hash]; dup {
		return fmt.Errorf("%w: %s", ErrDuplicate, hash)
	}
	if tx.Nonce <= sender.Nonce {
		return fmt.Errorf("%w: nonce %d, account nonce is %d", ErrNonceTooLow, tx.Nonce, sender.Nonce)
	}
	if ahead := tx.Nonce - sender.Nonce; ahead > m.cfg.NonceWindow {
		return fmt.Errorf("%w: nonce %d is %d past account nonce %d, window %d", ErrNonceGap, tx.Nonce, ahead, sender.Nonce, m.cfg.NonceWindow)
	}
	if tx.Fee < minFee {
		return fmt.Errorf("%w: fee %d < minimum %d", state.ErrFeeTooLow, tx.Fee, minFee)
	}
	cost, carry := bits.Add64(tx.Amount, tx.Fee, 0)
	if carry != 0 {
		return fmt.Errorf("%w: amount %d + fee %d overflows", ErrInsufficientFunds, tx.Amount, tx.Fee)
	}
	from := tx.From()
	q := m.senders[from]
	if q != nil {
		m.dropStale(q, sender.Nonce)
		q = m.senders[from]
	}
	var old *item
	var pos int
	if q != nil {
		var found bool
		if pos, found = q.find(tx.Nonce); found {
			old = q.txs[pos]
		}
	}
	if old != nil {
		if !replaces(tx.Fee, old.tx.Fee) {
			return fmt.Errorf("%w: fee %d, pending tx %s with nonce %d pays %d; a replacement must pay at least 10%% more",
				ErrReplacementUnderpriced, tx.Fee, old.hash, tx.Nonce, old.tx.Fee)
		}
	} else if q != nil && len(q.txs) >= m.cfg.MaxPerSender {
		return fmt.Errorf("%w: %d pending, limit %d", ErrSenderLimit, len(q.txs), m.cfg.MaxPerSender)
	}
	pending := uint64(0)
	if q != nil {
		pending = q.cost
	}
	if old != nil {
		pending -= old.cost
	}
	if total, carry := bits.Add64(pending, cost, 0); carry != 0 || total > sender.Balance {
		return fmt.Errorf("%w: pending %d + amount %d + fee %d > balance %d", ErrInsufficientFunds, pending, tx.Amount, tx.Fee, sender.Balance)
	}
	it := &item{tx: tx, hash: hash, sender: from, nonce: tx.Nonce, fee: tx.Fee, size: tx.Size(), cost: cost, tail: -1}
	if err := m.makeRoom(it, old); err != nil {
		return err
	}
	if q == nil {
		q = &queue{}
		m.senders[from] = q
	}
	if old != nil {
		q.txs[pos] = it
		q.cost -= old.cost
		m.bytes -= old.size
		delete(m.byHash, old.hash)
		m.m.Replaced.Add(1)
	} else {
		q.txs = slices.Insert(q.txs, pos, it)
	}
	q.cost += cost
	m.bytes += it.size
	m.byHash[hash] = it
	m.retail(q, old)
	return nil
}

// replaces reports whether fee is at least 10% above old (and above it):
// fee × 10 >= old × 11, in 128 bits.
func replaces(fee, old uint64) bool {
	if fee <= old {
		return false
	}
	nh, nl := bits.Mul64(fee, 10)
	oh, ol := bits.Mul64(old, 11)
	return nh > oh || nh == oh && nl >= ol
}

// makeRoom evicts the worst sender-last txs of other senders until it
// (replacing old, if set) fits, provided each pays less than it; otherwise
// it restores the evicted txs and returns ErrFull.
func (m *Mempool) makeRoom(it, old *item) error {
	count, size := len(m.byHash)+1, m.bytes+it.size
	if old != nil {
		count, size = count-1, size-old.size
	}
	var evicted []*item
	for count > m.cfg.MaxTxs || size > m.cfg.MaxBytes {
		if m.tails.len() == 0 {
			break // unreachable: an empty pool fits any valid tx
		}
		worst := m.tails.peek()
		if worst.sender == it.sender || worst.fee >= it.fee {
			for i := len(evicted) - 1; i >= 0; i-- {
				m.insertLast(evicted[i])
			}
			return fmt.Errorf("%w: %d txs, %d bytes (limits %d, %d); fee %d does not beat the cheapest evictable fee %d",
				ErrFull, len(m.byHash), m.bytes, m.cfg.MaxTxs, m.cfg.MaxBytes, it.tx.Fee, worst.tx.Fee)
		}
		m.remove(worst)
		evicted = append(evicted, worst)
		count, size = count-1, size-worst.size
	}
	m.m.Evicted.Add(float64(len(evicted)))
	return nil
}

// insertLast puts back an evicted item, which was its sender's last.
func (m *Mempool) insertLast(it *item) {
	q := m.senders[it.sender]
	if q == nil {
		q = &queue{}
		m.senders[it.sender] = q
	}
	q.txs = append(q.txs, it)
	q.cost += it.cost
	m.bytes += it.size
	m.byHash[it.hash] = it
	m.retail(q, nil)
}

// remove takes one item out of its queue and the pool.
func (m *Mempool) remove(it *item) {
	q := m.senders[it.sender]
	i, _ := q.find(it.nonce)
	q.txs = slices.Delete(q.txs, i, i+1)
	q.cost -= it.cost
	m.bytes -= it.size
	delete(m.byHash, it.hash)
	m.retail(q, it)
	if len(q.txs) == 0 {
		delete(m.senders, it.sender)
	}
}

// dropStale removes the sender's txs whose nonce the account has used.
func (m *Mempool) dropStale(q *queue, nonce uint64) int {
	n := 0
	for len(q.txs) > 0 && q.txs[0].nonce <= nonce {
		m.remove(q.txs[0])
		n++
	}
	return n
}

// retail keeps the tails heap holding exactly q's last item. gone is an
// item that just left q (removed or replaced), if any.
func (m *Mempool) retail(q *queue, gone *item) {
	if gone != nil && gone.tail >= 0 {
		m.tails.remove(gone.tail)
	}
	if len(q.txs) == 0 {
		return
	}
	last := q.last()
	if last.tail >= 0 {
		return
	}
	if len(q.txs) > 1 {
		if prev := q.txs[len(q.txs)-2]; prev.tail >= 0 {
			m.tails.remove(prev.tail)
		}
	}
	m.tails.push(last)
}
