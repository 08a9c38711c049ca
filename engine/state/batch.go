package state

import (
	"fmt"

	"aitbc/engine/types"
)

// Batch is a copy-on-write overlay executing one block's txs on a State.
// It never writes to the State; Commit merges it.
type Batch struct {
	s        *State
	version  uint64
	proposer types.Address
	over     map[types.Address]Account
	diff     []change // real changes, by address; valid while diffOK
	diffOK   bool
	p        *patch // Root's hashing work; nil after Apply
	tx       txCtx  // reused by every Apply (an executor call would move a local to the heap)
}

// Begin opens a batch for a block proposed by proposer (who is paid the fees).
func (s *State) Begin(proposer types.Address) *Batch {
	s.flush()
	return &Batch{s: s, version: s.version, proposer: proposer, over: make(map[types.Address]Account)}
}

// Stale reports whether the State changed since Begin; a stale batch
// can no longer apply, hash or commit.
func (b *Batch) Stale() bool { return b.s.version != b.version }

// Account returns addr's state as of the txs applied so far.
func (b *Batch) Account(addr types.Address) Account {
	if a, ok := b.over[addr]; ok {
		return a
	}
	return b.s.Account(addr)
}

// Apply executes one tx, all or nothing: on error nothing changes. The
// caller has checked the signature and tx.ValidateBasic.
func (b *Batch) Apply(tx *types.Tx) error {
	if b.Stale() {
		return fmt.Errorf("%w: state is at version %d, batch began at %d", ErrStaleBatch, b.s.version, b.version)
	}
	var ex executor
	if int(tx.Type) < len(executors) {
		ex = executors[tx.Type]
	}
	if ex == nil {
		b.s.m.TxsFailed.Add(1)
		return fmt.Errorf("%w: %s", ErrUnsupportedTx, tx.Type)
	}
	c := &b.tx
	c.b, c.n = b, 0
	if err := ex(c, tx); err != nil {
		b.s.m.TxsFailed.Add(1)
		return err
	}
	for _, w := range c.writes[:c.n] {
		b.over[w.Address] = w.Account
	}
	b.diffOK, b.p = false, nil
	b.s.m.TxsApplied.Add(1)
	return nil
}

// changes lists the accounts whose value differs from the State, sorted
// by address. Map order only feeds the sort.
func (b *Batch) changes() []change {
	if b.diffOK {
		return b.diff
	}
	d := b.diff[:0]
	for addr, a := range b.over {
		bk := &b.s.buckets[bucketOf(&addr)]
		pos, found := bk.find(&addr)
		if found && bk.entries[pos].acct == a || !found && a == (Account{}) {
			continue
		}
		d = append(d, change{AccountUpdate{Address: addr, Account: a}, pos, found})
	}
	b.diff, b.diffOK = sortByAddress(d), true
	return b.diff
}

// Updates returns the accounts the batch changed, with their new state,
// sorted by address (Account{} for an account that ceased to exist).
func (b *Batch) Updates() []AccountUpdate {
	if b.Stale() {
		return nil
	}
	c := b.changes()
	out := make([]AccountUpdate, len(c))
	for i := range c {
		out[i] = c[i].AccountUpdate
	}
	return out
}

// Root is the state root the State would have after committing this
// batch; the State is not modified. A stale batch returns the zero hash.
func (b *Batch) Root() types.Hash {
	if b.Stale() {
		return types.ZeroHash
	}
	if b.p == nil {
		b.p = b.s.prepare(b.changes())
		b.s.m.BucketsRehashed.Add(float64(len(b.p.buckets)))
	}
	return b.p.root
}
