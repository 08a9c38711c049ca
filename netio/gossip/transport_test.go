package gossip

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"runtime"
	"testing"
	"time"

	"aitbc/engine"
	"aitbc/engine/consensus"
	"aitbc/engine/types"
	"aitbc/internal/wait"
)

type node struct {
	tr  *Transport
	m   *Metrics
	rec *recorder
	id  engine.PeerID
}

// mesh starts n transports; node i dials every node before it, so all
// pairs connect through Peers.
func mesh(t *testing.T, n int, tweak func(i int, cfg *Config)) []*node {
	t.Helper()
	nodes := make([]*node, n)
	for i := range nodes {
		cfg := testConfig(i)
		cfg.DedupWindow = time.Minute // duplicates in these tests are deliberate and immediate
		for _, prev := range nodes[:i] {
			cfg.Peers = append(cfg.Peers, prev.tr.Addr())
		}
		if tweak != nil {
			tweak(i, &cfg)
		}
		rec := newRecorder()
		tr, m := startTransport(t, cfg, rec)
		nodes[i] = &node{tr: tr, m: m, rec: rec, id: peerID(cfg.NodeKey)}
	}
	for _, nd := range nodes {
		wait.Until(t, "full mesh", 10*time.Second, func() bool { return len(nd.tr.Peers()) == n-1 })
	}
	return nodes
}

func TestMeshEveryMessageType(t *testing.T) {
	nodes := mesh(t, 3, func(i int, cfg *Config) { cfg.Multicore = i == 0 })
	a, b, c := nodes[0], nodes[1], nodes[2]
	f := newChainFixture(t)

	for _, nd := range nodes {
		for _, p := range nd.tr.Peers() {
			if p.Since.IsZero() || p.RemoteAddr == "" || p.ListenPort == 0 {
				t.Errorf("%s: incomplete peer info %+v", nd.id[:8], p)
			}
		}
	}

	// Consensus: a proposal with its block, and a vote.
	prop, vote := f.proposal(0), f.vote(2, 0)
	a.tr.BroadcastConsensus([]consensus.Message{prop, vote})
	for _, nd := range []*node{b, c} {
		wait.Until(t, "consensus messages", 10*time.Second, func() bool { return nd.rec.nConsensus() == 2 })
		nd.rec.mu.Lock()
		gp, ok := nd.rec.consensus[0].(*consensus.ProposalMsg)
		if !ok || !bytes.Equal(gp.Proposal.Encode(), prop.Proposal.Encode()) || !bytes.Equal(gp.Block.Encode(), prop.Block.Encode()) {
			t.Errorf("proposal differs after the trip")
		}
		gv, ok := nd.rec.consensus[1].(*consensus.VoteMsg)
		if !ok || *gv.Vote != *vote.Vote {
			t.Errorf("vote differs after the trip: %+v", nd.rec.consensus[1])
		}
		if nd.rec.from[0] != a.id || nd.rec.from[1] != a.id {
			t.Errorf("sender = %v, want %s", nd.rec.from, a.id)
		}
		nd.rec.mu.Unlock()
	}

	// A duplicate is not delivered again.
	a.tr.BroadcastConsensus([]consensus.Message{vote})
	wait.Until(t, "duplicate vote dropped", 10*time.Second, func() bool { return dropped(b.m, dropDedup) >= 1 && dropped(c.m, dropDedup) >= 1 })
	if b.rec.nConsensus() != 2 || c.rec.nConsensus() != 2 {
		t.Errorf("duplicate delivered: b %d c %d", b.rec.nConsensus(), c.rec.nConsensus())
	}

	// Txs: a relays to b and c; b relays on to c only (not back to a),
	// and c, having them already, delivers nothing new.
	txs := testTxs(5, 1)
	a.tr.BroadcastTxs(txs)
	wait.Until(t, "txs at b and c", 10*time.Second, func() bool { return b.rec.nTxs(a.id) == 5 && c.rec.nTxs(a.id) == 5 })
	b.rec.mu.Lock()
	for i, tx := range b.rec.txs[a.id] {
		if tx.Hash() != txs[i].Hash() {
			t.Errorf("tx %d differs after the trip", i)
		}
	}
	got := b.rec.txs[a.id]
	b.rec.mu.Unlock()
	sentTxs := value(b.m.FramesSent.WithLabelValues("txs"))
	cDedup := dropped(c.m, dropDedup)
	b.tr.BroadcastTxs(got)
	wait.Until(t, "c drops b's relay as duplicate", 10*time.Second, func() bool { return dropped(c.m, dropDedup) == cDedup+1 })
	if d := value(b.m.FramesSent.WithLabelValues("txs")) - sentTxs; d != 1 {
		t.Errorf("b sent %v txs frames, want 1 (to c only)", d)
	}
	if a.rec.nTxs(b.id) != 0 || c.rec.nTxs(b.id) != 0 {
		t.Errorf("relay echoed: a got %d from b, c got %d from b", a.rec.nTxs(b.id), c.rec.nTxs(b.id))
	}

	// Status.
	head := f.b2.Hash()
	c.tr.BroadcastStatus(2, head)
	for _, nd := range []*node{a, b} {
		wait.Until(t, "status", 10*time.Second, func() bool { return nd.rec.nStatus() == 1 })
		nd.rec.mu.Lock()
		if nd.rec.status[0] != (statusMsg{2, head}) {
			t.Errorf("status = %+v", nd.rec.status[0])
		}
		nd.rec.mu.Unlock()
	}

	// Block sync: b asks a; a's handler answers through SendBlocks.
	a.rec.mu.Lock()
	a.rec.onReq = func(peer engine.PeerID, from uint64, count int) {
		a.tr.SendBlocks(peer, []engine.SyncedBlock{{Block: f.b1, Cert: f.c1}, {Block: f.b2, Cert: f.c2}})
	}
	a.rec.mu.Unlock()
	b.tr.RequestBlocks(a.id, 1, 2)
	wait.Until(t, "blocks at b", 10*time.Second, func() bool {
		b.rec.mu.Lock()
		defer b.rec.mu.Unlock()
		return len(b.rec.blocks) == 1
	})
	a.rec.mu.Lock()
	if len(a.rec.reqs) != 1 || a.rec.reqs[0] != (blockReqMsg{1, 2}) {
		t.Errorf("requests at a = %+v", a.rec.reqs)
	}
	a.rec.mu.Unlock()
	b.rec.mu.Lock()
	want := []engine.SyncedBlock{{Block: f.b1, Cert: f.c1}, {Block: f.b2, Cert: f.c2}}
	gotBlocks := b.rec.blocks[0]
	b.rec.mu.Unlock()
	if len(gotBlocks) != 2 {
		t.Fatalf("got %d blocks", len(gotBlocks))
	}
	for i := range want {
		if !bytes.Equal(gotBlocks[i].Block.Encode(), want[i].Block.Encode()) || !bytes.Equal(gotBlocks[i].Cert.Encode(), want[i].Cert.Encode()) {
			t.Errorf("synced block %d differs after the trip", i)
		}
	}
	for _, nd := range nodes {
		if v := value(nd.m.Penalties); v != 0 {
			t.Errorf("%s: %v penalties in a clean run", nd.id[:8], v)
		}
	}
}

// Evidence goes to every peer but the one it came from, and arrives
// piece by piece as sent: a broadcasts what b sent it (so only c gets
// it), c relays it on (so only b gets it, from c).
func TestEvidenceReachesEveryPeerButItsSource(t *testing.T) {
	nodes := mesh(t, 3, nil)
	a, b, c := nodes[0], nodes[1], nodes[2]
	evs := newChainFixture(t).evidence(t)
	same := func(got []*types.Evidence) bool {
		if len(got) != len(evs) {
			return false
		}
		for i := range evs {
			if got[i].Hash() != evs[i].Hash() {
				return false
			}
		}
		return true
	}
	a.tr.BroadcastEvidence(b.id, evs)
	wait.Until(t, "evidence at c", 10*time.Second, func() bool { return len(c.rec.evidenceFrom(a.id)) == len(evs) })
	if !same(c.rec.evidenceFrom(a.id)) {
		t.Fatal("evidence differs after the trip")
	}
	c.tr.BroadcastEvidence(a.id, c.rec.evidenceFrom(a.id))
	wait.Until(t, "evidence at b", 10*time.Second, func() bool { return len(b.rec.evidenceFrom(c.id)) == len(evs) })
	if !same(b.rec.evidenceFrom(c.id)) {
		t.Fatal("relayed evidence differs after the trip")
	}
	if n := len(b.rec.evidenceFrom(a.id)) + len(a.rec.evidenceFrom(c.id)); n != 0 {
		t.Fatalf("%d pieces went back to where they came from", n)
	}
	if v := value(a.m.FramesSent.WithLabelValues("evidence")); v != 1 {
		t.Errorf("a sent %v evidence frames, want 1 (to c only)", v)
	}
	if v := value(b.m.FramesReceived.WithLabelValues("evidence")); v != 1 {
		t.Errorf("b received %v evidence frames, want 1", v)
	}
	for _, nd := range nodes {
		if v := value(nd.m.Penalties); v != 0 {
			t.Errorf("%s: %v penalties", nd.id[:8], v)
		}
	}
}

func TestNewPeerGetsLastStatus(t *testing.T) {
	rec := newRecorder()
	a, _ := startTransport(t, testConfig(0), newRecorder())
	a.BroadcastStatus(7, types.Hash{7})
	cfg := testConfig(1)
	cfg.Peers = []string{a.Addr()}
	startTransport(t, cfg, rec)
	wait.Until(t, "status on connect", 10*time.Second, func() bool { return rec.nStatus() == 1 })
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if rec.status[0] != (statusMsg{7, types.Hash{7}}) {
		t.Errorf("status = %+v", rec.status[0])
	}
}

// freeAddr returns a loopback address with a port that was free a moment
// ago, for configs that must name each other before either starts.
func freeAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func TestSimultaneousDialKeepsOneConnection(t *testing.T) {
	// a and b dial each other: both keep the connection dialed by the
	// smaller key, and no dialer churns.
	addrA, addrB := freeAddr(t), freeAddr(t)
	cfgA, cfgB := testConfig(0), testConfig(1)
	cfgA.ListenAddr, cfgA.Peers = addrA, []string{addrB}
	cfgB.ListenAddr, cfgB.Peers = addrB, []string{addrA}
	recA, recB := newRecorder(), newRecorder()
	a, ma := startTransport(t, cfgA, recA)
	b, mb := startTransport(t, cfgB, recB)
	idA, idB := peerID(cfgA.NodeKey), peerID(cfgB.NodeKey)
	wait.Until(t, "connected", 10*time.Second, func() bool { return hasPeer(a, idB) && hasPeer(b, idA) })
	time.Sleep(300 * time.Millisecond) // let any second connection finish its handshake
	pa, pb := a.Peers(), b.Peers()
	if len(pa) != 1 || len(pb) != 1 {
		t.Fatalf("peers: a %d, b %d", len(pa), len(pb))
	}
	if aDials := idA < idB; pa[0].Outbound != aDials || pb[0].Outbound == aDials {
		t.Errorf("kept a.outbound=%v b.outbound=%v; want the connection dialed by the smaller key", pa[0].Outbound, pb[0].Outbound)
	}
	gauge := func(m *Metrics) float64 {
		return value(m.Peers.WithLabelValues("inbound")) + value(m.Peers.WithLabelValues("outbound"))
	}
	if gauge(ma) != 1 || gauge(mb) != 1 {
		t.Errorf("peer gauges a %v b %v, want 1", gauge(ma), gauge(mb))
	}
	a.BroadcastStatus(3, types.Hash{3})
	b.BroadcastStatus(4, types.Hash{4})
	wait.Until(t, "status both ways", 10*time.Second, func() bool { return recA.nStatus() >= 1 && recB.nStatus() >= 1 })

	// c lists a twice (one node under two dialers): one connection to a.
	cfgC := testConfig(2)
	cfgC.Peers = []string{a.Addr(), b.Addr(), a.Addr()}
	c, mc := startTransport(t, cfgC, newRecorder())
	wait.Until(t, "c connected to a and b", 10*time.Second, func() bool { return len(c.Peers()) == 2 })
	time.Sleep(300 * time.Millisecond)
	if n := len(c.Peers()); n != 2 {
		t.Fatalf("c has %d peers", n)
	}
	if v := value(mc.Peers.WithLabelValues("outbound")); v != 2 {
		t.Errorf("c outbound peers gauge = %v, want 2", v)
	}
}

func TestCloseIsPromptAndLeavesNoGoroutines(t *testing.T) {
	before := runtime.NumGoroutine()
	var trs []*Transport
	var addrs []string
	for i := range 3 {
		cfg := testConfig(i)
		cfg.Multicore = i == 0
		cfg.Peers = append([]string(nil), addrs...)
		tr, err := New(cfg, nil, discardLogger())
		if err != nil {
			t.Fatal(err)
		}
		if err := tr.Start(newRecorder()); err != nil {
			t.Fatal(err)
		}
		trs = append(trs, tr)
		addrs = append(addrs, tr.Addr())
	}
	for _, tr := range trs {
		wait.Until(t, "mesh", 10*time.Second, func() bool { return len(tr.Peers()) == 2 })
	}
	trs[0].BroadcastTxs(testTxs(100, 1))
	done := make(chan struct{})
	go func() {
		defer close(done)
		for _, tr := range trs {
			if err := tr.Close(); err != nil {
				t.Errorf("Close: %v", err)
			}
			if err := tr.Close(); err != nil {
				t.Errorf("second Close: %v", err)
			}
		}
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Close hangs")
	}
	for _, tr := range trs {
		if n := len(tr.Peers()); n != 0 {
			t.Errorf("%d peers after Close", n)
		}
		tr.BroadcastStatus(1, types.Hash{}) // harmless after Close
	}
	wait.Until(t, "goroutines to exit", 10*time.Second, func() bool { return runtime.NumGoroutine() <= before+1 })
}

func TestPenaltyLimitBansUntilExpiry(t *testing.T) {
	cfgA := testConfig(0)
	cfgA.PenaltyLimit = 3
	cfgA.BanDuration = 1500 * time.Millisecond
	a, ma := startTransport(t, cfgA, newRecorder())
	cfgB := testConfig(1)
	cfgB.Peers = []string{a.Addr()}
	b, _ := startTransport(t, cfgB, newRecorder())
	bID := peerID(cfgB.NodeKey)
	wait.Until(t, "connected", 10*time.Second, func() bool { return hasPeer(a, bID) })

	for i := range cfgA.PenaltyLimit - 1 {
		a.Penalize(bID, fmt.Errorf("bad vote %d", i))
	}
	if !hasPeer(a, bID) {
		t.Fatal("disconnected below the penalty limit")
	}
	a.Penalize(bID, errors.New("one too many"))
	wait.Until(t, "banned peer disconnected", 10*time.Second, func() bool { return !hasPeer(a, bID) })
	if v := value(ma.Bans); v != 1 {
		t.Errorf("bans = %v", v)
	}
	// b keeps redialing and is refused while the ban lasts...
	wait.Until(t, "reconnects refused", 10*time.Second, func() bool { return hsFailures(ma, "banned") >= 2 })
	if hasPeer(a, bID) || len(b.Peers()) != 0 {
		t.Fatal("banned peer got back in")
	}
	// ...and gets back in once it ends.
	wait.Until(t, "reconnected after the ban", 10*time.Second, func() bool { return hasPeer(a, bID) })
}

func TestPeerRestartReconnects(t *testing.T) {
	cfgB := testConfig(1)
	recB := newRecorder()
	b, err := New(cfgB, nil, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Start(recB); err != nil {
		t.Fatal(err)
	}
	cfgA := testConfig(0)
	cfgA.Peers = []string{b.Addr()}
	recA := newRecorder()
	a, _ := startTransport(t, cfgA, recA)
	bID := peerID(cfgB.NodeKey)
	wait.Until(t, "connected", 10*time.Second, func() bool { return hasPeer(a, bID) })

	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	wait.Until(t, "a sees b go", 10*time.Second, func() bool { return !hasPeer(a, bID) })

	cfgB.ListenAddr = b.Addr() // same key, same port
	recB2 := newRecorder()
	b2, _ := startTransport(t, cfgB, recB2)
	wait.Until(t, "a redials b", 10*time.Second, func() bool { return hasPeer(a, bID) && hasPeer(b2, peerID(cfgA.NodeKey)) })
	a.BroadcastStatus(4, types.Hash{4})
	b2.BroadcastStatus(8, types.Hash{8})
	wait.Until(t, "messages flow both ways", 10*time.Second, func() bool { return recB2.nStatus() == 1 && recA.nStatus() == 1 })
	if recB.nStatus() != 0 {
		t.Error("the closed transport's handler was called")
	}
}

// A configured peer that was unreachable for long (a partition, a host
// down) is redialed within about a second of coming back: the redial
// backoff is capped at dialMaxBackoff. With the old 5 s cap, after 4 s
// down the next dial came 2.3 s or more after the peer was back (the
// sixth attempt, 6.3 s plus jitter after the first).
func TestLongOutageRedialsPromptly(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there: every dial is refused
	cfgA := testConfig(0)
	cfgA.Peers = []string{addr}
	a, _ := startTransport(t, cfgA, newRecorder())
	time.Sleep(4 * time.Second) // the backoff climbs to its cap

	cfgB := testConfig(1)
	cfgB.ListenAddr = addr
	startTransport(t, cfgB, newRecorder())
	up := time.Now()
	bID := peerID(cfgB.NodeKey)
	wait.Until(t, "a redials b", 10*time.Second, func() bool { return hasPeer(a, bID) })
	// At most one capped wait (1 s plus 25 % jitter) and a handshake.
	if d := time.Since(up); d > 1750*time.Millisecond {
		t.Fatalf("reconnected %v after the peer came back, want within 1.75 s (redial cap %v)", d, dialMaxBackoff)
	}
	for d, n := dialMinBackoff, 0; n < 20; d, n = nextBackoff(d), n+1 {
		if d > dialMaxBackoff || jitter(d) > d+d/4 {
			t.Fatalf("backoff %v (jitter %v) past the cap %v", d, jitter(d), dialMaxBackoff)
		}
	}
}

// A peer that never reads fills its queue; further frames for it are
// dropped and counted, the broadcaster never blocks, and other peers are
// still served.
func TestFullSendQueueDropsWithoutBlocking(t *testing.T) {
	cfg := testConfig(0)
	cfg.SendQueueFrames = 8
	cfg.SendQueueBytes = 1 << 20
	a, ma := startTransport(t, cfg, newRecorder())
	stuck := dialRaw(t, a.Addr(), nodeKey(1))
	if c, ok := stuck.conn.(*net.TCPConn); ok {
		c.SetReadBuffer(4 << 10)
	}
	stuck.handshake()
	cfgC := testConfig(2)
	cfgC.Peers = []string{a.Addr()}
	recC := newRecorder()
	startTransport(t, cfgC, recC)
	wait.Until(t, "two peers", 10*time.Second, func() bool { return len(a.Peers()) == 2 })

	txs := testTxs(engine.MaxGossipTxs, 1) // ~150 KB per frame
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 0; i < 200; i++ { // ~30 MB for a peer that reads nothing
			a.BroadcastTxs(txs[i%4*256 : i%4*256+256])
		}
	}()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		t.Fatal("broadcast blocked on a peer that does not read")
	}
	if v := dropped(ma, dropQueueFull); v == 0 {
		t.Error("no queue_full drops for a peer that never reads")
	}
	wait.Until(t, "c got the txs", 10*time.Second, func() bool { return recC.nTxs(a.ID()) == len(txs) })
}
