package exec

import (
	"math"
	"sync"
	"time"

	"aitbc/engine/mempool"
	"aitbc/engine/metrics"
	"aitbc/engine/state"
	"aitbc/engine/types"
)

// Ledger is the node's committed state and its mempool behind one lock,
// with each pending tx's admission time (for the finality-latency
// histogram). Admission (engine/ingest), block building and commit (the
// node loop) and the read side (RPC) all go through it; only Commit
// changes the state.
type Ledger struct {
	m        *metrics.Metrics
	mu       sync.RWMutex
	st       *state.State
	pool     *mempool.Mempool
	admitted map[types.Hash]time.Time
}

// NewLedger wraps a restored state and an empty mempool.
func NewLedger(st *state.State, pool *mempool.Mempool, m *metrics.Metrics) *Ledger {
	return &Ledger{m: m, st: st, pool: pool, admitted: map[types.Hash]time.Time{}}
}

// Account is an address's committed state (zero for an unknown address).
func (l *Ledger) Account(a types.Address) state.Account {
	l.mu.RLock()
	defer l.mu.RUnlock()
	return l.st.Account(a)
}

// MinFee is base_fee + fee_per_byte × size at the committed params.
func (l *Ledger) MinFee(tx *types.Tx) uint64 {
	l.mu.RLock()
	defer l.mu.RUnlock()
	return l.st.MinFee(tx)
}

// Executable reports whether the chain executes txs of type t (the
// staking types only on pos and hybrid chains), and names its mode.
func (l *Ledger) Executable(t types.TxType) (ok bool, mode string) {
	l.mu.RLock()
	defer l.mu.RUnlock()
	return l.st.Executable(t), l.st.ConsensusMode()
}

// Stake is addr's committed stake record (ok false if it has none).
func (l *Ledger) Stake(addr types.Address) (state.StakeRecord, bool) {
	l.mu.RLock()
	defer l.mu.RUnlock()
	return l.st.Stake(addr)
}

// EvidenceApplied reports whether a committed block applied the evidence
// with hash h.
func (l *Ledger) EvidenceApplied(h types.Hash) bool {
	l.mu.RLock()
	defer l.mu.RUnlock()
	return l.st.EvidenceApplied(h)
}

// Bonded is the stake bonded by every record (a metric's value).
func (l *Ledger) Bonded() uint64 {
	l.mu.RLock()
	defer l.mu.RUnlock()
	return l.st.Bonded()
}

// Stakes lists every committed stake record, sorted by address.
func (l *Ledger) Stakes() []state.StakeRecord {
	l.mu.RLock()
	defer l.mu.RUnlock()
	return l.st.Stakes()
}

// Params are the committed chain params.
func (l *Ledger) Params() types.Params {
	l.mu.RLock()
	defer l.mu.RUnlock()
	return l.st.Params()
}

// Root is the committed state root.
func (l *Ledger) Root() types.Hash {
	l.mu.RLock()
	defer l.mu.RUnlock()
	return l.st.Root()
}

// CheckClaim checks a receipt claim against the committed state and
// returns what it would mint.
func (l *Ledger) CheckClaim(rc *types.ReceiptClaim) (uint64, error) {
	l.mu.RLock()
	defer l.mu.RUnlock()
	return l.st.CheckClaim(rc)
}

// Pending returns a tx waiting in the mempool.
func (l *Ledger) Pending(h types.Hash) (*types.Tx, bool) {
	l.mu.RLock()
	defer l.mu.RUnlock()
	return l.pool.Get(h)
}

// PendingTxs lists up to limit pending txs in priority order, with the
// mempool's totals (txs, bytes).
func (l *Ledger) PendingTxs(limit int) ([]*types.Tx, int, int) {
	l.mu.RLock()
	defer l.mu.RUnlock()
	return l.pool.Txs(limit), l.pool.Len(), l.pool.Bytes()
}

// PoolSize is the mempool's totals (txs, bytes).
func (l *Ledger) PoolSize() (int, int) {
	l.mu.RLock()
	defer l.mu.RUnlock()
	return l.pool.Len(), l.pool.Bytes()
}

// Admit adds a tx whose signatures verified to the mempool, checked
// against the committed state; minted is what a RECEIPT_CLAIM mints (a
// claim's fee may come out of its own mint, docs/spec.md §13, so the
// pool's funds check counts it as the sender's).
func (l *Ledger) Admit(tx *types.Tx, hash types.Hash, minted uint64, now time.Time) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	// A staking tx that breaks a staking rule of the committed records
	// would only be dropped when a block is built: refuse it here with
	// the rule's typed error (execution checks again).
	if err := l.st.CheckStakingTx(tx); err != nil {
		return err
	}
	acct := l.st.Account(tx.From())
	acct.Balance = satAdd(acct.Balance, minted)
	if err := l.pool.Add(tx, hash, acct, l.st.MinFee(tx)); err != nil {
		return err
	}
	l.admitted[hash] = now
	l.gauges()
	return nil
}

// Begin starts a batch of block execution on the committed state.
func (l *Ledger) Begin(info state.BlockInfo) *state.Batch {
	l.mu.RLock()
	defer l.mu.RUnlock()
	return l.st.Begin(info)
}

// Reap executes, on a new batch for the proposal described by info, the
// verified evidence it can apply (evs, in order: pieces applied already,
// against an address without a stake record or past the block's limit
// are left out), then the best pending txs up to the block limits, and
// ends the block: txs that fail execution are left out and dropped from
// the mempool (they could never apply in this order). If the end of the
// block fails (a payout would overflow a balance), the proposal is empty
// and the txs stay pooled.
func (l *Ledger) Reap(info state.BlockInfo, evs []*types.Evidence, maxTxs, maxBytes int, skipped func(*types.Tx, error)) ([]*types.Tx, []*types.Evidence, *state.Batch) {
	l.mu.Lock()
	defer l.mu.Unlock()
	batch := l.st.Begin(info)
	var applied []*types.Evidence
	for _, ev := range evs {
		if _, err := batch.ApplyEvidence(ev.Hash(), ev.Validator, ev.Height()); err == nil {
			applied = append(applied, ev)
		}
	}
	txs := l.pool.Reap(maxTxs, maxBytes, l.nonceOf)
	included := make([]*types.Tx, 0, len(txs))
	var failed []*types.Tx
	for _, tx := range txs {
		if err := batch.Apply(tx); err != nil {
			skipped(tx, err)
			failed = append(failed, tx)
			continue
		}
		included = append(included, tx)
	}
	if len(failed) > 0 {
		l.pool.Update(failed, l.nonceOf)
		l.gauges()
	}
	if err := batch.End(); err != nil {
		batch = l.st.Begin(info)
		batch.End() // an error here makes Commit refuse the block: no valid one exists
		return nil, nil, batch
	}
	return included, applied, batch
}

// Commit applies a decided block's batch to the state, drops its txs from
// the mempool and records each one's finality latency (admission to now).
func (l *Ledger) Commit(b *Executed, now time.Time) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if err := l.st.Commit(b.Batch); err != nil {
		return err
	}
	l.pool.Update(b.Block.Txs, l.nonceOf)
	for _, h := range b.Hashes {
		if t, ok := l.admitted[h]; ok {
			l.m.FinalityLatency.Observe(now.Sub(t).Seconds())
			delete(l.admitted, h)
		}
	}
	// Drop admission times of txs no longer pending (replaced or
	// evicted), so the map stays bounded by the mempool.
	if len(l.admitted) > 2*l.pool.Len()+1024 {
		for h := range l.admitted {
			if _, ok := l.pool.Get(h); !ok {
				delete(l.admitted, h)
			}
		}
	}
	l.gauges()
	return nil
}

// Describe is the committed state's size (accounts, claimed jobs), for logging.
func (l *Ledger) Describe() (accounts, claimed int) {
	l.mu.RLock()
	defer l.mu.RUnlock()
	return l.st.Len(), l.st.ClaimedLen()
}

// nonceOf is the mempool's view of committed nonces. Caller holds mu.
func (l *Ledger) nonceOf(a types.Address) uint64 { return l.st.Account(a).Nonce }

// gauges updates the mempool gauges. Caller holds mu.
func (l *Ledger) gauges() {
	l.m.MempoolTxs.Set(float64(l.pool.Len()))
	l.m.MempoolBytes.Set(float64(l.pool.Bytes()))
}

func satAdd(a, b uint64) uint64 {
	if s := a + b; s >= a {
		return s
	}
	return math.MaxUint64
}
