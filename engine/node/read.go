package node

import (
	"context"
	"fmt"

	"aitbc/engine"
	"aitbc/engine/state"
	"aitbc/engine/types"
	"aitbc/engine/validators"
)

// The read side: what RPC asks of a node (rpc.Backend). Every method is
// safe from any goroutine; none waits for the owner goroutine.

// ChainID is the chain this node serves.
func (m *Machine) ChainID() string { return m.chainID }

// Head is the last committed block (applied; its store write may still be
// under way, write.go: Block and Tx serve it meanwhile).
func (m *Machine) Head() (engine.Head, error) { return *m.head.Load(), nil }

// SubmitTx admits a tx (ingest.Admitter.SubmitTx) on the caller's
// goroutine, so concurrent submissions share a signature batch.
func (m *Machine) SubmitTx(ctx context.Context, tx *types.Tx) (types.Hash, error) {
	if m.stopped() {
		return types.Hash{}, engine.ErrStopped
	}
	return m.admit.SubmitTx(ctx, tx)
}

// Account is an address's committed state (zero for an unknown address).
func (m *Machine) Account(addr types.Address) (state.Account, error) {
	return m.ledger.Account(addr), nil
}

// Block returns a committed block and its commit certificate.
func (m *Machine) Block(height uint64) (*types.Block, *types.CommitCert, error) {
	if u := m.unwritten.Load(); u != nil && u.Block.Header.Height == height {
		return u.Block, u.Cert, nil
	}
	blk, err := m.store.Block(height)
	if err != nil {
		return nil, nil, err
	}
	cert, err := m.store.CommitCert(height)
	if err != nil {
		return nil, nil, err
	}
	return blk, cert, nil
}

// Tx finds a tx in the mempool or the block store.
func (m *Machine) Tx(hash types.Hash) (engine.TxInfo, error) {
	if tx, ok := m.ledger.Pending(hash); ok {
		return engine.TxInfo{Tx: tx, Hash: hash, Pending: true}, nil
	}
	if u := m.unwritten.Load(); u != nil {
		for i, th := range u.TxHashes {
			if th == hash {
				return engine.TxInfo{Tx: u.Block.Txs[i], Hash: hash, Height: u.Block.Header.Height, Index: uint32(i)}, nil
			}
		}
	}
	height, idx, err := m.store.TxLocation(hash)
	if err != nil {
		return engine.TxInfo{}, err
	}
	blk, err := m.store.Block(height)
	if err != nil {
		return engine.TxInfo{}, err
	}
	if int(idx) >= len(blk.Txs) {
		return engine.TxInfo{}, fmt.Errorf("tx %s: location %d/%d out of range", hash, height, idx)
	}
	return engine.TxInfo{Tx: blk.Txs[idx], Hash: hash, Height: height, Index: idx}, nil
}

// MempoolTxs lists up to limit pending txs in priority order, and the totals.
func (m *Machine) MempoolTxs(limit int) ([]*types.Tx, int, int) { return m.ledger.PendingTxs(limit) }

// MinFee is base_fee + fee_per_byte × size.
func (m *Machine) MinFee(tx *types.Tx) uint64 { return m.ledger.MinFee(tx) }

// Evidence lists the recorded evidence of double-signing of heights >=
// fromHeight, ascending, at most limit pieces (GET /rpc/get_evidence).
func (m *Machine) Evidence(fromHeight uint64, limit int) ([]*types.Evidence, error) {
	return m.store.Evidence(fromHeight, limit)
}

// EvidenceIncluded is the height of the block that applied evidence h
// (engine.ErrNotFound when none did).
func (m *Machine) EvidenceIncluded(h types.Hash) (uint64, error) {
	if u := m.unwritten.Load(); u != nil {
		for _, e := range u.Evidence {
			if e == h {
				return u.Block.Header.Height, nil
			}
		}
	}
	return m.store.EvidenceIncluded(h)
}

// Status describes the node.
func (m *Machine) Status() engine.Status {
	txs, bytes := m.ledger.PoolSize()
	s := engine.Status{
		ChainID: m.chainID, NodeVersion: m.cfg.Version, Head: *m.head.Load(), Validator: m.self,
		Validators: m.nextSetSize(), MempoolTxs: txs, MempoolBytes: bytes, SigverifyBackend: m.verify.Backend(),
		Peers: m.sync.Live(m.clock.Now()), Syncing: m.sync.Syncing(),
	}
	if h := m.halt.Load(); h != nil {
		halt := *h
		s.Halted = &halt
	}
	if m.indexer != nil {
		s.IndexedHeight = m.indexer.Indexed()
	}
	if m.gpu != nil {
		s.GPU = m.gpu()
	} else {
		s.GPU.Reason = "no GPU"
	}
	return s
}

// Stake is addr's committed stake record on a pos or hybrid chain (ok
// false for an address that never staked, and on poa chains).
func (m *Machine) Stake(addr types.Address) (state.StakeRecord, bool) { return m.ledger.Stake(addr) }

// Stakes lists every committed stake record, sorted by address (the
// genesis authorities' and the stakers' on pos and hybrid chains; none on
// poa).
func (m *Machine) Stakes() []state.StakeRecord { return m.ledger.Stakes() }

// ValidatorsAt is the set that signs height (docs/spec.md §17) and its
// epoch; height 0 means the next height (head+1). A height whose set is
// not known yet (beyond the elected sets) wraps engine.ErrNotFound.
func (m *Machine) ValidatorsAt(height uint64) (*validators.Set, uint64, error) {
	if height == 0 {
		height = m.head.Load().Height + 1
	}
	set := m.vals
	if m.hist.Staking() {
		set = m.hist.At(height)
	}
	if set == nil {
		return nil, 0, fmt.Errorf("validators of height %d: elected up to epoch %d: %w", height, m.hist.Known(), engine.ErrNotFound)
	}
	return set, m.hist.EpochOf(height), nil
}

// Staking describes the chain's consensus mode and epochs.
func (m *Machine) Staking() (mode string, epochLength uint64) {
	return m.gen.ConsensusMode, m.gen.Params.EpochLength
}

// nextSetSize is the size of the set that decides the next height.
func (m *Machine) nextSetSize() int {
	if set, _, err := m.ValidatorsAt(0); err == nil {
		return set.Size()
	}
	return m.vals.Size()
}
