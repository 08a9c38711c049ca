package engine

import (
	"errors"
	"fmt"
	"time"

	"aitbc/engine/state"
	"aitbc/engine/types"
	"aitbc/gpu"
)

// startPeerWorkers starts the goroutines of the peer side; Stop ends them.
func (n *Node) startPeerWorkers() {
	n.workers.Add(2 + n.cfg.PeerTxWorkers)
	go n.relayTxs()
	go n.serveBlocks()
	for i := 0; i < n.cfg.PeerTxWorkers; i++ {
		go n.admitTxs()
	}
}

// relay queues an admitted tx for the next relay batch; when the queue is
// full the tx is not relayed (peers still get it in its block).
func (n *Node) relay(tx *types.Tx) {
	if !n.peered {
		return
	}
	select {
	case n.relayIn <- tx:
	default:
		n.m.PeerDrops.WithLabelValues("relay").Inc()
	}
}

// relayTxs batches admitted txs into BroadcastTxs calls: a batch leaves
// when it holds MaxGossipTxs or when its first tx has waited
// Config.TxRelayInterval.
func (n *Node) relayTxs() {
	defer n.workers.Done()
	batch := make([]*types.Tx, 0, MaxGossipTxs)
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	defer timer.Stop()
	flush := func() {
		timer.Stop()
		if len(batch) == 0 {
			return
		}
		n.gossip.BroadcastTxs(batch)
		n.m.TxsRelayed.Add(float64(len(batch)))
		batch = make([]*types.Tx, 0, MaxGossipTxs) // the transport may keep the old one
	}
	for {
		select {
		case <-n.stop:
			return
		case tx := <-n.relayIn:
			if len(batch) == 0 {
				timer.Reset(n.cfg.TxRelayInterval)
			}
			batch = append(batch, tx)
			if len(batch) == MaxGossipTxs {
				flush()
			}
		case <-timer.C:
			flush()
		}
	}
}

// admitTxs admits peers' tx batches.
func (n *Node) admitTxs() {
	defer n.workers.Done()
	for {
		select {
		case <-n.stop:
			return
		case b := <-n.txIn:
			n.admitPeerTxs(b)
		}
	}
}

// admitPeerTxs runs SubmitTx's admission on a peer's batch, with all of
// the batch's signature checks in one batcher call. Txs that fail a
// stateless rule or a signature count against the peer (it should have
// checked them before relaying); stateful rejections (nonce, fee, funds,
// a duplicate, a full mempool) are normal traffic.
func (n *Node) admitPeerTxs(b peerTxs) {
	var (
		adms    []admission
		items   []gpu.Item
		first   []int // index of each admission's first item; -1: verdict cached
		invalid error
	)
	for _, tx := range b.txs {
		a, err := n.precheck(tx)
		if err != nil {
			if invalid == nil && (errors.Is(err, types.ErrInvalidTx) || errors.Is(err, state.ErrBadReceipt)) {
				invalid = err
			}
			continue
		}
		n.mu.RLock()
		_, dup := n.pool.Get(a.hash)
		n.mu.RUnlock()
		if dup {
			continue
		}
		adms = append(adms, a)
		if n.verdicts.has(a.hash) {
			first = append(first, -1)
			continue
		}
		first = append(first, len(items))
		items = append(items, txSigItem(tx))
		if a.claim != nil {
			items = append(items, attestItem(n.chainID, tx, a.claim))
		}
	}
	if invalid != nil {
		n.penalize(b.peer, "invalid_tx", fmt.Errorf("%w: %w", ErrBadPeerMessage, invalid))
	}
	var ok []bool
	if len(items) > 0 {
		var err error
		ok, err = n.verify.VerifyAll(n.runCtx, items)
		switch {
		case errors.Is(err, gpu.ErrBusy):
			n.m.TxsRejected.WithLabelValues("busy").Add(float64(len(adms)))
			return
		case err != nil:
			if n.runCtx.Err() == nil {
				n.log.Warn("peer txs: signature check", "peer", string(b.peer), "err", err)
			}
			return
		}
	}
	var badSig error
	for i, a := range adms {
		if k := first[i]; k >= 0 {
			good := ok[k] && (a.claim == nil || ok[k+1])
			if !good {
				n.m.TxsRejected.WithLabelValues("bad_signature").Inc()
				if badSig == nil {
					badSig = fmt.Errorf("%w: tx %s", ErrBadSignature, a.hash)
				}
				continue
			}
			n.verdicts.add(a.hash)
		}
		if err := n.addToPool(a); err != nil {
			n.log.Debug("peer tx not admitted", "peer", string(b.peer), "tx", a.hash.String(), "err", err)
		}
	}
	if badSig != nil {
		n.penalize(b.peer, "bad_signature", badSig)
	}
}
