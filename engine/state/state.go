package state

import (
	"fmt"
	"math"
	"slices"

	"aitbc/engine/types"
)

// State is the committed ledger: every non-empty account, the set of
// claimed receipt job ids, and the hash trees over them. An account equal
// to Account{} does not exist: it is absent from the tree, Len and
// Updates-driven stores alike.
type State struct {
	params       types.Params
	coordinators [][types.PubKeyLen]byte // params.Coordinators, as arrays
	buckets      []bucket                // numBuckets, by the first 12 address bits
	top          []types.Hash            // heap over bucket hashes: top[1] is the accounts root, top[numBuckets+i] bucket i's leaf
	count        int                     // non-empty accounts
	claims       claimSet                // claimed job hashes and their tree
	version      uint64                  // bumped by every change; a batch records it at Begin
	dirty        []int                   // buckets Set changed since the last flush
	m            *Metrics
	mode         string                                     // consensus mode: stake txs execute on pos and hybrid
	stakes       map[types.Address]StakeRecord              // stake records (docs/spec.md §13.6)
	bls          map[[types.BLSPubKeyLen]byte]types.Address // registered BLS keys
	evidence     []types.Hash                               // applied double-sign evidence, ascending
	supply       Supply
}

// New returns an empty State of a poa chain with the chain parameters.
func New(params types.Params) *State { return NewMode(params, "poa") }

// NewMode returns an empty State of a chain in consensus mode mode
// ("poa", "pos" or "hybrid"): staking txs execute on pos and hybrid only.
func NewMode(params types.Params, mode string) *State {
	params.Coordinators = slices.Clone(params.Coordinators)
	s := &State{
		params:  params,
		buckets: make([]bucket, numBuckets),
		top:     newTop(),
		claims:  newClaimSet(),
		m:       NopMetrics(),
		mode:    mode,
		stakes:  map[types.Address]StakeRecord{},
		bls:     map[[types.BLSPubKeyLen]byte]types.Address{},
	}
	for i := range s.buckets {
		s.buckets[i].hash = emptyHash
	}
	for _, c := range params.Coordinators {
		if len(c) == types.PubKeyLen { // Genesis.Validate refuses other lengths
			s.coordinators = append(s.coordinators, [types.PubKeyLen]byte(c))
		}
	}
	return s
}

// FromGenesis returns the State holding the genesis accounts.
func FromGenesis(g *types.Genesis) (*State, error) {
	if g == nil {
		return nil, fmt.Errorf("%w: nil genesis", types.ErrBadGenesis)
	}
	s := NewMode(g.Params, g.ConsensusMode)
	seen := make(map[types.Address]struct{}, len(g.Accounts))
	for i, a := range g.Accounts {
		if _, dup := seen[a.Address]; dup {
			return nil, fmt.Errorf("%w: accounts[%d]: duplicate address %s", types.ErrBadGenesis, i, a.Address)
		}
		seen[a.Address] = struct{}{}
		s.Set(a.Address, Account{Balance: uint64(a.Balance)})
	}
	if !s.staking() {
		return s, nil
	}
	// The authorities' records: fixed power, nothing bonded; they are
	// jailed and slashed like stakers.
	for i, a := range g.Authorities {
		if len(a.PubKey) != types.PubKeyLen || len(a.BLSPubKey) != types.BLSPubKeyLen {
			return nil, fmt.Errorf("%w: authorities[%d]: key length", types.ErrBadGenesis, i)
		}
		k := [types.BLSPubKeyLen]byte(a.BLSPubKey)
		if _, dup := s.stakes[a.Address]; dup {
			return nil, fmt.Errorf("%w: authorities[%d]: duplicate address %s", types.ErrBadGenesis, i, a.Address)
		}
		if _, dup := s.bls[k]; dup {
			return nil, fmt.Errorf("%w: authorities[%d]: BLS key of another authority", types.ErrBadGenesis, i)
		}
		s.SetStake(StakeRecord{Address: a.Address, Kind: KindAuthority, Power: a.Weight,
			PubKey: [types.PubKeyLen]byte(a.PubKey), BLSPubKey: k})
	}
	return s, nil
}

// SetMetrics replaces the instruments (nil, or a nil field: no-op).
func (s *State) SetMetrics(m *Metrics) {
	s.m = fillMetrics(m)
}

// Set writes one account, as restored from the block store at start.
// Setting Account{} deletes the account. Open batches become stale.
// Rehashing is deferred to the next Root or Begin, so a bulk restore
// hashes each bucket once.
func (s *State) Set(addr types.Address, a Account) {
	idx := bucketOf(&addr)
	bk := &s.buckets[idx]
	i, found := bk.find(&addr)
	empty := a == Account{}
	switch {
	case found && bk.entries[i].acct == a, !found && empty:
		return
	case found && empty:
		bk.entries = slices.Delete(bk.entries, i, i+1)
		s.count--
	case found:
		bk.entries[i].acct = a
		bk.entries[i].leaf = leafHash(&addr, a)
	default:
		bk.entries = slices.Insert(bk.entries, i, entry{addr: addr, acct: a, leaf: leafHash(&addr, a)})
		s.count++
	}
	if !bk.dirty {
		bk.dirty = true
		s.dirty = append(s.dirty, idx)
	}
	s.version++
}

// Account returns the committed state of addr (Account{} if it does not exist).
func (s *State) Account(addr types.Address) Account {
	bk := &s.buckets[bucketOf(&addr)]
	if i, ok := bk.find(&addr); ok {
		return bk.entries[i].acct
	}
	return Account{}
}

// MinFee is the smallest fee tx may pay: base_fee + fee_per_byte × size,
// saturating at MaxUint64 (Apply then reports ErrOverflow).
func (s *State) MinFee(tx *types.Tx) uint64 {
	if v, ok := minFee(&s.params, tx); ok {
		return v
	}
	return math.MaxUint64
}

// Root is the state root (docs/spec.md §13.4): it commits to the accounts
// and to the claimed receipt set, and on pos and hybrid chains also to
// the stake records, the applied evidence and the supply (§13.6).
func (s *State) Root() types.Hash {
	s.flush()
	if !s.staking() {
		return combineRoots(&s.top[1], &s.claims.top[1])
	}
	return stakingRoot(&s.top[1], &s.claims.top[1], s.Stakes(), s.evidence, &s.supply)
}

// ConsensusMode is the chain's mode ("poa" when built by New).
func (s *State) ConsensusMode() string { return s.mode }

// AccountsRoot is the root of the account tree alone.
func (s *State) AccountsRoot() types.Hash {
	s.flush()
	return s.top[1]
}

// ReceiptsRoot is the root of the claimed-job tree alone.
func (s *State) ReceiptsRoot() types.Hash {
	s.flush()
	return s.claims.top[1]
}

// Claimed reports whether the job with this hash (types.ReceiptJobHash)
// has been claimed in the committed state.
func (s *State) Claimed(jobHash types.Hash) bool { return s.claims.has(&jobHash) }

// ClaimedLen is the number of claimed jobs.
func (s *State) ClaimedLen() int { return s.claims.count }

// AddClaimed marks a job hash claimed, as restored from the block store at
// start; adding one already present does nothing. Like Set, it makes open
// batches stale and defers rehashing to the next Root or Begin.
func (s *State) AddClaimed(jobHash types.Hash) {
	if s.claims.add(jobHash) {
		s.version++
	}
}

// Params are the chain parameters the State executes with (a copy).
func (s *State) Params() types.Params {
	p := s.params
	p.Coordinators = slices.Clone(p.Coordinators)
	return p
}

// Len is the number of non-empty accounts.
func (s *State) Len() int { return s.count }

// Commit merges a batch begun on s. It fails with ErrStaleBatch, changing
// nothing, if s changed since the batch began or the batch is another
// State's; other batches open on s become stale.
func (s *State) Commit(b *Batch) error {
	if b.s != s {
		return fmt.Errorf("%w: batch belongs to another state", ErrStaleBatch)
	}
	if b.version != s.version {
		return fmt.Errorf("%w: state is at version %d, batch began at %d", ErrStaleBatch, s.version, b.version)
	}
	if !b.ended || b.endErr != nil {
		return fmt.Errorf("%w: call End once after the txs", ErrBlockNotEnded)
	}
	b.Root()
	s.apply(b.p)
	s.claims.apply(b.cp)
	for addr, r := range b.stakeOver { // each written once: order does not matter
		if old, ok := s.stakes[addr]; ok {
			delete(s.bls, old.BLSPubKey)
		}
		s.stakes[addr] = r
		s.bls[r.BLSPubKey] = addr
	}
	for _, h := range b.EvidenceUpdates() {
		i, _ := slices.BinarySearchFunc(s.evidence, h, func(x, y types.Hash) int { return compareHash(&x, &y) })
		s.evidence = slices.Insert(s.evidence, i, h)
	}
	s.supply = b.supply
	s.version++
	s.m.Accounts.Set(float64(s.count))
	s.m.ClaimedJobs.Set(float64(s.claims.count))
	return nil
}
