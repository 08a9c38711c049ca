package node

import (
	"crypto/ed25519"
	"crypto/sha256"
	"fmt"
	"testing"
	"time"

	"aitbc/engine"
	"aitbc/engine/enginetest"
	"aitbc/engine/types"
	"aitbc/engine/validators/valtest"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// cluster is the genesis and keys of N validators of equal weight, each
// with its own store and WAL; the tests here run one of them at a time
// (engine/sim runs them together).
type cluster struct {
	t      *testing.T
	gen    *types.Genesis
	keys   []valtest.Keys
	faucet ed25519.PrivateKey
	stores []*enginetest.MemStore
	wals   []*enginetest.MemWAL
}

// memPenalty is one Penalize call a recGossip saw.
type memPenalty struct {
	peer engine.PeerID
	err  error
}

func nodeID(i int) engine.PeerID { return engine.PeerID(fmt.Sprintf("node%d", i)) }

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
	c := &cluster{t: t, gen: gen, faucet: faucet, stores: make([]*enginetest.MemStore, n), wals: make([]*enginetest.MemWAL, n)}
	for i := 0; i < n; i++ {
		_, k := valtest.Validator(i, 1)
		c.keys = append(c.keys, k)
		c.stores[i], c.wals[i] = enginetest.NewMemStore(), enginetest.NewMemWAL()
	}
	return c
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
