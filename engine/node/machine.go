package node

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"aitbc/engine"
	"aitbc/engine/blocksync"
	"aitbc/engine/consensus"
	"aitbc/engine/epochs"
	"aitbc/engine/exec"
	"aitbc/engine/indexer"
	"aitbc/engine/ingest"
	"aitbc/engine/mempool"
	"aitbc/engine/metrics"
	"aitbc/engine/state"
	"aitbc/engine/types"
	"aitbc/engine/validators"
	"aitbc/gpu/health"
)

// Deps are the ports and collaborators wired into a node.
type Deps struct {
	Genesis  *types.Genesis
	Store    engine.BlockStore
	Index    engine.Index       // optional: nil runs without the SQL index
	Publish  engine.Broadcaster // optional
	Verifier engine.SigVerifier
	Signer   consensus.Signer     // nil: a non-validating full node
	WAL      engine.WAL           // required with a Signer: own votes are persisted before they are sent
	GPU      func() health.Device // optional: the GPU's health for Status
	Clock    engine.Clock         // nil: the wall clock
	Log      *slog.Logger
	Metrics  *metrics.Metrics
	// Gossip is the peer transport (optional: nil runs a node with no
	// peers, which only a single-validator chain can live with). The
	// caller also wires the node into the transport as its PeerHandler.
	Gossip engine.Gossip
	// SetAt is the set that signs a height (optional: nil, or a nil
	// answer, is the genesis set, as on every poa chain). It is the one
	// lookup behind every set rule: the header's set hashes and the last
	// commit (exec), the set the core decides each height with, a synced
	// certificate that conflicts with a decision, and the head
	// certificate at start (docs/spec.md §14.7). The election of pos and
	// hybrid chains (§17) plugs in here. It is asked for heights 1 to
	// head+2 (a proposal for head+1 commits to the set of head+2, which
	// §17 elects an epoch ahead), on the owner goroutine only.
	SetAt func(height uint64) *validators.Set
	// Writer makes committed blocks durable (optional: nil commits to
	// Store before going on, as a Machine does; Node writes on a goroutine
	// of its own; the simulator, after a simulated disk latency). See
	// write.go.
	Writer BlockWriter
}

// Machine is the node without goroutines: the consensus core and the
// pipeline around it, driven by calls from one owner goroutine (Init once,
// then Tick, Housekeep and the PeerHandler methods, which handle a peer's
// message at once). Node is a Machine with the goroutines, queues and
// tickers of a running process; the simulator (engine/sim) drives
// Machines directly from its event queue, so a run is a function of its
// seed. The read side (read.go) is safe from any goroutine.
type Machine struct {
	cfg     Config
	gen     *types.Genesis
	chainID string
	store   engine.BlockStore
	publish engine.Broadcaster
	verify  engine.SigVerifier
	clock   engine.Clock
	log     *slog.Logger
	m       *metrics.Metrics
	vals    *validators.Set                     // the genesis set
	setAtFn func(height uint64) *validators.Set // Deps.SetAt; use setAt
	hist    *epochs.History                     // the sets by epoch; owner only
	self    types.Address                       // our validator's account address (fee recipient); zero if none
	wal     engine.WAL
	gpu     func() health.Device

	ledger  *exec.Ledger
	exec    *exec.Executor // owner only
	admit   *ingest.Admitter
	sync    *blocksync.Syncer
	indexer *indexer.Indexer
	core    *consensus.Core // owner only
	held    []heldVote      // peers' votes held for a joint check (votebatch.go); owner only
	gossip  engine.Gossip   // NopGossip without a transport
	peered  bool            // a transport is wired
	relay   func(*types.Tx) // hands an admitted tx to the relay
	// evSeen holds the hashes of evidence verified and recorded (the
	// store holds it): a piece peers send again is not paired again.
	evSeen *exec.VerdictCache

	// head is the last block applied, which the next height builds on
	// and the read side reports; durable, the last one the store holds,
	// which block sync announces (owner only). head is one ahead while
	// the writer holds pending, which the read side finds in unwritten
	// (write.go).
	head      atomic.Pointer[engine.Head]
	durable   engine.Head
	unwritten atomic.Pointer[engine.CommittedBlock]
	writer    BlockWriter
	pending   *pendingWrite

	fault      FaultHook // crash tests only; set before driving
	lastCommit time.Time // owner only

	lastRebroadcast time.Time // owner only (rebroadcast)
	// stillPending are the pending txs a validator saw at its last
	// rebroadcast check, by identity: the pool hands out the same *Tx for
	// as long as it holds a tx, so nothing is hashed again (owner only).
	stillPending map[*types.Tx]struct{}

	// announced are the hashes of the sets whose keys the transport
	// last got (announceValidators); nil before the first. Owner only.
	announced *[2]types.Hash

	halt atomic.Pointer[engine.Halt] // set once, by haltConsensus (halt.go)

	runCtx    context.Context // cancelled by Stop: ends verifier waits
	cancelRun context.CancelFunc
	stop      chan struct{} // closed by Stop or a fatal error
	stopOnce  sync.Once
	errMu     sync.Mutex
	err       error
}

// NewMachine restores a node from its block store (or genesis, for an
// empty store), checks that the stored state matches the head's state
// root, and replays the WAL of the height being decided.
func NewMachine(cfg Config, d Deps) (*Machine, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if d.Genesis == nil || d.Store == nil || d.Verifier == nil {
		return nil, errors.New("node: Genesis, Store and Verifier are required")
	}
	if err := d.Genesis.Validate(); err != nil {
		return nil, err
	}
	if d.Signer != nil && d.WAL == nil {
		return nil, errors.New("node: a validator (Signer) needs a WAL")
	}
	if d.Clock == nil {
		d.Clock = engine.WallClock{}
	}
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	if d.Metrics == nil {
		d.Metrics = metrics.Nop()
	}
	if d.Publish == nil {
		d.Publish = engine.NopBroadcaster{}
	}
	vals, err := validators.FromGenesis(d.Genesis)
	if err != nil {
		return nil, fmt.Errorf("node: validator set: %w", err)
	}
	m := &Machine{
		cfg: cfg, gen: d.Genesis, chainID: d.Genesis.ChainID, store: d.Store, publish: d.Publish,
		verify: d.Verifier, clock: d.Clock, log: d.Log, m: d.Metrics, vals: vals, setAtFn: d.SetAt, wal: d.WAL, gpu: d.GPU,
		gossip: d.Gossip, peered: d.Gossip != nil, stop: make(chan struct{}), writer: d.Writer,
	}
	if m.writer == nil {
		m.writer = &syncWriter{store: d.Store}
	}
	if m.gossip == nil {
		m.gossip = engine.NopGossip{}
	}
	m.relay = m.relayNow
	m.runCtx, m.cancelRun = context.WithCancel(context.Background())
	if m.hist, err = epochs.New(d.Genesis, vals); err != nil {
		return nil, fmt.Errorf("node: %w", err)
	}
	// The newest sets in memory, older ones (the read side's history)
	// from the store: memory and restart time stay flat as epochs pass.
	m.hist.Bound(epochs.MinKept(d.Genesis), d.Store.ValidatorSet)
	if d.Signer != nil {
		pk := d.Signer.PublicKey()
		if i, ok := vals.IndexOfBLS(pk); ok {
			m.self = vals.Get(i).Address
		} else if !m.hist.Staking() {
			return nil, fmt.Errorf("node: the validator key %x is not in the genesis validator set", pk[:8])
		}
		// On a pos or hybrid chain a validator key outside the genesis set
		// is a staker's: the node follows the chain and votes once an
		// election puts the key in the set of a height.
	}
	start, err := m.restore(mempool.New(cfg.Mempool))
	if err != nil {
		return nil, err
	}
	verdicts := exec.NewVerdictCache(cfg.VerdictCache)
	m.exec = exec.NewExecutor(m.chainID, vals, m.self, m.ledger, m.verify, verdicts, m.log)
	m.exec.SetSetAt(m.setAt)
	m.exec.SetEpochs(m.hist)
	m.exec.SetEvidenceSource(m.store.Evidence)
	m.evSeen = exec.NewVerdictCache(evidenceSeen)
	if d.Signer != nil {
		m.exec.SetSelfKey(d.Signer.PublicKey())
	}
	if start, err = m.restoreAhead(start); err != nil {
		return nil, err
	}
	m.admit = ingest.New(ingest.Deps{ChainID: m.chainID, Ledger: m.ledger, Verifier: m.verify, Verdicts: verdicts,
		Clock: m.clock, Publish: m.publish, Metrics: m.m, Log: m.log,
		Relay: func(tx *types.Tx) { m.relay(tx) }, Penalize: m.penalize})
	m.sync = blocksync.NewSyncer(cfg.Config, int(m.ledger.Params().MaxBlockBytes), m.gossip, m.m, m.log)
	ccfg := consensus.DefaultConfig()
	ccfg.ChainID = m.chainID
	ccfg.TimeoutCommit = cfg.ticks(cfg.BlockTime)
	if cfg.MinBlockInterval > 0 {
		ccfg.Responsive, ccfg.TimeoutCommitMin = true, min(cfg.ticks(cfg.MinBlockInterval), ccfg.TimeoutCommit)
	}
	m.core, err = consensus.New(ccfg, m.setAt(start.Height), d.Signer, start, d.Log)
	if err != nil {
		return nil, fmt.Errorf("node: consensus: %w", err)
	}
	m.core.SetMetrics(d.Metrics.Core)
	if err := m.replayWAL(start.Height); err != nil {
		return nil, err
	}
	m.announceValidators(start.Height - 1)
	if d.Index != nil {
		m.indexer = indexer.New(d.Index, indexer.NewReplayer(d.Genesis, d.Store), cfg.IndexBatch, cfg.IndexQueue, m.clock, m.log, m.m)
	}
	return m, nil
}

// setAt is the set that signs height: Deps.SetAt's answer, else the set
// of its epoch (docs/spec.md §17; always known for heights up to head+2),
// else the genesis set.
func (m *Machine) setAt(height uint64) *validators.Set {
	if m.setAtFn != nil {
		if s := m.setAtFn(height); s != nil {
			return s
		}
	}
	if s := m.hist.At(height); s != nil {
		return s
	}
	return m.vals
}

// restore loads state from genesis plus the store and returns where
// consensus starts.
func (m *Machine) restore(pool *mempool.Mempool) (consensus.Start, error) {
	st, err := state.FromGenesis(m.gen)
	if err != nil {
		return consensus.Start{}, fmt.Errorf("node: genesis state: %w", err)
	}
	m.ledger = exec.NewLedger(st, pool, m.m)
	height, hash, err := m.store.Head()
	if err != nil {
		return consensus.Start{}, fmt.Errorf("node: read head: %w", err)
	}
	if height == 0 {
		m.durable = engine.Head{Hash: types.ZeroHash, Time: m.gen.GenesisTime, StateRoot: st.Root()}
		hd := m.durable
		m.head.Store(&hd)
		return consensus.Start{Height: 1}, nil
	}
	if err := m.store.LoadAccounts(func(a types.Address, acct state.Account) error { st.Set(a, acct); return nil }); err != nil {
		return consensus.Start{}, fmt.Errorf("node: load accounts: %w", err)
	}
	if err := m.store.LoadClaimedJobs(func(h types.Hash) error { st.AddClaimed(h); return nil }); err != nil {
		return consensus.Start{}, fmt.Errorf("node: load claimed receipts: %w", err)
	}
	if err := m.store.LoadStaking(engine.StakingRestore{
		Stake:    func(r state.StakeRecord) error { st.SetStake(r); return nil },
		Evidence: func(h types.Hash) error { st.AddEvidence(h); return nil },
		Supply:   func(v state.Supply) error { st.SetSupply(v); return nil },
		Set:      m.hist.Install,
		Sets:     m.hist.Kept(),
	}); err != nil {
		return consensus.Start{}, fmt.Errorf("node: load staking state: %w", err)
	}
	blk, err := m.store.Block(height)
	if err != nil {
		return consensus.Start{}, fmt.Errorf("node: read head block %d: %w", height, err)
	}
	cert, err := m.store.CommitCert(height)
	if err != nil {
		return consensus.Start{}, fmt.Errorf("node: read head commit %d: %w", height, err)
	}
	if blk.Hash() != hash || blk.Header.ChainID != m.chainID {
		return consensus.Start{}, fmt.Errorf("node: head block %d does not match the store's head record or chain", height)
	}
	if root := st.Root(); root != blk.Header.StateRoot {
		return consensus.Start{}, fmt.Errorf("node: stored state root %s != head %d state root %s: the data dir is inconsistent", root, height, blk.Header.StateRoot)
	}
	if err := m.setAt(height).VerifyCommit(m.chainID, cert); err != nil {
		return consensus.Start{}, fmt.Errorf("node: head %d commit certificate does not verify: %w", height, err)
	}
	if cert.BlockHash != hash {
		return consensus.Start{}, fmt.Errorf("node: head %d commit certificate is for block %s, not %s", height, cert.BlockHash, hash)
	}
	m.durable = engine.Head{Height: height, Hash: hash, Time: blk.Header.Time, StateRoot: blk.Header.StateRoot, TxCount: len(blk.Txs)}
	hd := m.durable
	m.head.Store(&hd)
	m.m.HeadHeight.Set(float64(height))
	m.log.Info("restored from block store", "height", height, "hash", hash.String(), "accounts", st.Len(), "claimed_jobs", st.ClaimedLen())
	return consensus.Start{Height: height + 1, LastCommit: cert}, nil
}

// SetFaultHook installs a fault-injection hook (nil removes it). Call it
// before Start or Init: the owner goroutine reads it without
// synchronisation.
func (m *Machine) SetFaultHook(h FaultHook) { m.fault = h }

// Init starts driving: it processes what the core has ready after restore
// and WAL replay, and announces our head. Call it once, first.
func (m *Machine) Init() {
	m.lastCommit = m.clock.Now()
	m.drain()
	m.sync.Announce(m.clock.Now(), m.durable, true)
}

// Tick advances the consensus clock by one tick (every
// Config.TickInterval).
func (m *Machine) Tick() {
	if m.halted() {
		return
	}
	// A vote held since before the core's last tick has seen a whole tick
	// go by: it waits two ticks at most.
	m.releaseHeld(m.core.Ticks())
	m.proceedIfBusy()
	m.core.Tick()
	m.settle()
}

// proceedIfBusy asks the core, in responsive mode, to end its commit wait
// when txs are waiting (consensus.Proceed).
func (m *Machine) proceedIfBusy() {
	if m.cfg.MinBlockInterval <= 0 || m.core.StepName() != "commit" {
		return
	}
	if txs, _ := m.ledger.PoolSize(); txs == 0 {
		return
	}
	if err := m.core.Step(&consensus.Proceed{Height: m.core.Height()}); err != nil {
		m.log.Debug("proceed refused", "err", err)
	}
}

// Housekeep runs the peer side's chores (every
// blocksync.HousekeepInterval): sync timeouts, the periodic status.
func (m *Machine) Housekeep() {
	if !m.peered || m.halted() {
		return
	}
	m.fetchDecided()
	m.rebroadcast()
	m.sync.Housekeep(m.clock.Now(), m.durable)
	m.settle()
}

// rebroadcastTxs is the most pending txs rebroadcast sends at once.
const rebroadcastTxs = 256

// rebroadcast sends pending txs to our peers again, once per
// StatusInterval: the one relay at admission is lost if a partition or a
// dropped link eats it. A node that does not vote sends up to
// rebroadcastTxs of them each time (its txs reach a block only through
// its peers). A validator proposes what its mempool holds, but only on
// its own turn (n heights or more with n validators), so it re-sends
// only the txs that were pending at its last check too, a whole interval
// ago: a tx a partition kept from its peers, not the ones a busy chain
// commits within a few heights (every validator re-sending its whole
// pool each interval starved block sync on a lossy line in the
// simulator). A receiver skips what it holds already and never
// penalizes a stale or known tx.
func (m *Machine) rebroadcast() {
	now := m.clock.Now()
	if now.Sub(m.lastRebroadcast) < m.cfg.StatusInterval {
		return
	}
	m.lastRebroadcast = now
	txs, _, _ := m.ledger.PendingTxs(rebroadcastTxs)
	if m.core.SelfIndex() >= 0 {
		prev := m.stillPending
		m.stillPending = make(map[*types.Tx]struct{}, len(txs))
		old := txs[:0:0]
		for _, tx := range txs {
			m.stillPending[tx] = struct{}{}
			if _, ok := prev[tx]; ok {
				old = append(old, tx)
			}
		}
		txs = old
	}
	if len(txs) > 0 {
		m.gossip.BroadcastTxs(txs)
		m.m.TxsRelayed.Add(float64(len(txs)))
	}
}

// Stop halts the machine: later calls do nothing. Idempotent.
func (m *Machine) Stop() {
	m.stopOnce.Do(func() { close(m.stop) })
	m.cancelRun()
}

// Err is the fatal error that halted the node, if any.
func (m *Machine) Err() error {
	m.errMu.Lock()
	defer m.errMu.Unlock()
	return m.err
}

func (m *Machine) fail(err error) {
	m.errMu.Lock()
	if m.err == nil {
		m.err = err
	}
	m.errMu.Unlock()
	m.log.Error("node halted", "err", err)
	m.stopOnce.Do(func() { close(m.stop) })
}

func (m *Machine) stopped() bool {
	select {
	case <-m.stop:
		return true
	default:
		return false
	}
}

// settle drains the core and announces a moved head: the end of every
// input the owner handles.
func (m *Machine) settle() {
	m.drain()
	m.announce()
}

func (m *Machine) announce() {
	if m.peered && !m.stopped() {
		m.sync.Announce(m.clock.Now(), m.durable, false)
	}
}

func (m *Machine) maybeSync() {
	if m.peered {
		m.sync.MaybeSync(m.clock.Now(), m.head.Load().Height)
	}
}

// relayNow relays one admitted tx at once (a Machine without a Relay
// goroutine, as in the simulator).
func (m *Machine) relayNow(tx *types.Tx) {
	if m.peered {
		m.gossip.BroadcastTxs([]*types.Tx{tx})
		m.m.TxsRelayed.Inc()
	}
}

// verifyCtx bounds one signature check made by the owner goroutine.
func (m *Machine) verifyCtx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(m.runCtx, 30*time.Second)
}
