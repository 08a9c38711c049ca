package node

import (
	"fmt"
	"sync"

	"aitbc/engine"
	"aitbc/engine/blocksync"
	"aitbc/engine/consensus"
	"aitbc/engine/ingest"
	"aitbc/engine/types"
)

// Queue bounds of the peer side that are not worth a config knob.
const (
	// blockQueue is how many block-sync answers may wait for the loop: one
	// request is in flight at a time, so more are unsolicited or late.
	blockQueue = 4
	// serveQueue is how many peers' block requests may wait for the
	// block server; past it requests are dropped (the peer asks again).
	serveQueue = 8
)

// Node is a Machine run by goroutines: one consensus loop owns the
// Machine and is woken by the Clock's tickers and by bounded queues that
// the transport's PeerHandler calls fill; peer tx workers, one block
// server, one relay batcher and the indexer run beside it. It is the
// transport's PeerHandler: every Handle* method runs the Machine's checks
// and queues the message (dropping it, counted, when the queue is full)
// instead of handling it on the caller's goroutine.
type Node struct {
	*Machine

	inbox    chan peerMsg
	blocksIn chan peerBlocks
	txIn     chan peerTxs
	evIn     chan peerEvidence
	serveIn  chan blockRequest
	syncKick chan struct{} // capacity 1: "a peer may be ahead"
	wrote    chan struct{} // capacity 1: "the writer is done" (write.go)
	relayer  *ingest.Relay

	workers   sync.WaitGroup
	startOnce sync.Once
	done      chan struct{}
}

var _ engine.PeerHandler = (*Node)(nil)

// peerMsg is a consensus message from a peer, waiting for the loop.
type peerMsg struct {
	peer engine.PeerID
	msg  consensus.Message
}

// peerBlocks is a block-sync answer, waiting for the loop.
type peerBlocks struct {
	peer   engine.PeerID
	blocks []engine.SyncedBlock
}

// peerTxs is a batch of txs from a peer, waiting for admission.
type peerTxs struct {
	peer engine.PeerID
	txs  []*types.Tx
}

// peerEvidence is a peer's double-sign evidence, waiting for the loop.
type peerEvidence struct {
	peer engine.PeerID
	evs  []*types.Evidence
}

// blockRequest is a peer's request for our committed blocks.
type blockRequest struct {
	peer  engine.PeerID
	from  uint64
	count int
}

// New restores a node (NewMachine) and prepares its goroutines; Start
// runs them.
func New(cfg Config, d Deps) (*Node, error) {
	m, err := NewMachine(cfg, d)
	if err != nil {
		return nil, err
	}
	n := &Node{Machine: m,
		inbox: make(chan peerMsg, cfg.PeerInbox), blocksIn: make(chan peerBlocks, blockQueue),
		txIn: make(chan peerTxs, cfg.PeerTxQueue), serveIn: make(chan blockRequest, serveQueue),
		evIn:     make(chan peerEvidence, evidenceQueue),
		syncKick: make(chan struct{}, 1), wrote: make(chan struct{}, 1), done: make(chan struct{}),
	}
	if d.Writer == nil && cfg.WriteBehind {
		m.writer = newAsyncWriter(m.store, func() {
			select {
			case n.wrote <- struct{}{}:
			default:
			}
		})
	}
	if m.peered {
		n.relayer = ingest.NewRelay(m.gossip, m.clock, cfg.TxRelayQueue, cfg.TxRelayInterval, m.m)
		m.relay = n.relayer.Add
	} else {
		m.relay = func(*types.Tx) {}
	}
	return n, nil
}

// Start runs the consensus loop, the peer workers and the indexer until
// Stop.
func (n *Node) Start() {
	n.startOnce.Do(func() {
		if n.indexer != nil {
			n.indexer.Start(n.head.Load().Height)
		}
		if n.peered {
			n.workers.Add(3 + n.cfg.PeerTxWorkers)
			go func() { defer n.workers.Done(); n.relayer.Run(n.stop) }()
			go n.serveBlocks()
			go n.housekeep()
			for i := 0; i < n.cfg.PeerTxWorkers; i++ {
				go n.admitTxs()
			}
		}
		go n.loop()
	})
}

// Stop ends the loop and the workers, drains the indexer, and returns the
// first fatal error, if any. It does not close the store: the caller owns
// it.
func (n *Node) Stop() error {
	n.Machine.Stop()
	n.startOnce.Do(func() { close(n.done) }) // never started
	<-n.done
	n.workers.Wait()
	if n.indexer != nil {
		n.indexer.Stop()
	}
	return n.Err()
}

// Done is closed when the loop has exited (Stop, or a fatal error).
func (n *Node) Done() <-chan struct{} { return n.done }

// housekeep wakes the loop for the peer chores every
// blocksync.HousekeepInterval.
func (n *Node) housekeep() {
	defer n.workers.Done()
	t := n.clock.NewTicker(blocksync.HousekeepInterval)
	defer t.Stop()
	for {
		select {
		case <-n.stop:
			return
		case <-t.C():
			n.kick()
		}
	}
}

// loop is the owner goroutine of the Machine.
func (n *Node) loop() {
	defer close(n.done)
	defer func() {
		// A panic in the consensus loop is a broken invariant: halt, never limp on.
		if r := recover(); r != nil {
			n.fail(fmt.Errorf("panic in consensus loop: %v", r))
		}
		n.finishWrite()
	}()
	t := n.clock.NewTicker(n.cfg.TickInterval)
	defer t.Stop()
	n.Init()
	batch := make([]peerMsg, 0, maxStepBatch)
	for {
		select {
		case <-n.stop:
			return
		case <-t.C():
			n.Tick()
		case pm := <-n.inbox:
			batch = append(batch[:0], pm)
		more:
			for len(batch) < maxStepBatch {
				select {
				case pm := <-n.inbox:
					batch = append(batch, pm)
				default:
					break more
				}
			}
			n.stepPeers(batch)
			clear(batch)
		case pb := <-n.blocksIn:
			n.applySynced(pb.peer, pb.blocks)
			n.settle()
		case pe := <-n.evIn:
			n.takeEvidence(pe.peer, pe.evs)
		case <-n.syncKick:
			n.Housekeep()
		case <-n.wrote:
			n.Written()
		}
	}
}

// finishWrite waits, as the loop exits, for the block being written: it
// is durable before Stop returns (the caller closes the store next), and
// published.
func (n *Node) finishWrite() {
	defer func() {
		if r := recover(); r != nil {
			n.fail(fmt.Errorf("panic finishing the block write: %v", r))
		}
	}()
	if err := n.written(); err != nil {
		n.fail(err)
	}
}

// kick wakes the loop for the peer chores (a sync check); it never blocks.
func (n *Node) kick() {
	select {
	case n.syncKick <- struct{}{}:
	default:
	}
}

// serveBlocks answers peers' block requests from the block store, one at
// a time, off the transport's goroutines.
func (n *Node) serveBlocks() {
	defer n.workers.Done()
	for {
		select {
		case <-n.stop:
			return
		case r := <-n.serveIn:
			n.serve(r.peer, r.from, r.count)
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
			n.admit.AdmitPeerTxs(n.runCtx, b.peer, b.txs)
		}
	}
}

// HandleConsensus checks a proposal or vote for what needs no state and
// queues it for the loop, which steps it into the consensus core. A full
// queue drops it: validators re-send their messages while a round is stuck.
func (n *Node) HandleConsensus(peer engine.PeerID, m consensus.Message) error {
	if err := n.checkConsensus(m); err != nil {
		return err
	}
	n.judgeTime(peer, m) // judged at arrival, not when the loop gets to it
	select {
	case n.inbox <- peerMsg{peer: peer, msg: m}:
	default:
		n.m.PeerDrops.WithLabelValues("consensus").Inc()
	}
	return nil
}

// HandleTxs queues a batch of txs for admission by the peer tx workers:
// the same checks as SubmitTx, with the batch's signatures in one verifier
// call. A full queue drops the batch (txs are best effort).
func (n *Node) HandleTxs(peer engine.PeerID, txs []*types.Tx) error {
	if err := n.checkTxs(txs); err != nil || len(txs) == 0 {
		return err
	}
	select {
	case n.txIn <- peerTxs{peer: peer, txs: txs}:
	default:
		n.m.PeerDrops.WithLabelValues("txs").Inc()
	}
	return nil
}

// HandleEvidence checks the shape of a peer's double-sign evidence and
// queues it for the loop, which verifies each piece against the set of its
// height (pairing work, hence not on the transport's goroutine), records
// it and relays what is new. A full queue drops it (counted).
func (n *Node) HandleEvidence(peer engine.PeerID, evs []*types.Evidence) error {
	if err := n.checkEvidence(evs); err != nil {
		return err
	}
	select {
	case n.evIn <- peerEvidence{peer: peer, evs: evs}:
	default:
		n.m.PeerDrops.WithLabelValues("evidence").Inc()
	}
	return nil
}

// HandleStatus records a peer's committed head; the loop asks the best
// peer for blocks when we are behind.
func (n *Node) HandleStatus(peer engine.PeerID, height uint64, hash types.Hash) error {
	if err := n.checkStatus(height, hash); err != nil {
		return err
	}
	if n.sync.Status(peer, height, hash, n.clock.Now(), n.head.Load().Height) {
		n.kick()
	}
	return nil
}

// HandleBlockRequest queues a peer's request for committed blocks for the
// block server; when it is busy the request is dropped (the peer asks
// again after its timeout).
func (n *Node) HandleBlockRequest(peer engine.PeerID, from uint64, count int) error {
	if err := n.checkBlockRequest(from, count); err != nil {
		return err
	}
	select {
	case n.serveIn <- blockRequest{peer: peer, from: from, count: count}:
	default:
		n.m.PeerDrops.WithLabelValues("block_requests").Inc()
	}
	return nil
}

// HandleBlocks checks the shape of a block-sync answer and queues it for
// the loop, which commits each block with its certificate in height order.
func (n *Node) HandleBlocks(peer engine.PeerID, blocks []engine.SyncedBlock) error {
	if err := n.checkBlocks(blocks); err != nil {
		return err
	}
	select {
	case n.blocksIn <- peerBlocks{peer: peer, blocks: blocks}:
	default:
		n.m.PeerDrops.WithLabelValues("blocks").Inc()
	}
	return nil
}
