package sim

import (
	"context"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"aitbc/engine"
	"aitbc/engine/types"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// envSeeds is the number in the environment variable name, or def.
func envSeeds(t *testing.T, name string, def int) int {
	t.Helper()
	s := os.Getenv(name)
	if s == "" {
		return def
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatalf("%s=%q: %v", name, s, err)
	}
	return n
}

// simSeeds is how many seeds TestSeeds runs: AITBC_SIM_SEEDS, or 24
// (CI runs 200 with `make sim SEEDS=200` besides).
func simSeeds(t *testing.T) int { return envSeeds(t, "AITBC_SIM_SEEDS", 24) }

// Every seed of the default configuration (faults, lossy network, load)
// keeps agreement, validity, every admitted tx and liveness.
func TestSeeds(t *testing.T) {
	for s := 1; s <= simSeeds(t); s++ {
		t.Run(strconv.Itoa(s), func(t *testing.T) {
			t.Parallel()
			res, err := Run(DefaultConfig(int64(s)))
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Violations) > 0 {
				t.Fatalf("seed %d trace %s (replay: make sim SEED=%d):\n%s", s, res.Trace, s, strings.Join(res.Violations, "\n"))
			}
			if res.Committed == 0 {
				t.Fatalf("seed %d committed no tx", s)
			}
		})
	}
}

// A seed replays exactly: the same trace twice; another seed differs.
func TestSameSeedSameTrace(t *testing.T) {
	run := func(seed int64) *Result {
		res, err := Run(DefaultConfig(seed))
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	a, b, other := run(7), run(7), run(8)
	if a.Trace != b.Trace || a.Events != b.Events {
		t.Fatalf("seed 7 ran twice: traces %s (%d events) and %s (%d events)", a.Trace, a.Events, b.Trace, b.Events)
	}
	if a.Trace == other.Trace {
		t.Fatal("seeds 7 and 8 have the same trace")
	}
}

// The checker is not a rubber stamp: with two of four validators Silent
// no quorum forms, and the run reports the lost liveness.
func TestLivenessViolationIsReported(t *testing.T) {
	cfg := DefaultConfig(3)
	cfg.Faults = Faults{}
	cfg.Byzantine = map[int]Behaviour{2: Silent, 3: Silent}
	res, err := Run(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Violations) == 0 || !strings.Contains(strings.Join(res.Violations, "\n"), "liveness") {
		t.Fatalf("violations %q, want a liveness violation", res.Violations)
	}
}

// Two different blocks observed at one height are an agreement violation.
func TestAgreementViolationIsReported(t *testing.T) {
	c, err := New(DefaultConfig(4))
	if err != nil {
		t.Fatal(err)
	}
	blk := func(tag byte) *engine.CommittedBlock {
		b := &types.Block{Header: types.Header{ChainID: c.Gen.ChainID, Height: 1, Time: 1, ParentHash: types.Hash{tag}}}
		return &engine.CommittedBlock{Block: b, Cert: &types.CommitCert{Height: 1, BlockHash: b.Hash()}}
	}
	(&observer{c: c, i: 0}).BlockCommitted(blk(1))
	(&observer{c: c, i: 1}).BlockCommitted(blk(2))
	if !strings.Contains(strings.Join(c.Violations(), "\n"), "agreement") {
		t.Fatalf("violations %q, want agreement", c.Violations())
	}
}

// One Silent validator of four (f = 1) on a lossy network with
// partitions: the other three keep committing the same chain. (No
// crashes: a crashed honest node beside a Silent one leaves no quorum.)
func TestOneSilentValidatorOfFour(t *testing.T) {
	cfg := DefaultConfig(5)
	cfg.Byzantine = map[int]Behaviour{1: Silent}
	cfg.Faults.Crashes = false
	cfg.Duration, cfg.Quiet = 10*time.Second, 6*time.Second
	res, err := Run(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Violations) > 0 {
		t.Fatalf("trace %s:\n%s", res.Trace, strings.Join(res.Violations, "\n"))
	}
}

func counterValue(t testing.TB, c prometheus.Counter) float64 {
	var m dto.Metric
	if err := c.Write(&m); err != nil {
		t.Fatal(err)
	}
	return m.GetCounter().GetValue()
}

// quietCluster is four validators on a clean network (no faults, no load).
func quietCluster(t *testing.T, seed int64) *Cluster {
	t.Helper()
	cfg := DefaultConfig(seed)
	cfg.Faults, cfg.TxEvery = Faults{}, 0
	cfg.Net.LossPerMille, cfg.Net.DupPerMille = 0, 0
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.StartAll(); err != nil {
		t.Fatal(err)
	}
	return c
}

func (c *Cluster) waitHeight(t *testing.T, h uint64, nodes ...int) {
	t.Helper()
	if !c.RunUntil(60*time.Second, func() bool {
		for _, i := range nodes {
			if c.Nodes[i].Height() < h {
				return false
			}
		}
		return true
	}) {
		t.Fatalf("nodes %v did not reach height %d in 60 s of simulated time: heights %v", nodes, h, c.Heights())
	}
	if v := c.Violations(); len(v) > 0 {
		t.Fatalf("violations: %s", strings.Join(v, "\n"))
	}
}

// Four validators commit the same chain, and a tx submitted to one node
// changes the state of all; no honest node is penalized.
func TestClusterCommitsOneChain(t *testing.T) {
	c := quietCluster(t, 11)
	c.waitHeight(t, 3, 0, 1, 2, 3)
	bob := types.Address{0xb0, 0xb1}
	m0 := c.Nodes[0].Machine
	tx := &types.Tx{ChainID: c.Gen.ChainID, Type: types.TxTransfer, Nonce: 1, Recipient: bob, Amount: 5}
	tx.Fee = m0.MinFee(tx)
	tx.Sign(c.Sender(0))
	hash, err := m0.SubmitTx(context.Background(), tx)
	if err != nil {
		t.Fatal(err)
	}
	if !c.RunUntil(30*time.Second, func() bool { a, _ := c.Nodes[3].Machine.Account(bob); return a.Balance == 5 }) {
		t.Fatal("the transfer did not reach node 3's state")
	}
	if info, err := c.Nodes[3].Machine.Tx(hash); err != nil || info.Pending {
		t.Fatalf("node 3 Tx(%s): %+v, %v; want committed", hash, info, err)
	}
	c.waitHeight(t, 10, 0, 1, 2, 3)
	c.checkEnd(0, 0)
	if v := c.Violations(); len(v) > 0 {
		t.Fatal(strings.Join(v, "\n"))
	}
	c.RunFor(2 * time.Second)
	for i, n := range c.Nodes {
		if p := n.Machine.Status().Peers; p != 3 {
			t.Fatalf("node %d sees %d peers, want 3", i, p)
		}
	}
	for _, p := range c.Net.Penalties {
		t.Fatalf("honest %s penalized by %s: %v", p.Peer, p.By, p.Err)
	}
}
