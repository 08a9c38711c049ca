package engine

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"aitbc/engine/consensus"
	"aitbc/engine/mempool"
	"aitbc/engine/state"
	"aitbc/engine/types"
	"aitbc/engine/validators"
	"aitbc/gpu"
	"aitbc/gpu/health"
)

// Deps are the ports and collaborators cmd/aitbcd wires into a Node.
type Deps struct {
	Genesis  *types.Genesis
	Store    BlockStore
	Index    Index       // optional: nil runs without the SQL index
	Publish  Broadcaster // optional
	Verifier *gpu.Batcher
	Signer   consensus.Signer     // nil: a non-validating full node
	WAL      WAL                  // required with a Signer: own votes are persisted before they are sent
	GPU      func() health.Device // optional: the GPU's health for Status
	Clock    Clock                // nil: wall clock
	Log      *slog.Logger
	Metrics  *Metrics
	// Gossip is the peer transport (optional: nil runs a node with no
	// peers, which only a single-validator chain can live with). The
	// caller also wires the Node into the transport as its PeerHandler.
	Gossip Gossip
}

// Node runs the pipeline for one chain.
type Node struct {
	cfg     Config
	gen     *types.Genesis
	chainID string
	store   BlockStore
	publish Broadcaster
	verify  *gpu.Batcher
	clock   Clock
	log     *slog.Logger
	m       *Metrics
	vals    *validators.Set
	self    types.Address // our validator's account address (fee recipient); zero if none

	mu       sync.RWMutex // guards state, pool, admitted
	state    *state.State
	pool     *mempool.Mempool
	admitted map[types.Hash]time.Time // admission time, for finality latency

	core      *consensus.Core            // loop goroutine only
	pending   map[types.Hash]*builtBlock // executed candidate blocks by hash; loop only
	lastCommt time.Time                  // loop only

	head     atomic.Pointer[Head]
	verdicts *verdictCache
	indexer  *indexer
	fault    FaultHook // crash tests only; set before Start
	wal      WAL
	gpu      func() health.Device

	// The peer side (peers.go, sync.go, relay.go).
	gossip    Gossip // nopGossip without a transport
	peered    bool   // a transport is wired
	inbox     chan peerMsg
	blocksIn  chan peerBlocks
	txIn      chan peerTxs
	serveIn   chan blockRequest
	relayIn   chan *types.Tx
	syncKick  chan struct{} // capacity 1: "a peer may be ahead"
	peers     *peerTable
	syncing   atomic.Bool
	catchup   syncState // loop only
	announced announcement
	runCtx    context.Context // cancelled by Stop: ends the peer workers' waits
	cancelRun context.CancelFunc
	workers   sync.WaitGroup

	startOnce sync.Once
	stopOnce  sync.Once
	stop      chan struct{}
	done      chan struct{}
	errMu     sync.Mutex
	err       error
}

// builtBlock is a block whose txs were executed against the current head.
type builtBlock struct {
	block  *types.Block
	hashes []types.Hash
	batch  *state.Batch
}

type wallClock struct{}

func (wallClock) Now() time.Time { return time.Now() }

// New restores the node from its block store (or genesis, for an empty
// store) and checks that the stored state matches the head's state root.
func New(cfg Config, d Deps) (*Node, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if d.Genesis == nil || d.Store == nil || d.Verifier == nil {
		return nil, errors.New("engine: Genesis, Store and Verifier are required")
	}
	if err := d.Genesis.Validate(); err != nil {
		return nil, err
	}
	if d.Clock == nil {
		d.Clock = wallClock{}
	}
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	if d.Metrics == nil {
		d.Metrics = NopMetrics()
	}
	if d.Publish == nil {
		d.Publish = nopBroadcaster{}
	}
	vals, err := validators.FromGenesis(d.Genesis)
	if err != nil {
		return nil, fmt.Errorf("engine: validator set: %w", err)
	}
	n := &Node{
		cfg: cfg, gen: d.Genesis, chainID: d.Genesis.ChainID, store: d.Store, publish: d.Publish,
		verify: d.Verifier, clock: d.Clock, log: d.Log, m: d.Metrics, vals: vals,
		pool: mempool.New(cfg.Mempool), admitted: map[types.Hash]time.Time{},
		pending: map[types.Hash]*builtBlock{}, verdicts: newVerdictCache(cfg.VerdictCache),
		stop: make(chan struct{}), done: make(chan struct{}),
		gossip: d.Gossip, peered: d.Gossip != nil, peers: newPeerTable(cfg.MaxPeers, cfg.PeerTTL),
		inbox: make(chan peerMsg, cfg.PeerInbox), blocksIn: make(chan peerBlocks, blockQueue),
		txIn: make(chan peerTxs, cfg.PeerTxQueue), serveIn: make(chan blockRequest, serveQueue),
		relayIn: make(chan *types.Tx, cfg.TxRelayQueue), syncKick: make(chan struct{}, 1),
	}
	if n.gossip == nil {
		n.gossip = nopGossip{}
	}
	n.runCtx, n.cancelRun = context.WithCancel(context.Background())
	if d.Signer != nil && d.WAL == nil {
		return nil, errors.New("engine: a validator (Signer) needs a WAL")
	}
	n.wal = d.WAL
	n.gpu = d.GPU
	if d.Signer != nil {
		pk := d.Signer.PublicKey()
		found := false
		for i := 0; i < vals.Size(); i++ {
			if v := vals.Get(i); v.BLSPubKey == pk {
				n.self, found = v.Address, true
			}
		}
		if !found {
			return nil, fmt.Errorf("engine: the validator key %x is not in the genesis validator set", pk[:8])
		}
	}
	start, err := n.restore()
	if err != nil {
		return nil, err
	}
	ccfg := consensus.DefaultConfig()
	ccfg.ChainID = n.chainID
	ccfg.TimeoutCommit = cfg.ticks(cfg.BlockTime)
	n.core, err = consensus.New(ccfg, vals, d.Signer, start, d.Log)
	if err != nil {
		return nil, fmt.Errorf("engine: consensus: %w", err)
	}
	n.core.SetMetrics(d.Metrics.Core)
	if err := n.replayWAL(start.Height); err != nil {
		return nil, err
	}
	if d.Index != nil {
		n.indexer = newIndexer(d.Index, d.Store, cfg, n.accountsAt, d.Log, d.Metrics)
	}
	return n, nil
}

// restore loads state from genesis plus the store and returns where consensus starts.
func (n *Node) restore() (consensus.Start, error) {
	st, err := state.FromGenesis(n.gen)
	if err != nil {
		return consensus.Start{}, fmt.Errorf("engine: genesis state: %w", err)
	}
	height, hash, err := n.store.Head()
	if err != nil {
		return consensus.Start{}, fmt.Errorf("engine: read head: %w", err)
	}
	n.state = st
	if height == 0 {
		n.head.Store(&Head{Hash: types.ZeroHash, Time: n.gen.GenesisTime, StateRoot: st.Root()})
		return consensus.Start{Height: 1}, nil
	}
	if err := n.store.LoadAccounts(func(a types.Address, acct state.Account) error { st.Set(a, acct); return nil }); err != nil {
		return consensus.Start{}, fmt.Errorf("engine: load accounts: %w", err)
	}
	if err := n.store.LoadClaimedJobs(func(h types.Hash) error { st.AddClaimed(h); return nil }); err != nil {
		return consensus.Start{}, fmt.Errorf("engine: load claimed receipts: %w", err)
	}
	blk, err := n.store.Block(height)
	if err != nil {
		return consensus.Start{}, fmt.Errorf("engine: read head block %d: %w", height, err)
	}
	cert, err := n.store.CommitCert(height)
	if err != nil {
		return consensus.Start{}, fmt.Errorf("engine: read head commit %d: %w", height, err)
	}
	if blk.Hash() != hash || blk.Header.ChainID != n.chainID {
		return consensus.Start{}, fmt.Errorf("engine: head block %d does not match the store's head record or chain", height)
	}
	if root := st.Root(); root != blk.Header.StateRoot {
		return consensus.Start{}, fmt.Errorf("engine: stored state root %s != head %d state root %s: the data dir is inconsistent", root, height, blk.Header.StateRoot)
	}
	if err := n.vals.VerifyCommit(n.chainID, cert); err != nil || cert.BlockHash != hash {
		return consensus.Start{}, fmt.Errorf("engine: head %d commit certificate does not verify: %v", height, err)
	}
	n.head.Store(&Head{Height: height, Hash: hash, Time: blk.Header.Time, StateRoot: blk.Header.StateRoot, TxCount: len(blk.Txs)})
	n.m.HeadHeight.Set(float64(height))
	n.log.Info("restored from block store", "height", height, "hash", hash.String(), "accounts", st.Len(), "claimed_jobs", st.ClaimedLen())
	return consensus.Start{Height: height + 1, LastCommit: cert}, nil
}

// Start runs the consensus loop (and the indexer) until Stop.
func (n *Node) Start() {
	n.startOnce.Do(func() {
		if n.indexer != nil {
			n.indexer.start(n.head.Load().Height)
		}
		if n.peered {
			n.startPeerWorkers()
		}
		go n.loop()
	})
}

// Stop ends the loop, drains the indexer, and returns the first fatal error, if any.
// It does not close the store: the caller owns it.
func (n *Node) Stop() error {
	n.stopOnce.Do(func() { close(n.stop) })
	n.startOnce.Do(func() { close(n.done) }) // never started
	<-n.done
	n.cancelRun()
	n.workers.Wait()
	if n.indexer != nil {
		n.indexer.stop()
	}
	return n.Err()
}

// Done is closed when the loop has exited (Stop, or a fatal error).
func (n *Node) Done() <-chan struct{} { return n.done }

// Err is the fatal error that halted the node, if any.
func (n *Node) Err() error {
	n.errMu.Lock()
	defer n.errMu.Unlock()
	return n.err
}

func (n *Node) fail(err error) {
	n.errMu.Lock()
	if n.err == nil {
		n.err = err
	}
	n.errMu.Unlock()
	n.log.Error("node halted", "err", err)
	n.stopOnce.Do(func() { close(n.stop) })
}

func (n *Node) stopped() bool {
	select {
	case <-n.stop:
		return true
	default:
		return false
	}
}

func (n *Node) loop() {
	defer close(n.done)
	defer func() {
		// A panic in the consensus loop is a broken invariant: halt, never limp on.
		if r := recover(); r != nil {
			n.fail(fmt.Errorf("panic in consensus loop: %v", r))
		}
	}()
	t := time.NewTicker(n.cfg.TickInterval)
	defer t.Stop()
	var house <-chan time.Time // peer housekeeping: sync timeouts, periodic status
	if n.peered {
		ht := time.NewTicker(housekeepInterval)
		defer ht.Stop()
		house = ht.C
	}
	n.lastCommt = n.clock.Now()
	n.drain()
	n.announce(true)
	for {
		select {
		case <-n.stop:
			return
		case <-t.C:
			n.core.Tick()
		case pm := <-n.inbox:
			n.stepPeer(pm)
		case pb := <-n.blocksIn:
			n.applySynced(pb)
		case <-n.syncKick:
			n.maybeSync()
		case <-house:
			n.housekeep()
		}
		n.drain()
		n.announce(false)
	}
}

// drain processes every Ready the core has, feeding the pipeline's answers
// (built and validated blocks) back after Advance.
func (n *Node) drain() {
	for !n.stopped() && n.core.HasReady() {
		rd := n.core.Ready()
		follow := n.handle(rd)
		n.core.Advance()
		for _, m := range follow {
			if err := n.core.Step(m); err != nil {
				n.log.Warn("consensus rejected pipeline message", "err", err)
			}
		}
	}
}

func (n *Node) handle(rd consensus.Ready) []consensus.Message {
	// Persist before anything leaves: a crash after this point replays
	// our votes instead of signing new ones.
	if err := n.persist(rd.Persist); err != nil {
		n.fail(fmt.Errorf("write WAL: %w", err))
		return nil
	}
	// Only now may our signed messages leave.
	if k := len(rd.Send); k > 0 {
		if n.peered {
			n.gossip.BroadcastConsensus(rd.Send)
			n.m.ConsensusSent.Add(float64(k))
		} else {
			n.m.ConsensusMessages.Add(float64(k))
		}
	}
	for _, ev := range rd.Events {
		n.publish.ConsensusEvent(Event{Kind: "step", Height: ev.Height, Round: ev.Round, Step: ev.Step, Time: n.clock.Now()})
	}
	for _, ev := range rd.Evidence {
		n.recordEvidence(ev)
	}
	for _, c := range rd.Committed {
		if err := n.commit(c); err != nil {
			n.fail(err)
			return nil
		}
		if n.wal != nil {
			if err := n.wal.Truncate(c.Block.Header.Height + 1); err != nil {
				n.fail(fmt.Errorf("truncate WAL: %w", err))
				return nil
			}
		}
	}
	var follow []consensus.Message
	if req := rd.BuildBlock; req != nil {
		blk := n.build(req)
		follow = append(follow, &consensus.BlockBuilt{Height: req.Height, Round: req.Round, Block: blk})
	}
	for _, blk := range rd.Validate {
		if blk.Header.Height <= n.head.Load().Height {
			// Decided in this same Ready (its precommits came with it, or a
			// certificate did): committed above, nothing left to answer.
			continue
		}
		err := n.validate(blk)
		if err != nil {
			n.log.Warn("invalid proposed block", "height", blk.Header.Height, "err", err)
		}
		follow = append(follow, &consensus.BlockValidated{Hash: blk.Hash(), Valid: err == nil})
	}
	return follow
}

type nopBroadcaster struct{}

func (nopBroadcaster) BlockCommitted(*CommittedBlock)   {}
func (nopBroadcaster) TxAdmitted(*types.Tx, types.Hash) {}
func (nopBroadcaster) ConsensusEvent(Event)             {}
func (n *Node) nonceOf(a types.Address) uint64          { return n.state.Account(a).Nonce }
func (n *Node) ctx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), 30*time.Second)
}
