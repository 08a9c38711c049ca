package engine

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"aitbc/engine/consensus"
	"aitbc/engine/types"
	"aitbc/engine/validators/valtest"
	"aitbc/gpu"
	"aitbc/internal/wait"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// cluster is N validators of equal weight, each with its own store, WAL
// and batcher, connected through a memNet.
type cluster struct {
	t      *testing.T
	net    *memNet
	gen    *types.Genesis
	keys   []valtest.Keys
	faucet ed25519.PrivateKey
	nodes  []*Node
	stores []*MemStore
	wals   []*MemWAL
}

func nodeID(i int) PeerID { return PeerID(fmt.Sprintf("node%d", i)) }

// clusterConfig is fast enough for tests: a 2 ms tick puts consensus's
// default timeouts (300/100/100 ticks) at 600/200/200 ms, and blocks come
// every 60 ms.
func clusterConfig() Config {
	cfg := DefaultConfig()
	cfg.TickInterval = 2 * time.Millisecond
	cfg.BlockTime = 60 * time.Millisecond
	cfg.StatusInterval = 200 * time.Millisecond
	cfg.PeerTTL = 2 * time.Second
	cfg.SyncGrace = 100 * time.Millisecond
	return cfg
}

func newCluster(t *testing.T, n int) *cluster {
	t.Helper()
	faucet := ed25519.NewKeyFromSeed(sha256.New().Sum([]byte("faucet"))[:32])
	gen := valtest.Genesis("test-net", valtest.Equal(n)...)
	gen.GenesisTime = 1_700_000_000_000
	gen.Accounts = []types.GenesisAccount{{Address: types.AddressFromPubKey(faucet.Public().(ed25519.PublicKey)), Balance: 1_000_000}}
	if err := gen.Validate(); err != nil {
		t.Fatal(err)
	}
	c := &cluster{t: t, net: newMemNet(t), gen: gen, faucet: faucet,
		nodes: make([]*Node, n), stores: make([]*MemStore, n), wals: make([]*MemWAL, n)}
	for i := 0; i < n; i++ {
		_, k := valtest.Validator(i, 1)
		c.keys = append(c.keys, k)
		c.stores[i], c.wals[i] = NewMemStore(), NewMemWAL()
	}
	return c
}

// start (re)starts node i from its store and WAL and attaches it to the hub.
func (c *cluster) start(i int) *Node {
	t := c.t
	t.Helper()
	v := gpu.NewCPU(1)
	b, err := gpu.NewBatcher(v, v, gpu.DefaultBatcherConfig(), gpu.NopMetrics())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	log := slog.New(slog.NewTextHandler(testLogWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn})).With("node", i)
	n, err := New(clusterConfig(), Deps{Genesis: c.gen, Store: c.stores[i], Verifier: b,
		Signer: consensus.NewKeySigner(c.keys[i].BLS), WAL: c.wals[i], Log: log, Gossip: c.net.peer(nodeID(i))})
	if err != nil {
		t.Fatal(err)
	}
	c.nodes[i] = n
	c.net.attach(nodeID(i), n)
	n.Start()
	t.Cleanup(func() { n.Stop() })
	return n
}

func (c *cluster) startAll() {
	for i := range c.nodes {
		c.start(i)
	}
}

// stop takes node i off the hub and stops it (a crash: its store and WAL
// stay as they are).
func (c *cluster) stop(i int) {
	c.net.attach(nodeID(i), nil)
	if err := c.nodes[i].Stop(); err != nil {
		c.t.Fatalf("node %d: %v", i, err)
	}
}

// waitHeight waits until every listed node has committed height h.
func (c *cluster) waitHeight(h uint64, nodes ...int) {
	c.t.Helper()
	wait.Until(c.t, fmt.Sprintf("height %d on nodes %v", h, nodes), 20*time.Second, func() bool {
		for _, i := range nodes {
			if c.nodes[i].height() < h {
				return false
			}
		}
		return true
	})
	c.checkHealthy()
}

func (c *cluster) maxHeight(nodes ...int) uint64 {
	var m uint64
	for _, i := range nodes {
		m = max(m, c.nodes[i].height())
	}
	return m
}

func (c *cluster) checkHealthy() {
	c.t.Helper()
	for i, n := range c.nodes {
		if n != nil && n.Err() != nil {
			c.t.Fatalf("node %d halted: %v", i, n.Err())
		}
	}
}

// checkSameChain checks that the listed nodes hold identical blocks at
// heights 1..upTo and that each node's certificates verify under its own
// validator set.
func (c *cluster) checkSameChain(upTo uint64, nodes ...int) {
	c.t.Helper()
	for h := uint64(1); h <= upTo; h++ {
		var want types.Hash
		for k, i := range nodes {
			blk, cert, err := c.nodes[i].Block(h)
			if err != nil {
				c.t.Fatalf("node %d block %d: %v", i, h, err)
			}
			if k == 0 {
				want = blk.Hash()
			} else if blk.Hash() != want {
				c.t.Fatalf("height %d: node %d has %s, node %d has %s", h, nodes[0], want, i, blk.Hash())
			}
			if cert.BlockHash != want || cert.Height != h {
				c.t.Fatalf("node %d: certificate of height %d is for %d %s", i, h, cert.Height, cert.BlockHash)
			}
			if err := c.nodes[i].vals.VerifyCommit(c.gen.ChainID, cert); err != nil {
				c.t.Fatalf("node %d: certificate of height %d: %v", i, h, err)
			}
		}
	}
}

func all(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i
	}
	return out
}

func counterValue(t testing.TB, c prometheus.Counter) float64 {
	var m dto.Metric
	if err := c.Write(&m); err != nil {
		t.Fatal(err)
	}
	return m.GetCounter().GetValue()
}

func (c *cluster) transfer(n *Node, nonce uint64, to types.Address, amount uint64) *types.Tx {
	tx := &types.Tx{ChainID: c.gen.ChainID, Type: types.TxTransfer, Nonce: nonce, Recipient: to, Amount: amount}
	tx.Fee = n.MinFee(tx)
	tx.Sign(c.faucet)
	return tx
}

// Four validators commit the same chain, every certificate verifies
// everywhere, and a tx submitted to one node changes the state of all.
func TestNetworkCommitsOneChain(t *testing.T) {
	c := newCluster(t, 4)
	c.startAll()
	c.waitHeight(3, all(4)...)

	bob := types.Address{0xb0, 0xb1}
	tx := c.transfer(c.nodes[0], 1, bob, 5)
	hash, err := c.nodes[0].SubmitTx(context.Background(), tx)
	if err != nil {
		t.Fatal(err)
	}
	wait.Until(t, "the transfer in node 3's state", 20*time.Second, func() bool { a, _ := c.nodes[3].Account(bob); return a.Balance == 5 })
	info, err := c.nodes[3].Tx(hash)
	if err != nil || info.Pending {
		t.Fatalf("node 3 Tx(%s): %+v, %v; want committed", hash, info, err)
	}
	faucet, _ := c.nodes[3].Account(tx.From())
	if faucet.Balance != 1_000_000-5-tx.Fee || faucet.Nonce != 1 {
		t.Fatalf("faucet on node 3: %+v", faucet)
	}

	c.waitHeight(10, all(4)...)
	c.checkSameChain(10, all(4)...)
	for i, n := range c.nodes {
		wait.Until(t, fmt.Sprintf("node %d to see 3 peers", i), 20*time.Second, func() bool { return n.Status().Peers == 3 })
	}
	if pen := c.net.penalties(nodeID(0)); len(pen) > 0 {
		t.Fatalf("honest node 0 was penalized: %v", pen[0].err)
	}
}

// With one of four validators cut off the other three keep committing;
// after the partition heals the lagging node catches up by block sync and
// then keeps up through consensus.
func TestNetworkPartitionedValidatorCatchesUp(t *testing.T) {
	c := newCluster(t, 4)
	c.startAll()
	live := []int{0, 1, 2}
	c.waitHeight(2, all(4)...)

	c.net.disconnect(nodeID(3))
	cutAt := c.nodes[3].height()
	c.waitHeight(c.maxHeight(live...)+8, live...)
	if h := c.nodes[3].height(); h > cutAt+1 {
		t.Fatalf("cut-off node 3 went from %d to %d alone", cutAt, h)
	}

	c.net.heal()
	target := c.maxHeight(live...)
	c.waitHeight(target, 3)
	if counterValue(t, c.nodes[3].m.BlocksSynced) == 0 {
		t.Fatal("node 3 caught up without block sync")
	}
	// Then it keeps up: it commits what the others commit next.
	c.waitHeight(target+4, all(4)...)
	wait.Until(t, "node 3 not syncing", 20*time.Second, func() bool { return !c.nodes[3].Status().Syncing })
	c.checkSameChain(target+4, all(4)...)
}

// A validator restarted from its store after missing 20+ blocks catches up
// by block sync and rejoins consensus.
func TestNetworkRestartedValidatorCatchesUp(t *testing.T) {
	c := newCluster(t, 4)
	c.startAll()
	live := []int{0, 1, 2}
	c.waitHeight(2, all(4)...)

	c.stop(3)
	stoppedAt := c.nodes[3].height()
	c.waitHeight(stoppedAt+22, live...)

	n := c.start(3)
	if n.height() != stoppedAt {
		t.Fatalf("restarted node 3 at height %d, stopped at %d", n.height(), stoppedAt)
	}
	target := c.maxHeight(live...)
	c.waitHeight(target, 3)
	if got := counterValue(t, n.m.BlocksSynced); got < 20 {
		t.Fatalf("node 3 synced %v blocks, want >= 20", got)
	}
	c.waitHeight(target+3, all(4)...)
	c.checkSameChain(target+3, all(4)...)
}
