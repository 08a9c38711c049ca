package sim

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"hash"
	"log/slog"
	"math/rand"
	"time"

	"aitbc/engine"
	"aitbc/engine/consensus"
	"aitbc/engine/enginetest"
	"aitbc/engine/metrics"
	"aitbc/engine/misbehave"
	"aitbc/engine/node"
	"aitbc/engine/types"
	"aitbc/engine/validators"
	"aitbc/engine/validators/valtest"
)

// Config is one simulated run. Zero fields take DefaultConfig's values.
type Config struct {
	Seed       int64
	Validators int
	// Duration is the simulated time the run lasts; its last Quiet has no
	// faults (every node up, every link healed), and liveness is judged
	// there.
	Duration, Quiet time.Duration
	Node            node.Config
	Net             enginetest.NetConfig
	Faults          Faults
	// TxEvery submits a transfer to a random up node this often (0: none).
	TxEvery time.Duration
	// Byzantine maps a node index to its behaviour. Byzantine nodes are
	// exempt from the properties (only honest nodes must agree, stay up
	// and commit), and at most (n-1)/3 of them keep the chain safe.
	Byzantine map[int]Behaviour
	// ClockSkew sets chosen nodes' clocks off by a fixed amount (an honest
	// node with a wrong clock; it stays subject to the properties).
	ClockSkew map[int]time.Duration
	// Log, if set, receives every node's log (tagged "node").
	Log *slog.Logger
	// Staking, if set, runs a pos or hybrid chain with stakers (staking.go).
	Staking *Staking
}

// Faults are what the run's seed may inject during the fault window
// (Duration - Quiet).
type Faults struct {
	// Partitions splits the network in two for a while, now and then.
	Partitions bool
	// Crashes stops one node at a time (its store and WAL survive) and
	// restarts it later.
	Crashes bool
	// MaxClockOffset skews each node's clock by up to this much, either way.
	MaxClockOffset time.Duration
	// LinkSpread gives each link its own latency distribution: the net's,
	// shifted by up to this much.
	LinkSpread time.Duration
}

// Behaviour is a byzantine node's: it sees each consensus message node i
// broadcasts and returns what actually goes out to every peer (it may
// also send chosen peers other things with Cluster.SendTo). byzantine.go
// has the catalogue.
type Behaviour func(c *Cluster, i int, m consensus.Message) []consensus.Message

// DefaultConfig is four validators for 5 s of simulated time with every
// kind of fault in the first 2 s, a lossy (2 %), duplicating (2 %),
// reordering network (1-20 ms, each link shifted by up to 30 ms), clocks
// up to 50 ms off, and a transfer every 50 ms.
func DefaultConfig(seed int64) Config {
	nc := NodeConfig()
	nc.WriteBehind = seed%2 != 0 // odd seeds write blocks beside the next height (writer.go)
	return Config{
		Seed: seed, Validators: 4, Duration: 5 * time.Second, Quiet: 3 * time.Second,
		Node:    nc,
		Net:     enginetest.NetConfig{MinDelay: time.Millisecond, MaxDelay: 20 * time.Millisecond, LossPerMille: 20, DupPerMille: 20},
		Faults:  Faults{Partitions: true, Crashes: true, MaxClockOffset: 50 * time.Millisecond},
		TxEvery: 50 * time.Millisecond,
	}
}

// NodeConfig is the node configuration of simulated nodes: a 2 ms tick
// (consensus timeouts of 600 / 200 / 200 ms), 300 ms blocks, and peer
// timers scaled to match. (Responsive blocks, MinBlockInterval, make a
// block per burst of txs: more heights per simulated second, and so more
// CPU per seed; aitbc-sim -responsive and TestResponsiveSeeds run them.)
func NodeConfig() node.Config {
	cfg := node.DefaultConfig()
	cfg.TickInterval = 2 * time.Millisecond
	cfg.BlockTime = 300 * time.Millisecond
	cfg.StatusInterval = 500 * time.Millisecond
	cfg.PeerTTL = 5 * time.Second
	cfg.SyncGrace = 200 * time.Millisecond
	cfg.SyncTimeout = time.Second
	cfg.SyncBackoff = 2 * time.Second
	cfg.VerdictCache = 4096
	return cfg
}

// Node is one simulated node: its durable store and WAL, and the Machine
// of its current incarnation (nil while crashed).
type Node struct {
	ID      engine.PeerID
	Index   int
	Store   *enginetest.MemStore
	WAL     *enginetest.MemWAL
	Machine *node.Machine
	// Metrics are the node's instruments (kept across restarts).
	Metrics *metrics.Metrics
	clock   engine.Clock
	life    int // incarnation: ticks of an earlier life stop
	// Crashes counts restarts; CrashedAt is the time of the last crash.
	Crashes   int
	CrashedAt time.Time
}

// Up reports whether the node is running.
func (n *Node) Up() bool { return n.Machine != nil }

// Height is the node's committed head, from its store (so also while
// crashed).
func (n *Node) Height() uint64 {
	h, _, _ := n.Store.Head()
	return h
}

// Cluster is a simulated network of full nodes driven by one event queue.
type Cluster struct {
	cfg    Config
	Sched  *enginetest.Sched
	Net    *enginetest.Net
	rng    *rand.Rand
	disk   *rand.Rand // the simulated disks' latencies (writer.go)
	Gen    *types.Genesis
	Keys   []valtest.Keys
	Vals   *validators.Set
	Nodes  []*Node
	trace  hash.Hash
	events int

	commits    map[uint64]types.Hash    // the block each height committed, as first seen
	halted     map[int]bool             // honest nodes that halted (a violation each)
	certs      map[uint64]types.Hash    // hash of a verified certificate per height
	envs       map[int]*misbehave.Env   // byzantine nodes' misbehave state
	finalAt    map[types.Hash]time.Time // when a tx was first seen committed
	violations []string
	senders    []ed25519.PrivateKey // each sends one transfer (nonce 1): no nonce chains to break
	nextSender int
	admitted   []admittedTx

	// Staking runs (staking.go): the replica that checks certificates
	// against the set of their height, and the stakers' progress.
	rep        *replica
	stakeNonce map[int]uint64
	registered map[int]bool
	retired    map[int]bool        // down for good: never restarted, exempt from liveness
	supplyHeld string              // what checkSupply counted
	planted    map[types.Hash]bool // evidence a test forged (Planted)
}

// admittedTx is a transfer a node admitted.
type admittedTx struct {
	hash types.Hash
	node int
	at   time.Time
}

// New builds a cluster for cfg: genesis, keys, stores, and the seeded
// network; Run starts it.
func New(cfg Config) (*Cluster, error) {
	def := DefaultConfig(cfg.Seed)
	if cfg.Validators == 0 {
		cfg.Validators = def.Validators
	}
	if cfg.Duration == 0 {
		cfg.Duration, cfg.Quiet = def.Duration, def.Quiet
	}
	if cfg.Node.TickInterval == 0 {
		cfg.Node = def.Node
	}
	if cfg.Quiet > cfg.Duration {
		return nil, fmt.Errorf("sim: Quiet %v longer than Duration %v", cfg.Quiet, cfg.Duration)
	}
	rng := rand.New(rand.NewSource(cfg.Seed))
	sched := enginetest.NewSched(enginetest.Epoch)
	c := &Cluster{cfg: cfg, Sched: sched, rng: rng, disk: diskSeed(cfg.Seed), Net: enginetest.NewNet(sched, rand.New(rand.NewSource(rng.Int63())), cfg.Net),
		trace: sha256.New(), commits: map[uint64]types.Hash{}, halted: map[int]bool{}, certs: map[uint64]types.Hash{}, envs: map[int]*misbehave.Env{}, finalAt: map[types.Hash]time.Time{}, nextSender: spareSenders,
		stakeNonce: map[int]uint64{}, registered: map[int]bool{}, retired: map[int]bool{}, planted: map[types.Hash]bool{}}
	c.Gen = valtest.Genesis("sim", valtest.Equal(cfg.Validators)...)
	c.Gen.GenesisTime = uint64(enginetest.Epoch.UnixMilli())
	nodes := cfg.Validators
	if s := cfg.Staking; s != nil {
		if err := s.validate(cfg.Validators); err != nil {
			return nil, err
		}
		if s.AuthorityPower == 0 {
			s.AuthorityPower = simAuthorityPower
		}
		c.stakingGenesis(s)
		nodes += s.Stakers
	}
	txs := spareSenders
	if cfg.TxEvery > 0 {
		txs += int(cfg.Duration/cfg.TxEvery) + 1
	}
	for i := 0; i < txs; i++ {
		seed := sha256.Sum256(binary.BigEndian.AppendUint64([]byte("sim sender"), uint64(i)))
		k := ed25519.NewKeyFromSeed(seed[:])
		c.senders = append(c.senders, k)
		c.Gen.Accounts = append(c.Gen.Accounts, types.GenesisAccount{Address: types.AddressFromPubKey(k.Public().(ed25519.PublicKey)), Balance: 1_000_000})
	}
	if err := c.Gen.Validate(); err != nil {
		return nil, err
	}
	vals, err := validators.FromGenesis(c.Gen)
	if err != nil {
		return nil, err
	}
	c.Vals = vals
	if cfg.Staking != nil {
		if c.rep, err = newReplica(c.Gen, vals); err != nil {
			return nil, err
		}
	}
	c.Net.Observe = func(at time.Time, from, to engine.PeerID, kind string) {
		c.record("%d %s>%s %s", at.Sub(enginetest.Epoch), from, to, kind)
	}
	c.Net.Fail = func(format string, a ...any) { c.violate("codec: "+format, a...) }
	c.Net.Intercept = func(from engine.PeerID, m consensus.Message) []consensus.Message {
		if i, ok := c.index(from); ok {
			if b := cfg.Byzantine[i]; b != nil {
				return b(c, i, m)
			}
		}
		return []consensus.Message{m}
	}
	for i := 0; i < nodes; i++ {
		num := i
		if i >= cfg.Validators {
			num = stakerKeyIndexStart + i - cfg.Validators
		}
		_, k := valtest.Validator(num, 1)
		c.Keys = append(c.Keys, k)
		n := &Node{ID: engine.PeerID(fmt.Sprintf("n%d", i)), Index: i, Store: enginetest.NewMemStore(), WAL: enginetest.NewMemWAL(), Metrics: metrics.Nop(), clock: sched.Clock()}
		if m := cfg.Faults.MaxClockOffset; m > 0 {
			n.clock = enginetest.OffsetClock{Base: sched.Clock(), Offset: time.Duration(rng.Int63n(int64(2*m)+1)) - m}
		}
		if skew, ok := cfg.ClockSkew[i]; ok {
			n.clock = enginetest.OffsetClock{Base: sched.Clock(), Offset: skew}
		}
		c.Net.Join(n.ID)
		c.Nodes = append(c.Nodes, n)
	}
	if cfg.Faults.LinkSpread > 0 {
		c.spreadLinks()
	}
	return c, nil
}

// spareSenders are funded genesis accounts the load generator leaves to
// tests (Sender).
const spareSenders = 8

// Sender is the key of spare funded account i (i < 8), which no load
// generator uses.
func (c *Cluster) Sender(i int) ed25519.PrivateKey { return c.senders[i] }

// index is the node with this id.
func (c *Cluster) index(id engine.PeerID) (int, bool) {
	for i, n := range c.Nodes {
		if n.ID == id {
			return i, true
		}
	}
	return 0, false
}

// SendTo sends m from node i to node j only (through the codec, with the
// network's latency and loss), for behaviours that tell peers different
// things.
func (c *Cluster) SendTo(i, j int, m consensus.Message) {
	c.Net.Join(c.Nodes[i].ID).SendConsensus(c.Nodes[j].ID, m)
}

// Byzantine reports whether node i misbehaves.
func (c *Cluster) Byzantine(i int) bool { _, ok := c.cfg.Byzantine[i]; return ok }

// record adds a line to the trace.
func (c *Cluster) record(format string, a ...any) {
	c.events++
	fmt.Fprintf(c.trace, format+"\n", a...)
}

func (c *Cluster) violate(format string, a ...any) {
	c.violations = append(c.violations, fmt.Sprintf("t=%v: ", c.Sched.Now().Sub(enginetest.Epoch))+fmt.Sprintf(format, a...))
}

// Start boots node i from its store and WAL and schedules its ticks.
func (c *Cluster) Start(i int) error {
	n := c.Nodes[i]
	if n.Up() {
		return nil
	}
	log := slog.New(slog.DiscardHandler)
	if c.cfg.Log != nil {
		log = c.cfg.Log.With("node", i)
	}
	// With Node.WriteBehind a simulated disk writes blocks beside the next
	// height; without, the Machine writes each before going on.
	var w *diskWriter
	var writer node.BlockWriter
	if c.cfg.Node.WriteBehind {
		w = &diskWriter{c: c, n: n}
		writer = w
	}
	m, err := node.NewMachine(c.cfg.Node, node.Deps{Genesis: c.Gen, Store: n.Store, WAL: n.WAL, Verifier: enginetest.SyncVerifier{},
		Signer: consensus.NewKeySigner(c.Keys[i].BLS), Clock: n.clock, Log: log, Metrics: n.Metrics, Gossip: c.Net.Join(n.ID), Publish: &observer{c: c, i: i},
		Writer: writer})
	if err != nil {
		return fmt.Errorf("sim: start node %d: %w", i, err)
	}
	n.Machine = m
	n.life++
	life := n.life
	if w != nil {
		w.alive = func() bool { return n.life == life && n.Up() }
	}
	c.Net.Attach(n.ID, m)
	c.record("%d start %s h=%d", c.Sched.Now().Sub(enginetest.Epoch), n.ID, n.Height())
	m.Init()
	alive := func() bool { return n.life == life && n.Up() }
	// Stagger the node's tick phase so nodes do not run in lockstep.
	phase := time.Duration(c.rng.Int63n(int64(c.cfg.Node.TickInterval)))
	c.Sched.After(phase, func() {
		c.Sched.Every(c.cfg.Node.TickInterval, func() bool {
			if alive() {
				m.Tick()
				c.checkHalt(i)
			}
			return alive()
		})
		c.Sched.Every(blocksyncHousekeep, func() bool {
			if alive() {
				m.Housekeep()
			}
			return alive()
		})
	})
	return nil
}

// Crash stops node i at once, as a kill would: its store and WAL keep
// what they hold, everything in memory is gone.
func (c *Cluster) Crash(i int) {
	n := c.Nodes[i]
	if !n.Up() {
		return
	}
	n.Machine.Stop()
	n.Machine = nil
	n.Crashes++
	n.CrashedAt = c.Sched.Now()
	c.Net.Attach(n.ID, nil)
	c.record("%d crash %s h=%d", c.Sched.Now().Sub(enginetest.Epoch), n.ID, n.Height())
}

func (c *Cluster) checkHalt(i int) {
	if m := c.Nodes[i].Machine; m != nil && m.Err() != nil && !c.Byzantine(i) {
		c.violate("node %d halted: %v", i, m.Err())
		c.halted[i] = true
		c.Crash(i) // once
	}
}

// Submit sends the next sender's transfer to node i; it reports whether
// the node admitted it.
func (c *Cluster) Submit(i int) bool {
	n := c.Nodes[i]
	if !n.Up() || c.nextSender >= len(c.senders) {
		return false
	}
	k := c.senders[c.nextSender]
	c.nextSender++
	tx := &types.Tx{ChainID: c.Gen.ChainID, Type: types.TxTransfer, Nonce: 1, Recipient: types.Address{0xb0, byte(c.nextSender)}, Amount: 1}
	tx.Fee = n.Machine.MinFee(tx)
	tx.Sign(k)
	hash, err := n.Machine.SubmitTx(context.Background(), tx)
	if err != nil {
		return false
	}
	c.admitted = append(c.admitted, admittedTx{hash: hash, node: i, at: c.Sched.Now()})
	c.record("%d submit %s %s", c.Sched.Now().Sub(enginetest.Epoch), n.ID, hash)
	return true
}

// StartAll starts every node that is down.
func (c *Cluster) StartAll() error {
	for i := range c.Nodes {
		if err := c.Start(i); err != nil {
			return err
		}
	}
	return nil
}

// RunFor runs the event queue for d of simulated time.
func (c *Cluster) RunFor(d time.Duration) { c.Sched.RunUntil(c.Sched.Now().Add(d), nil) }

// RunUntil runs the event queue until cond holds (checked after every
// event) or limit of simulated time has passed; it reports whether cond
// held.
func (c *Cluster) RunUntil(limit time.Duration, cond func() bool) bool {
	if cond() {
		return true
	}
	c.Sched.RunUntil(c.Sched.Now().Add(limit), cond)
	return cond()
}

// Violations lists the properties broken so far.
func (c *Cluster) Violations() []string { return c.violations }

// Heights are the nodes' committed heads.
func (c *Cluster) Heights() []uint64 {
	out := make([]uint64, len(c.Nodes))
	for i, n := range c.Nodes {
		out[i] = n.Height()
	}
	return out
}

// spreadLinks draws each link's own latency distribution from the seed.
func (c *Cluster) spreadLinks() {
	for i, a := range c.Nodes {
		for _, b := range c.Nodes[i+1:] {
			l := c.cfg.Net
			shift := time.Duration(c.rng.Int63n(int64(c.cfg.Faults.LinkSpread) + 1))
			l.MinDelay += shift
			l.MaxDelay += shift
			c.Net.SetLink(a.ID, b.ID, l)
		}
	}
}
