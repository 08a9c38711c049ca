package node

import (
	"bytes"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"aitbc/engine"
	"aitbc/engine/bls"
	"aitbc/engine/consensus"
	"aitbc/engine/enginetest"
	"aitbc/engine/exec"
	"aitbc/engine/mempool"
	"aitbc/engine/metrics"
	"aitbc/engine/state"
	"aitbc/engine/types"
	"aitbc/engine/validators"
	"aitbc/engine/validators/valtest"
	"aitbc/internal/logtest"
)

// Every certificate is verified against the set of its own height, taken
// from Deps.SetAt (docs/spec.md §14.7): here a set that shares no key with
// the genesis set signs height 1.

// foreignSet is a set of four equal validators that shares no key with
// the cluster's genesis set.
func foreignSet(t *testing.T) (*validators.Set, []valtest.Keys) {
	t.Helper()
	vals := make([]validators.Validator, 4)
	keys := make([]valtest.Keys, 4)
	for i := range vals {
		vals[i], keys[i] = valtest.Validator(200+i, 1)
	}
	s, err := validators.NewSet(vals)
	if err != nil {
		t.Fatal(err)
	}
	return s, keys
}

// certOf is the certificate of block at height 1, round 0, signed by all of set.
func certOf(t *testing.T, chainID string, set *validators.Set, keys []valtest.Keys, block types.Hash) *types.CommitCert {
	t.Helper()
	votes := make([]*types.Vote, len(keys))
	for i, k := range keys {
		votes[i] = valtest.Vote(chainID, k, types.Precommit, i, 1, 0, block)
	}
	cert, err := set.MakeCommit(1, 0, block, votes)
	if err != nil {
		t.Fatal(err)
	}
	return cert
}

// block1Under is a valid height-1 block of c on a chain whose sets come
// from setAt, proposed by the first validator of setAt(1).
func (c *cluster) block1Under(t *testing.T, setAt func(uint64) *validators.Set) *types.Block {
	t.Helper()
	st, err := state.FromGenesis(c.gen)
	if err != nil {
		t.Fatal(err)
	}
	vals, err := validators.FromGenesis(c.gen)
	if err != nil {
		t.Fatal(err)
	}
	ledger := exec.NewLedger(st, mempool.New(mempool.DefaultConfig()), metrics.Nop())
	x := exec.NewExecutor(c.gen.ChainID, vals, setAt(1).Get(0).Address, ledger, enginetest.SyncVerifier{}, exec.NewVerdictCache(16), slog.New(slog.DiscardHandler))
	x.SetSetAt(setAt)
	return x.Build(&consensus.BuildRequest{Height: 1}, engine.Head{Time: c.gen.GenesisTime, StateRoot: ledger.Root()}, time.Now())
}

// syncMachine is a full node (no signer) of c on store with setAt,
// driven synchronously on a simulated clock.
func syncMachine(t *testing.T, c *cluster, store engine.BlockStore, setAt func(uint64) *validators.Set) (*Machine, *recGossip, *enginetest.SimClock, error) {
	g := &recGossip{}
	clock := enginetest.NewSimClock(time.Now())
	m, err := NewMachine(clusterConfig(), Deps{Genesis: c.gen, Store: store, Verifier: enginetest.SyncVerifier{},
		Clock: clock, Log: logtest.New(t, slog.LevelWarn), Gossip: g, SetAt: setAt})
	if err != nil {
		return nil, nil, nil, err
	}
	t.Cleanup(m.Stop)
	m.Init()
	return m, g, clock, nil
}

// syncOne has peer announce blk as its head, lets the sync grace pass so
// that m asks peer for it, and answers with blk and cert.
func syncOne(t *testing.T, m *Machine, g *recGossip, clock *enginetest.SimClock, peer engine.PeerID, blk *types.Block, cert *types.CommitCert) {
	t.Helper()
	if err := m.HandleStatus(peer, 1, blk.Hash()); err != nil {
		t.Fatal(err)
	}
	clock.Advance(time.Second) // past SyncGrace
	m.Housekeep()
	rs := g.requestList()
	if len(rs) == 0 || rs[len(rs)-1] != (blockRequest{peer: peer, from: 1, count: 1}) {
		t.Fatalf("requests %+v, want height 1 from %s", rs, peer)
	}
	if err := m.HandleBlocks(peer, []engine.SyncedBlock{{Block: blk, Cert: cert}}); err != nil {
		t.Fatal(err)
	}
}

func headHeight(m *Machine) uint64 { h, _ := m.Head(); return h.Height }

// Block sync (and the core's commit message behind it): a synced block
// whose certificate another set signed is refused and counted against the
// peer; the certificate of the set of its height commits it. On a chain
// where the foreign set signs height 1, the same holds the other way round.
func TestSyncedCertificateVerifiedAgainstItsHeight(t *testing.T) {
	c := newCluster(t, 4)
	genesisSet, err := validators.FromGenesis(c.gen)
	if err != nil {
		t.Fatal(err)
	}
	foreign, foreignKeys := foreignSet(t)

	t.Run("genesis set", func(t *testing.T) {
		m, g, clock, err := syncMachine(t, c, enginetest.NewMemStore(), nil)
		if err != nil {
			t.Fatal(err)
		}
		blk := c.block1(t, 1)
		syncOne(t, m, g, clock, "p1", blk, certOf(t, c.gen.ChainID, foreign, foreignKeys, blk.Hash()))
		if !g.penalized("p1", consensus.ErrBadSignature) || headHeight(m) != 0 {
			t.Fatalf("a certificate of another set: penalized %v, head %d", g.penalized("p1", consensus.ErrBadSignature), headHeight(m))
		}
		syncOne(t, m, g, clock, "p2", blk, certOf(t, c.gen.ChainID, genesisSet, c.keys, blk.Hash()))
		if headHeight(m) != 1 || g.penalized("p2", consensus.ErrBadSignature) || m.Err() != nil {
			t.Fatalf("the genesis set's certificate: head %d, err %v", headHeight(m), m.Err())
		}
	})

	t.Run("foreign set signs height 1", func(t *testing.T) {
		setAt := func(h uint64) *validators.Set {
			if h == 1 {
				return foreign
			}
			return nil // the genesis set
		}
		store := enginetest.NewMemStore()
		m, g, clock, err := syncMachine(t, c, store, setAt)
		if err != nil {
			t.Fatal(err)
		}
		blk := c.block1Under(t, setAt)
		syncOne(t, m, g, clock, "p1", blk, certOf(t, c.gen.ChainID, genesisSet, c.keys, blk.Hash()))
		if !g.penalized("p1", consensus.ErrBadSignature) || headHeight(m) != 0 {
			t.Fatalf("the genesis set's certificate: penalized %v, head %d", g.penalized("p1", consensus.ErrBadSignature), headHeight(m))
		}
		syncOne(t, m, g, clock, "p2", blk, certOf(t, c.gen.ChainID, foreign, foreignKeys, blk.Hash()))
		if headHeight(m) != 1 || m.Err() != nil || m.Status().Halted != nil {
			t.Fatalf("the certificate of height 1's set: head %d, err %v, halt %+v", headHeight(m), m.Err(), m.Status().Halted)
		}
		m.Stop()

		// Restart: the stored head certificate is checked against the set
		// of its height too.
		if _, _, _, err := syncMachine(t, c, store, nil); err == nil || !strings.Contains(err.Error(), "commit certificate does not verify") {
			t.Fatalf("restart without the set change: %v, want the head certificate refused", err)
		}
		m2, _, _, err := syncMachine(t, c, store, setAt)
		if err != nil {
			t.Fatalf("restart with the set change: %v", err)
		}
		if headHeight(m2) != 1 {
			t.Fatalf("restarted at head %d, want 1", headHeight(m2))
		}
	})
}

// A synced certificate that conflicts with a quorum of precommits here is
// a second decision only if it verifies against the set of its height: one
// another set signed is a bad certificate from the peer, and the node goes
// on (TestConflictingCertificateHalts is the verifying case).
func TestConflictingCertificateOfAnotherSetDoesNotHalt(t *testing.T) {
	c := newCluster(t, 4)
	foreign, foreignKeys := foreignSet(t)
	g := &recGossip{}
	m, err := NewMachine(clusterConfig(), Deps{Genesis: c.gen, Store: c.stores[0], Verifier: enginetest.SyncVerifier{},
		Signer: consensus.NewKeySigner(c.keys[0].BLS), WAL: c.wals[0], Log: logtest.New(t, slog.LevelWarn), Gossip: g})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Stop()
	m.Init()
	decided, other := c.block1(t, 1), c.block1(t, 2)
	for i := 1; i <= 3; i++ {
		v := valtest.Vote(c.gen.ChainID, c.keys[i], types.Precommit, i, 1, 1, decided.Hash())
		if err := m.HandleConsensus("honest", &consensus.VoteMsg{Vote: v}); err != nil {
			t.Fatal(err)
		}
	}
	if err := m.HandleStatus("p1", 1, other.Hash()); err != nil {
		t.Fatal(err)
	}
	m.Housekeep() // the decided block is missing: asked for at once
	if err := m.HandleBlocks("p1", []engine.SyncedBlock{{Block: other, Cert: certOf(t, c.gen.ChainID, foreign, foreignKeys, other.Hash())}}); err != nil {
		t.Fatal(err)
	}
	if h := m.Status().Halted; h != nil {
		t.Fatalf("halted on a certificate of another set: %+v", h)
	}
	if !g.penalized("p1", validators.ErrBadSignature) {
		t.Fatal("the peer of a certificate of another set was not penalized")
	}
}

// The node gives its transport the keys of the set deciding its next
// height (engine.Gossip.SetValidators), sorted: at start, and when a
// commit changes that set; a restart gives the restored head's.
func TestTransportGetsTheSetOfTheNextHeight(t *testing.T) {
	c := newCluster(t, 4)
	genesisSet, err := validators.FromGenesis(c.gen)
	if err != nil {
		t.Fatal(err)
	}
	foreign, _ := foreignSet(t)
	setAt := func(h uint64) *validators.Set {
		if h >= 2 {
			return foreign
		}
		return genesisSet
	}
	lists := func(g *recGossip) [][]bls.PublicKey {
		g.mu.Lock()
		defer g.mu.Unlock()
		return slices.Clone(g.validators)
	}
	store := enginetest.NewMemStore()
	m, g, clock, err := syncMachine(t, c, store, setAt)
	if err != nil {
		t.Fatal(err)
	}
	want := [][]bls.PublicKey{validatorKeys(genesisSet)}
	if got := lists(g); !slices.EqualFunc(got, want, slices.Equal) {
		t.Fatalf("at start: lists %d, want the genesis set's", len(got))
	}
	blk := c.block1Under(t, setAt)
	syncOne(t, m, g, clock, "p1", blk, certOf(t, c.gen.ChainID, genesisSet, c.keys, blk.Hash()))
	if headHeight(m) != 1 {
		t.Fatalf("head %d, want 1", headHeight(m))
	}
	want = append(want, validatorKeys(foreign))
	if got := lists(g); !slices.EqualFunc(got, want, slices.Equal) {
		t.Fatalf("after height 1: %d lists, want the genesis set's, then the set of height 2's", len(got))
	}
	// The union of two sets (one nil, the other twice) is the set's keys
	// once each, sorted.
	if u := validatorKeys(foreign, nil, foreign); !slices.Equal(u, want[1]) || len(u) != foreign.Size() ||
		!slices.IsSortedFunc(u, func(a, b bls.PublicKey) int { return bytes.Compare(a[:], b[:]) }) {
		t.Fatalf("validatorKeys: %d keys, want the set's %d, sorted", len(u), foreign.Size())
	}
	m.Stop()
	_, g2, _, err := syncMachine(t, c, store, setAt)
	if err != nil {
		t.Fatal(err)
	}
	if got := lists(g2); !slices.EqualFunc(got, want[1:], slices.Equal) {
		t.Fatalf("after a restart at height 1: %d lists, want the set of height 2's", len(got))
	}
}
