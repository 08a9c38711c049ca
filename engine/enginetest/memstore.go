package enginetest

import (
	"bytes"
	"fmt"
	"sort"
	"sync"

	"aitbc/engine"
	"aitbc/engine/state"
	"aitbc/engine/types"
	"aitbc/engine/validators"
)

// MemStore is the in-memory twin of the Badger block store, for tests.
// It keeps encoded blocks, so what a test reads back went through the codec.
type MemStore struct {
	mu       sync.RWMutex
	blocks   [][]byte // index height-1
	certs    [][]byte
	txs      map[types.Hash][2]uint64
	accounts map[types.Address]state.Account
	claims   map[types.Hash][2]uint64 // job hash -> height, tx index
	evidence map[types.Hash][]byte    // evidence hash -> encoding
	stakes   map[types.Address][]byte // state.EncodeStakeRecord
	applied  map[types.Hash]uint64    // applied evidence hash -> height of the block that applied it
	supply   []byte                   // state.EncodeSupply; nil before the first commit
	sets     [][]byte                 // validators.EncodeSet of epoch i+2
	closed   bool
}

var _ engine.BlockStore = (*MemStore)(nil)

// NewMemStore returns an empty store.
func NewMemStore() *MemStore {
	return &MemStore{txs: map[types.Hash][2]uint64{}, accounts: map[types.Address]state.Account{}, claims: map[types.Hash][2]uint64{},
		evidence: map[types.Hash][]byte{}, stakes: map[types.Address][]byte{}, applied: map[types.Hash]uint64{}}
}

func (s *MemStore) Commit(cb *engine.CommittedBlock) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return fmt.Errorf("memstore: closed")
	}
	h := cb.Block.Header.Height
	if h != uint64(len(s.blocks))+1 {
		return fmt.Errorf("memstore: commit height %d, head %d", h, len(s.blocks))
	}
	if h > 1 {
		parent, _ := types.DecodeBlock(s.blocks[h-2])
		if parent.Hash() != cb.Block.Header.ParentHash {
			return fmt.Errorf("memstore: parent hash mismatch at %d", h)
		}
	}
	s.blocks = append(s.blocks, cb.Block.Encode())
	s.certs = append(s.certs, cb.Cert.Encode())
	for i, th := range cb.TxHashes {
		s.txs[th] = [2]uint64{h, uint64(i)}
	}
	for _, u := range cb.Accounts {
		s.accounts[u.Address] = u.Account
	}
	for _, r := range cb.Receipts {
		s.claims[r.JobHash] = [2]uint64{h, uint64(r.TxIndex)}
	}
	for i := range cb.Stakes {
		s.stakes[cb.Stakes[i].Address] = state.EncodeStakeRecord(&cb.Stakes[i])
	}
	for _, e := range cb.Evidence {
		s.applied[e] = h
	}
	s.supply = state.EncodeSupply(cb.Supply)
	if el := cb.Elected; el != nil {
		if el.Epoch != uint64(len(s.sets))+2 {
			return fmt.Errorf("memstore: set of epoch %d after %d stored sets", el.Epoch, len(s.sets))
		}
		s.sets = append(s.sets, validators.EncodeSet(el.Set))
	}
	return nil
}

// EvidenceIncluded is the height of the block that applied evidence h.
func (s *MemStore) EvidenceIncluded(h types.Hash) (uint64, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if height, ok := s.applied[h]; ok {
		return height, nil
	}
	return 0, fmt.Errorf("evidence %s: %w", h, engine.ErrNotFound)
}

// LoadStaking restores the staking state, decoding what Commit encoded.
func (s *MemStore) LoadStaking(r engine.StakingRestore) error {
	s.mu.RLock()
	defer s.mu.RUnlock()
	addrs := make([]types.Address, 0, len(s.stakes))
	for a := range s.stakes {
		addrs = append(addrs, a)
	}
	sort.Slice(addrs, func(i, j int) bool { return bytes.Compare(addrs[i][:], addrs[j][:]) < 0 })
	for _, a := range addrs {
		rec, err := state.DecodeStakeRecord(s.stakes[a])
		if err != nil {
			return err
		}
		if err := r.Stake(rec); err != nil {
			return err
		}
	}
	hashes := make([]types.Hash, 0, len(s.applied))
	for h := range s.applied {
		hashes = append(hashes, h)
	}
	sort.Slice(hashes, func(i, j int) bool { return bytes.Compare(hashes[i][:], hashes[j][:]) < 0 })
	for _, h := range hashes {
		if err := r.Evidence(h); err != nil {
			return err
		}
	}
	if s.supply != nil {
		sup, err := state.DecodeSupply(s.supply)
		if err != nil {
			return err
		}
		if err := r.Supply(sup); err != nil {
			return err
		}
	}
	first := 0
	if r.Sets > 0 {
		first = max(len(s.sets)-r.Sets, 0)
	}
	for i := first; i < len(s.sets); i++ {
		set, err := validators.DecodeSet(s.sets[i])
		if err != nil {
			return err
		}
		if err := r.Set(uint64(i)+2, set); err != nil {
			return err
		}
	}
	return nil
}

// ValidatorSet is the stored set of epoch e (engine.BlockStore).
func (s *MemStore) ValidatorSet(e uint64) (*validators.Set, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if e < 2 || e-2 >= uint64(len(s.sets)) {
		return nil, fmt.Errorf("set of epoch %d: %w", e, engine.ErrNotFound)
	}
	return validators.DecodeSet(s.sets[e-2])
}

func (s *MemStore) Head() (uint64, types.Hash, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if len(s.blocks) == 0 {
		return 0, types.ZeroHash, nil
	}
	b, err := types.DecodeBlock(s.blocks[len(s.blocks)-1])
	if err != nil {
		return 0, types.ZeroHash, err
	}
	return b.Header.Height, b.Hash(), nil
}

func (s *MemStore) Block(height uint64) (*types.Block, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if height == 0 || height > uint64(len(s.blocks)) {
		return nil, fmt.Errorf("block %d: %w", height, engine.ErrNotFound)
	}
	return types.DecodeBlock(s.blocks[height-1])
}

func (s *MemStore) CommitCert(height uint64) (*types.CommitCert, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if height == 0 || height > uint64(len(s.certs)) {
		return nil, fmt.Errorf("commit %d: %w", height, engine.ErrNotFound)
	}
	return types.DecodeCommit(s.certs[height-1])
}

func (s *MemStore) TxLocation(hash types.Hash) (uint64, uint32, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	loc, ok := s.txs[hash]
	if !ok {
		return 0, 0, fmt.Errorf("tx %s: %w", hash, engine.ErrNotFound)
	}
	return loc[0], uint32(loc[1]), nil
}

func (s *MemStore) LoadAccounts(fn func(types.Address, state.Account) error) error {
	s.mu.RLock()
	addrs := make([]types.Address, 0, len(s.accounts))
	for a := range s.accounts {
		addrs = append(addrs, a)
	}
	accts := s.accounts
	s.mu.RUnlock()
	sort.Slice(addrs, func(i, j int) bool { return bytes.Compare(addrs[i][:], addrs[j][:]) < 0 })
	for _, a := range addrs {
		s.mu.RLock()
		acct := accts[a]
		s.mu.RUnlock()
		if err := fn(a, acct); err != nil {
			return err
		}
	}
	return nil
}

// LoadClaimedJobs calls fn for every claimed job hash, ascending.
func (s *MemStore) LoadClaimedJobs(fn func(types.Hash) error) error {
	s.mu.RLock()
	jobs := make([]types.Hash, 0, len(s.claims))
	for h := range s.claims {
		jobs = append(jobs, h)
	}
	s.mu.RUnlock()
	sort.Slice(jobs, func(i, j int) bool { return bytes.Compare(jobs[i][:], jobs[j][:]) < 0 })
	for _, h := range jobs {
		if err := fn(h); err != nil {
			return err
		}
	}
	return nil
}

// AddEvidence stores ev's encoding under its hash (a no-op if present).
func (s *MemStore) AddEvidence(ev *types.Evidence) (bool, error) {
	if err := ev.ValidateBasic(); err != nil {
		return false, fmt.Errorf("memstore: evidence: %w", err)
	}
	enc := ev.Encode()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false, fmt.Errorf("memstore: closed")
	}
	h := types.Sum256(enc)
	if _, ok := s.evidence[h]; ok {
		return false, nil
	}
	s.evidence[h] = enc
	return true, nil
}

// Evidence lists stored evidence of heights >= fromHeight by (height,
// hash), at most limit pieces.
func (s *MemStore) Evidence(fromHeight uint64, limit int) ([]*types.Evidence, error) {
	type rec struct {
		height uint64
		hash   types.Hash
		ev     *types.Evidence
	}
	s.mu.RLock()
	var all []rec
	for h, enc := range s.evidence {
		ev, err := types.DecodeEvidence(enc)
		if err != nil {
			s.mu.RUnlock()
			return nil, err
		}
		if ev.Height() >= fromHeight {
			all = append(all, rec{ev.Height(), h, ev})
		}
	}
	s.mu.RUnlock()
	sort.Slice(all, func(i, j int) bool {
		if all[i].height != all[j].height {
			return all[i].height < all[j].height
		}
		return bytes.Compare(all[i].hash[:], all[j].hash[:]) < 0
	})
	var out []*types.Evidence
	for _, r := range all {
		if len(out) >= limit {
			break
		}
		out = append(out, r.ev)
	}
	return out, nil
}

func (s *MemStore) Close() error {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	return nil
}
