package consensus

import (
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"aitbc/engine/types"
	"aitbc/engine/validators"
	"aitbc/engine/validators/valtest"
)

var simSeed = flag.Uint64("sim.seed", 0, "run the consensus simulation with this seed only")

// simConfig: timeouts long enough for the bus delays most of the time, so
// that rounds usually succeed but drops still force round changes.
func simConfig() Config {
	return Config{ChainID: testChain, TimeoutPropose: 30, TimeoutPrevote: 10, TimeoutPrecommit: 10, TimeoutDelta: 5, TimeoutCommit: 10}
}

type envelope struct {
	at, seq uint64
	to      int
	m       Message
}

type simNode struct {
	id     int
	signer Signer
	core   *Core
	alive  bool
	chain  []Commit  // committed blocks, height i+1 at index i
	wal    []Message // persisted own messages
	answer []envelope
}

type signKey struct {
	val    int
	height uint64
	round  uint32
	kind   uint8 // 0 proposal, else vote type
}

// sim is a seeded network of cores over an in-memory bus that delays,
// reorders and drops messages, with one node crashing and restarting from
// its WAL, and a block-sync path that feeds CommitMsg to laggards.
type sim struct {
	t       *testing.T
	rng     *rand.Rand
	cfg     Config
	set     *validators.Set
	nodes   []*simNode
	queue   []envelope
	seq     uint64
	now     uint64
	drop    float64
	decided map[uint64]types.Hash
	signed  map[signKey]types.Hash
}

func newSim(t *testing.T, seed uint64, n int) *sim {
	set, keys := valtest.Set(valtest.Equal(n)...)
	s := &sim{
		t: t, rng: rand.New(rand.NewPCG(seed, seed^0x5eed)), cfg: simConfig(), set: set,
		drop: 0.1, decided: map[uint64]types.Hash{}, signed: map[signKey]types.Hash{},
	}
	for i := 0; i < n; i++ {
		nd := &simNode{id: i, signer: NewKeySigner(keys[i].BLS), alive: true}
		c, err := New(s.cfg, set, nd.signer, Start{Height: 1}, nil)
		if err != nil {
			t.Fatal(err)
		}
		nd.core = c
		s.nodes = append(s.nodes, nd)
	}
	return s
}

func (s *sim) send(to int, m Message, delay uint64) {
	s.seq++
	s.queue = append(s.queue, envelope{at: s.now + delay, seq: s.seq, to: to, m: m})
}

// checkSigned fails on any two different signed messages for one slot.
func (s *sim) checkSigned(m Message) {
	var k signKey
	var h types.Hash
	switch m := m.(type) {
	case *ProposalMsg:
		k = signKey{s.set.Proposer(m.Proposal.Height, m.Proposal.Round), m.Proposal.Height, m.Proposal.Round, 0}
		h = m.Proposal.BlockHash
	case *VoteMsg:
		k = signKey{int(m.Vote.ValidatorIndex), m.Vote.Height, m.Vote.Round, uint8(m.Vote.Type)}
		h = m.Vote.BlockHash
	default:
		return
	}
	if old, ok := s.signed[k]; ok && old != h {
		s.t.Fatalf("validator %d signed two messages for %+v: %s and %s", k.val, k, old, h)
	}
	s.signed[k] = h
}

func (s *sim) drain(nd *simNode) {
	for nd.core.HasReady() {
		rd := nd.core.Ready()
		nd.wal = append(nd.wal, rd.Persist...) // persist before send
		for _, m := range rd.Send {
			s.checkSigned(m)
			for _, peer := range s.nodes {
				if peer.id != nd.id && s.rng.Float64() >= s.drop {
					s.send(peer.id, m, 1+s.rng.Uint64N(8))
				}
			}
		}
		if b := rd.BuildBlock; b != nil {
			blk := testBlock(s.set, fmt.Sprintf("n%d-h%d-r%d", nd.id, b.Height, b.Round), b.Height, b.Round, b.LastCommit)
			nd.answer = append(nd.answer, envelope{at: s.now + 1 + s.rng.Uint64N(3), m: &BlockBuilt{Height: b.Height, Round: b.Round, Block: blk}})
		}
		for _, blk := range rd.Validate {
			nd.answer = append(nd.answer, envelope{at: s.now + 1 + s.rng.Uint64N(3), m: &BlockValidated{Hash: blk.Hash(), Valid: true}})
		}
		for _, c := range rd.Committed {
			h := c.Cert.Height
			if h != uint64(len(nd.chain))+1 {
				s.t.Fatalf("node %d committed height %d after %d", nd.id, h, len(nd.chain))
			}
			if err := s.set.VerifyCommit(testChain, c.Cert); err != nil {
				s.t.Fatalf("node %d: commit %d does not verify: %v", nd.id, h, err)
			}
			if prev, ok := s.decided[h]; ok && prev != c.Block.Hash() {
				s.t.Fatalf("AGREEMENT VIOLATED at height %d: %s vs %s (node %d)", h, prev, c.Block.Hash(), nd.id)
			}
			s.decided[h] = c.Block.Hash()
			nd.chain = append(nd.chain, c)
		}
		nd.core.Advance()
	}
}

func (s *sim) deliver(nd *simNode, m Message) {
	err := nd.core.Step(m)
	for _, bad := range []error{ErrInvalid, ErrBadSignature, ErrNotValidator, ErrEquivocation} {
		if errors.Is(err, bad) {
			s.t.Fatalf("node %d rejected an honest message at tick %d: %v", nd.id, s.now, err)
		}
	}
}

func (s *sim) crash(nd *simNode) {
	nd.alive, nd.core, nd.answer = false, nil, nil
}

func (s *sim) restart(nd *simNode) {
	start := Start{Height: uint64(len(nd.chain)) + 1}
	if len(nd.chain) > 0 {
		start.LastCommit = nd.chain[len(nd.chain)-1].Cert
	}
	c, err := New(s.cfg, s.set, nd.signer, start, nil)
	if err != nil {
		s.t.Fatal(err)
	}
	for _, m := range nd.wal { // replay this height's own messages first
		var h uint64
		switch m := m.(type) {
		case *ProposalMsg:
			h = m.Proposal.Height
		case *VoteMsg:
			h = m.Vote.Height
		}
		if h == start.Height {
			if err := c.Step(m); err != nil {
				s.t.Fatalf("node %d: WAL replay: %v", nd.id, err)
			}
		}
	}
	nd.core, nd.alive = c, true
}

// syncBlocks plays the block-sync protocol: a node behind a live peer gets
// the next block with its certificate.
func (s *sim) syncBlocks() {
	for _, nd := range s.nodes {
		if !nd.alive {
			continue
		}
		h := nd.core.Height()
		for _, peer := range s.nodes {
			if peer.alive && peer.id != nd.id && uint64(len(peer.chain)) >= h && nd.core.StepName() != "commit" {
				c := peer.chain[h-1]
				if s.rng.Float64() >= s.drop {
					s.send(nd.id, &CommitMsg{Block: c.Block, Cert: c.Cert}, 1+s.rng.Uint64N(8))
				}
				break
			}
		}
	}
}

func (s *sim) tick() {
	s.now++
	slices.SortFunc(s.queue, func(a, b envelope) int {
		if a.at != b.at {
			return int(int64(a.at) - int64(b.at))
		}
		return int(int64(a.seq) - int64(b.seq))
	})
	var due []envelope
	i := 0
	for ; i < len(s.queue) && s.queue[i].at <= s.now; i++ {
		due = append(due, s.queue[i])
	}
	s.queue = s.queue[i:]
	for _, e := range due {
		if nd := s.nodes[e.to]; nd.alive {
			s.deliver(nd, e.m)
		}
	}
	for _, nd := range s.nodes {
		if !nd.alive {
			continue
		}
		var keep []envelope
		for _, e := range nd.answer {
			if e.at <= s.now {
				s.deliver(nd, e.m)
			} else {
				keep = append(keep, e)
			}
		}
		nd.answer = keep
		nd.core.Tick()
		s.drain(nd)
	}
	if s.now%20 == 0 {
		s.syncBlocks()
	}
}

func (s *sim) minHeight() int {
	m := -1
	for _, nd := range s.nodes {
		if m < 0 || len(nd.chain) < m {
			m = len(nd.chain)
		}
	}
	return m
}

// TestSimulation runs seeded 4-validator networks with delay, reordering,
// 10% message loss and one validator crashing and restarting from its
// WAL. It checks agreement (no two commits at one height), no double
// signing, and progress. A failure prints the seed; rerun it with
// go test -run TestSimulation -sim.seed=N.
func TestSimulation(t *testing.T) {
	seeds := []uint64{uint64(time.Now().UnixNano())}
	if !testing.Short() {
		seeds = append(seeds, 1, 2)
	}
	if *simSeed != 0 {
		seeds = []uint64{*simSeed}
	}
	const target = 12
	for _, seed := range seeds {
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
			t.Logf("seed %d (rerun: go test -run TestSimulation -sim.seed=%d)", seed, seed)
			s := newSim(t, seed, 4)
			victim := s.nodes[3]
			crashAt := 40 + s.rng.Uint64N(100)
			restartAt := crashAt + 30 + s.rng.Uint64N(150)
			for s.minHeight() < target || s.now <= restartAt {
				if s.now > 20000 {
					for _, nd := range s.nodes {
						if nd.alive {
							t.Logf("node %d: h=%d r=%d %s locked=%d valid=%d timers=%+v", nd.id, nd.core.Height(), nd.core.Round(), nd.core.StepName(), nd.core.lockedRound, nd.core.validRound, nd.core.timers)
						}
					}
					t.Fatalf("no progress: heights %v after %d ticks", s.heights(), s.now)
				}
				switch s.now {
				case crashAt:
					s.crash(victim)
				case restartAt:
					s.restart(victim)
				}
				s.tick()
			}
			t.Logf("reached height %d on all nodes in %d ticks; heights %v", target, s.now, s.heights())
		})
	}
}

func (s *sim) heights() []int {
	out := make([]int, len(s.nodes))
	for i, nd := range s.nodes {
		out[i] = len(nd.chain)
	}
	return out
}
