package engine

import (
	"context"
	"errors"
	"fmt"
	"math"

	"aitbc/engine/state"
	"aitbc/engine/types"
	"aitbc/gpu"
)

// SubmitTx admits a tx: stateless checks, the batched signature check (on
// the caller's goroutine, so concurrent submissions share a batch), then
// mempool admission against the committed state. A RECEIPT_CLAIM is also
// checked against the committed state before its two signatures (the
// miner's and the coordinator's) are verified together in one call. An
// admitted tx is queued for relay to peers.
func (n *Node) SubmitTx(ctx context.Context, tx *types.Tx) (types.Hash, error) {
	if n.stopped() {
		return types.Hash{}, ErrStopped
	}
	a, err := n.precheck(tx)
	if err != nil {
		return types.Hash{}, err
	}
	if !n.verdicts.has(a.hash) {
		if err := n.verifySubmitted(ctx, tx, a.hash, a.claim); err != nil {
			return types.Hash{}, err
		}
		n.verdicts.add(a.hash)
	}
	if err := n.addToPool(a); err != nil {
		return types.Hash{}, err
	}
	return a.hash, nil
}

// admission is a tx that passed the checks before its signature check.
type admission struct {
	tx     *types.Tx
	hash   types.Hash
	claim  *types.ReceiptClaim // RECEIPT_CLAIM only
	minted uint64              // what the claim mints, at the committed state
}

// precheck runs the checks before the signature check: the stateless rules
// and, for a claim, its payload and the committed state's claim rules.
func (n *Node) precheck(tx *types.Tx) (admission, error) {
	if err := tx.ValidateBasic(n.chainID); err != nil {
		n.m.TxsRejected.WithLabelValues("invalid").Inc()
		return admission{}, err
	}
	a := admission{tx: tx}
	if tx.Type == types.TxReceiptClaim {
		var err error
		if a.claim, err = state.DecodeClaim(tx); err != nil {
			n.m.TxsRejected.WithLabelValues("invalid").Inc()
			return admission{}, err
		}
		n.mu.RLock()
		a.minted, err = n.state.CheckClaim(a.claim)
		n.mu.RUnlock()
		if err != nil {
			n.m.TxsRejected.WithLabelValues("receipt").Inc()
			return admission{}, err
		}
	}
	a.hash = tx.Hash()
	return a, nil
}

// addToPool admits a tx whose signatures verified into the mempool, then
// publishes it and queues it for relay (outside the mempool lock).
func (n *Node) addToPool(a admission) error {
	n.mu.Lock()
	acct := n.state.Account(a.tx.From())
	if a.claim != nil {
		// A claim's fee may come out of its own mint (docs/spec.md §13), so
		// the pool's funds check counts the mint as the miner's.
		acct.Balance = satAdd(acct.Balance, a.minted)
	}
	err := n.pool.Add(a.tx, a.hash, acct, n.state.MinFee(a.tx))
	if err == nil {
		n.admitted[a.hash] = n.clock.Now()
		n.m.MempoolTxs.Set(float64(n.pool.Len()))
		n.m.MempoolBytes.Set(float64(n.pool.Bytes()))
	}
	n.mu.Unlock()
	if err != nil {
		n.m.TxsRejected.WithLabelValues("mempool").Inc()
		return err
	}
	n.publish.TxAdmitted(a.tx, a.hash)
	n.relay(a.tx)
	return nil
}

// verifySubmitted checks a submitted tx's signatures through the batcher:
// the sender's, plus the coordinator's attestation for a claim.
func (n *Node) verifySubmitted(ctx context.Context, tx *types.Tx, hash types.Hash, claim *types.ReceiptClaim) error {
	var ok []bool
	var err error
	if claim == nil {
		var good bool
		good, err = n.verify.Verify(ctx, txSigItem(tx))
		ok = []bool{good}
	} else {
		ok, err = n.verify.VerifyAll(ctx, []gpu.Item{txSigItem(tx), attestItem(n.chainID, tx, claim)})
	}
	switch {
	case errors.Is(err, gpu.ErrBusy):
		n.m.TxsRejected.WithLabelValues("busy").Inc()
		return fmt.Errorf("%w: signature queue full", ErrBusy)
	case errors.Is(err, gpu.ErrClosed):
		return ErrStopped
	case err != nil:
		return fmt.Errorf("signature check: %w", err)
	}
	for i, good := range ok {
		if !good {
			n.m.TxsRejected.WithLabelValues("bad_signature").Inc()
			return fmt.Errorf("%w: tx %s: %s", ErrBadSignature, hash, sigName(i))
		}
	}
	return nil
}

// txSigItem is the check of a tx's own (sender's) signature.
func txSigItem(tx *types.Tx) gpu.Item {
	return gpu.Item{PubKey: tx.Sender[:], Msg: tx.SignBytes(), Sig: tx.Sig[:]}
}

// attestItem is the check of a claim's coordinator attestation: over the
// chain, job, miner (the tx sender) and units.
func attestItem(chainID string, tx *types.Tx, rc *types.ReceiptClaim) gpu.Item {
	return gpu.Item{PubKey: rc.Coordinator[:], Msg: types.ReceiptAttestBytes(chainID, rc.JobID, tx.From(), rc.Units), Sig: rc.CoordinatorSig[:]}
}

// sigName says which of a tx's checks (txSigItem, then attestItem) failed.
func sigName(i int) string {
	if i == 0 {
		return "sender signature does not verify"
	}
	return "receipt claim's coordinator attestation does not verify"
}

func satAdd(a, b uint64) uint64 {
	if s := a + b; s >= a {
		return s
	}
	return math.MaxUint64
}

// ChainID is the chain this node serves.
func (n *Node) ChainID() string { return n.chainID }

// Head is the last committed block.
func (n *Node) Head() (Head, error) { return *n.head.Load(), nil }

// Account is an address's committed state (zero for an unknown address).
func (n *Node) Account(addr types.Address) (state.Account, error) {
	n.mu.RLock()
	defer n.mu.RUnlock()
	return n.state.Account(addr), nil
}

// Block returns a committed block and its commit certificate.
func (n *Node) Block(height uint64) (*types.Block, *types.CommitCert, error) {
	blk, err := n.store.Block(height)
	if err != nil {
		return nil, nil, err
	}
	cert, err := n.store.CommitCert(height)
	if err != nil {
		return nil, nil, err
	}
	return blk, cert, nil
}

// Tx finds a tx in the mempool or the block store.
func (n *Node) Tx(hash types.Hash) (TxInfo, error) {
	n.mu.RLock()
	tx, ok := n.pool.Get(hash)
	n.mu.RUnlock()
	if ok {
		return TxInfo{Tx: tx, Hash: hash, Pending: true}, nil
	}
	height, idx, err := n.store.TxLocation(hash)
	if err != nil {
		return TxInfo{}, err
	}
	blk, err := n.store.Block(height)
	if err != nil {
		return TxInfo{}, err
	}
	if int(idx) >= len(blk.Txs) {
		return TxInfo{}, fmt.Errorf("tx %s: location %d/%d out of range", hash, height, idx)
	}
	return TxInfo{Tx: blk.Txs[idx], Hash: hash, Height: height, Index: idx}, nil
}

// MempoolTxs lists up to limit pending txs in priority order, and the totals.
func (n *Node) MempoolTxs(limit int) ([]*types.Tx, int, int) {
	n.mu.RLock()
	defer n.mu.RUnlock()
	return n.pool.Txs(limit), n.pool.Len(), n.pool.Bytes()
}

// MinFee is base_fee + fee_per_byte × size.
func (n *Node) MinFee(tx *types.Tx) uint64 {
	n.mu.RLock()
	defer n.mu.RUnlock()
	return n.state.MinFee(tx)
}

// Status describes the node.
func (n *Node) Status() Status {
	n.mu.RLock()
	txs, bytes := n.pool.Len(), n.pool.Bytes()
	n.mu.RUnlock()
	s := Status{
		ChainID: n.chainID, NodeVersion: n.cfg.Version, Head: *n.head.Load(), Validator: n.self,
		Validators: n.vals.Size(), MempoolTxs: txs, MempoolBytes: bytes, SigverifyBackend: n.verify.Backend(),
		Peers: n.peers.live(n.now()), Syncing: n.syncing.Load(),
	}
	if n.indexer != nil {
		s.IndexedHeight = n.indexer.indexed.Load()
	}
	if n.gpu != nil {
		s.GPU = n.gpu()
	} else {
		s.GPU.Reason = "no GPU"
	}
	return s
}

// accountsAt returns the current state of the accounts a block touched; the
// indexer uses it for blocks it re-reads from the store.
func (n *Node) accountsAt(blk *types.Block) []state.AccountUpdate {
	seen := map[types.Address]bool{}
	var out []state.AccountUpdate
	add := func(a types.Address) {
		if !seen[a] {
			seen[a] = true
			out = append(out, state.AccountUpdate{Address: a, Account: n.state.Account(a)})
		}
	}
	n.mu.RLock()
	defer n.mu.RUnlock()
	if len(blk.Txs) > 0 { // an empty block pays no fees: the proposer is unchanged
		add(blk.Header.Proposer)
	}
	for _, tx := range blk.Txs {
		add(tx.From())
		if !tx.Recipient.IsZero() { // RECEIPT_CLAIM, STAKE and UNSTAKE have none
			add(tx.Recipient)
		}
	}
	sortUpdates(out)
	return out
}
