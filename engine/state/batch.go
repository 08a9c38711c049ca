package state

import (
	"fmt"
	"slices"

	"aitbc/engine/types"
)

// Batch is a copy-on-write overlay executing one block on a State: Begin,
// Apply each tx, End, then Root and Commit. It never writes to the State;
// Commit merges it.
type Batch struct {
	s        *State
	version  uint64
	info     BlockInfo
	over     map[types.Address]Account
	diff     []change // real changes, by address; valid while diffOK
	diffOK   bool
	p        *patch                  // Root's hashing work; nil after Apply
	receipts []Receipt               // claims applied, in order
	claimed  map[types.Hash]struct{} // their job hashes; nil until the first
	cp       *claimPatch             // Root's hashing work on the claims; nil after a claim
	applied  uint32                  // txs applied so far: the next one's index in the block
	tx       txCtx                   // reused by every Apply (an executor call would move a local to the heap)
	fees     uint64                  // fees of the txs applied, paid by End

	stakeOver    map[types.Address]StakeRecord              // stake records written
	blsOver      map[[types.BLSPubKeyLen]byte]types.Address // BLS keys registered
	evidence     map[types.Hash]struct{}                    // evidence applied; nil until the first
	evidenceList []types.Hash                               // the same, in order
	slashes      []SlashEvent
	supply       Supply
	ended        bool  // End ran
	endErr       error // what End failed with: the batch cannot commit
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
	ex, err := b.s.executor(tx.Type)
	if err != nil {
		b.s.m.TxsFailed.Add(1)
		return err
	}
	c := &b.tx
	c.b, c.n, c.hasReceipt, c.hasStake = b, 0, false, false
	if err := ex(c, tx); err != nil {
		b.s.m.TxsFailed.Add(1)
		return err
	}
	// The block's fee pot and the supply must not wrap either.
	fees, ok := add64(b.fees, tx.Fee)
	minted := b.supply.Minted
	if ok && c.hasReceipt {
		minted, ok = add64(minted, c.receipt.Minted)
	}
	if !ok {
		b.s.m.TxsFailed.Add(1)
		return fmt.Errorf("%w: fees %d or minted %d of the block", ErrOverflow, b.fees, b.supply.Minted)
	}
	b.fees, b.supply.Minted = fees, minted
	for _, w := range c.writes[:c.n] {
		b.over[w.Address] = w.Account
	}
	if c.hasStake {
		b.putStake(c.stake.clone())
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
	if !b.s.staking() {
		return combineRoots(&b.p.root, &b.cp.root)
	}
	ev := b.s.evidence
	if len(b.evidenceList) > 0 {
		ev = slices.Concat(ev, b.evidenceList)
		slices.SortFunc(ev, func(x, y types.Hash) int { return compareHash(&x, &y) })
	}
	return stakingRoot(&b.p.root, &b.cp.root, b.allStakes(), ev, &b.supply)
}
