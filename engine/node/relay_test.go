package node

import (
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"

	"aitbc/engine"
	"aitbc/engine/consensus"
	"aitbc/engine/enginetest"
	"aitbc/engine/types"
	"aitbc/engine/validators/valtest"
	"aitbc/internal/logtest"
	"aitbc/internal/wait"
)

// recGossip ignores relays; relayGossip records them.
func (*recGossip) RelayConsensus(engine.PeerID, []consensus.Message) {}

// relayCall is one RelayConsensus call.
type relayCall struct {
	from engine.PeerID
	msg  consensus.Message
}

// relayGossip is a transport that records relays and penalties only.
type relayGossip struct {
	engine.NopGossip
	mu        sync.Mutex
	relays    []relayCall
	penalties []memPenalty
}

func (g *relayGossip) RelayConsensus(from engine.PeerID, msgs []consensus.Message) {
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, m := range msgs {
		g.relays = append(g.relays, relayCall{from, m})
	}
}

func (g *relayGossip) Penalize(peer engine.PeerID, err error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.penalties = append(g.penalties, memPenalty{peer, err})
}

func (g *relayGossip) calls() []relayCall {
	g.mu.Lock()
	defer g.mu.Unlock()
	return slices.Clone(g.relays)
}

// relayMachine is validator 0 of a four-validator genesis, alone at
// height 1 (no quorum), driven synchronously.
func relayMachine(t *testing.T) (*cluster, *Machine, *relayGossip) {
	c := newCluster(t, 4)
	g := &relayGossip{}
	m, err := NewMachine(clusterConfig(), Deps{Genesis: c.gen, Store: c.stores[0], Verifier: enginetest.SyncVerifier{},
		Signer: consensus.NewKeySigner(c.keys[0].BLS), WAL: c.wals[0], Log: logtest.New(t, slog.LevelWarn), Gossip: g})
	if err != nil {
		t.Fatal(err)
	}
	m.Init()
	t.Cleanup(m.Stop)
	return c, m, g
}

// Only what the core accepted is relayed, once, naming the peer it came
// from: never a duplicate, a forgery, an equivocation or a message of a
// height we cannot judge. (The old node relayed nothing: a validator
// heard only its direct peers, so validators had to form a full mesh.)
func TestRelaysOnlyAcceptedConsensusMessages(t *testing.T) {
	c, m, g := relayMachine(t)
	chain := c.gen.ChainID
	step := func(peer engine.PeerID, v *types.Vote) {
		t.Helper()
		if err := m.HandleConsensus(peer, &consensus.VoteMsg{Vote: v}); err != nil {
			t.Fatal(err)
		}
	}
	good := valtest.Vote(chain, c.keys[1], types.Prevote, 1, 1, 0, types.Hash{})
	step("alice", good)
	step("bob", good) // the same vote from another peer: a duplicate
	forged := valtest.Vote(chain, c.keys[2], types.Prevote, 1, 1, 0, types.Hash{})
	forged.ValidatorIndex = 3
	step("mallory", forged)
	conflicting := valtest.Vote(chain, c.keys[1], types.Prevote, 1, 1, 0, types.Hash{7})
	step("carol", conflicting)                                                         // validator 1's second prevote: evidence, not news
	step("dave", valtest.Vote(chain, c.keys[2], types.Prevote, 2, 3, 0, types.Hash{})) // future
	next := valtest.Vote(chain, c.keys[3], types.Precommit, 3, 2, 0, types.Hash{})     // next height: buffered
	step("erin", next)

	calls := g.calls()
	if len(calls) != 2 {
		t.Fatalf("%d relays, want 2 (the new vote and the next-height one): %+v", len(calls), calls)
	}
	if vm := calls[0].msg.(*consensus.VoteMsg); calls[0].from != "alice" || vm.Vote != good {
		t.Errorf("first relay %+v, want alice's vote", calls[0])
	}
	if vm := calls[1].msg.(*consensus.VoteMsg); calls[1].from != "erin" || vm.Vote != next {
		t.Errorf("second relay %+v, want erin's next-height vote", calls[1])
	}
	for _, p := range g.penalties {
		if p.peer != "mallory" {
			t.Errorf("%s penalized: %v", p.peer, p.err)
		}
	}
}

// A next-height proposal is buffered on its signature alone; one whose
// block names another proposer would be refused as invalid by a receiver
// already at that height (and counted against us), so it is not relayed.
func TestNextHeightProposalNamingAnotherProposerNotRelayable(t *testing.T) {
	c, m, _ := relayMachine(t)
	p := &types.Proposal{Height: 2, Round: 1, POLRound: -1}
	right := c.gen.Authorities[m.vals.Proposer(2, 1)].Address
	for i, a := range c.gen.Authorities {
		blk := &types.Block{Header: types.Header{ChainID: c.gen.ChainID, Height: 2, Proposer: a.Address}}
		got := m.relayable(&consensus.ProposalMsg{Proposal: p, Block: blk})
		if want := a.Address == right; got != want {
			t.Errorf("block naming validator %d: relayable %v, want %v", i, got, want)
		}
	}
}

// A faulty validator can sign votes for any number of far rounds, and the
// core accepts each (it notes the round); only those within relayRounds
// of ours are relayed.
func TestFarRoundVotesNotRelayed(t *testing.T) {
	c, m, g := relayMachine(t)
	for _, r := range []uint32{relayRounds, relayRounds + 1, 1000, 1001} {
		v := valtest.Vote(c.gen.ChainID, c.keys[3], types.Prevote, 3, 1, r, types.Hash{})
		if err := m.HandleConsensus("mallory", &consensus.VoteMsg{Vote: v}); err != nil {
			t.Fatal(err)
		}
	}
	calls := g.calls()
	if len(calls) != 1 || calls[0].msg.(*consensus.VoteMsg).Vote.Round != relayRounds {
		t.Fatalf("relayed %d votes, want only the one of round %d", len(calls), relayRounds)
	}
}

// The goroutine-driven Node relays from its loop too.
func TestNodeRelaysFromItsLoop(t *testing.T) {
	c := newCluster(t, 4)
	g := &relayGossip{}
	n, err := New(clusterConfig(), Deps{Genesis: c.gen, Store: c.stores[0], Verifier: newTestBatcher(t),
		Signer: consensus.NewKeySigner(c.keys[0].BLS), WAL: c.wals[0], Log: logtest.New(t, slog.LevelWarn), Gossip: g})
	if err != nil {
		t.Fatal(err)
	}
	n.Start()
	t.Cleanup(func() { n.Stop() })
	v := valtest.Vote(c.gen.ChainID, c.keys[2], types.Prevote, 2, 1, 0, types.Hash{})
	sendVotes(t, n, "alice", v, v)
	wait.Until(t, "vote relayed", 20*time.Second, func() bool { return len(g.calls()) > 0 })
	n.Stop()
	if calls := g.calls(); len(calls) != 1 || calls[0].from != "alice" {
		t.Fatalf("relays %+v, want one from alice", calls)
	}
}
