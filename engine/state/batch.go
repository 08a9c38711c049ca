package state

import (
	"fmt"
	"slices"

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
	p        *patch                  // Root's hashing work; nil after Apply
	receipts []Receipt               // claims applied, in order
	claimed  map[types.Hash]struct{} // their job hashes; nil until the first
	cp       *claimPatch             // Root's hashing work on the claims; nil after a claim
	applied  uint32                  // txs applied so far: the next one's index in the block
	tx       txCtx                   // reused by every Apply (an executor call would move a local to the heap)

	height    uint64                                     // the block's height (BeginAt; 0 from Begin)
	stakeOver map[types.Address]StakeRecord              // stake records written
	blsOver   map[[types.BLSPubKeyLen]byte]types.Address // BLS keys registered
	ended     bool                                       // EndBlock ran
}

// Begin opens a batch for a block proposed by proposer (who is paid the fees).
func (s *State) Begin(proposer types.Address) *Batch { return s.BeginAt(proposer, 0) }

// BeginAt opens a batch for the block at height (staking txs and EndBlock
// need it: unbonding release and jail heights count from it).
func (s *State) BeginAt(proposer types.Address, height uint64) *Batch {
	s.flush()
	return &Batch{s: s, version: s.version, proposer: proposer, over: make(map[types.Address]Account),
		height: height, stakeOver: map[types.Address]StakeRecord{}, blsOver: map[[types.BLSPubKeyLen]byte]types.Address{}}
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
	if err := b.usable(); err != nil {
		return err
	}
	var ex executor
	if int(tx.Type) < len(executors) {
		ex = executors[tx.Type]
	}
	if ex == nil && b.s.mode != "poa" {
		ex = stakeExecutors[tx.Type]
	}
	if ex == nil {
		b.s.m.TxsFailed.Add(1)
		return fmt.Errorf("%w: %s", ErrUnsupportedTx, tx.Type)
	}
	c := &b.tx
	c.b, c.n, c.hasReceipt, c.hasStake = b, 0, false, false
	if err := ex(c, tx); err != nil {
		b.s.m.TxsFailed.Add(1)
		return err
	}
	for _, w := range c.writes[:c.n] {
		b.over[w.Address] = w.Account
	}
	if c.hasStake {
		if old, ok := b.Stake(c.stake.Address); !ok || old.BLSPubKey != c.stake.BLSPubKey {
			b.blsOver[c.stake.BLSPubKey] = c.stake.Address
		}
		b.stakeOver[c.stake.Address] = c.stake.clone()
	}
	if c.hasReceipt {
		if b.claimed == nil {
			b.claimed = make(map[types.Hash]struct{})
		}
		b.claimed[c.receipt.JobHash] = struct{}{}
		b.receipts = append(b.receipts, c.receipt)
		b.cp = nil
		b.s.m.ReceiptsClaimed.Add(1)
	}
	b.diffOK, b.p = false, nil
	b.applied++
	b.s.m.TxsApplied.Add(1)
	return nil
}

// Claimed reports whether a job hash is claimed in the State or by a tx
// this batch applied.
func (b *Batch) Claimed(jobHash types.Hash) bool {
	if _, ok := b.claimed[jobHash]; ok {
		return true
	}
	return b.s.Claimed(jobHash)
}

// Receipts lists the claims the batch applied, in order (nil if none or
// stale). The slice is the batch's own: do not modify it.
func (b *Batch) Receipts() []Receipt {
	if b.Stale() {
		return nil
	}
	return b.receipts
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
	if b.cp == nil {
		jobs := make([]types.Hash, len(b.receipts))
		for i := range b.receipts {
			jobs[i] = b.receipts[i].JobHash
		}
		slices.SortFunc(jobs, func(x, y types.Hash) int { return compareHash(&x, &y) })
		b.cp = b.s.claims.prepare(jobs)
	}
	base := combineRoots(&b.p.root, &b.cp.root)
	if len(b.s.stakes) == 0 && len(b.stakeOver) == 0 {
		return base
	}
	return withStakes(base, b.allStakes())
}
