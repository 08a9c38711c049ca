package gossip

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"slices"
	"sync"
	"testing"
	"time"

	"aitbc/engine"
	"aitbc/engine/bls"
	"aitbc/engine/consensus"
	"aitbc/engine/types"
	"aitbc/engine/validators/valtest"
	"aitbc/internal/logtest"
	"aitbc/netio/gossip/internal/gossiptest"
	"aitbc/netio/gossip/noise"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// The test chain and node keys are gossiptest's, shared with the noise
// package's tests and the spec's examples.
const testChainID = gossiptest.ChainID

var testGenesis = gossiptest.Genesis

// testLogger routes logs to t.Log until the test ends.
func testLogger(t testing.TB) *slog.Logger {
	return logtest.New(t, slog.LevelInfo)
}

func discardLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// nodeKey is the deterministic node key number i.
func nodeKey(i int) ed25519.PrivateKey { return gossiptest.NodeKey(i) }

func peerID(k ed25519.PrivateKey) engine.PeerID {
	return engine.PeerID(fmt.Sprintf("%x", []byte(k.Public().(ed25519.PublicKey))))
}

func testConfig(i int) Config {
	cfg := DefaultConfig()
	cfg.ListenAddr = "127.0.0.1:0"
	cfg.ChainID = testChainID
	cfg.GenesisHash = testGenesis
	cfg.NodeKey = nodeKey(i)
	cfg.Multicore = false
	cfg.HandshakeTimeout = 2 * time.Second
	return cfg
}

// startTransport starts a transport with its own registry and closes it at
// cleanup.
func startTransport(t testing.TB, cfg Config, h engine.PeerHandler) (*Transport, *Metrics) {
	t.Helper()
	m := NewMetrics(prometheus.NewPedanticRegistry())
	tr, err := New(cfg, m, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	if err := tr.Start(h); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := tr.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return tr, m
}

func value(m prometheus.Metric) float64 {
	var d dto.Metric
	if err := m.Write(&d); err != nil {
		panic(err)
	}
	switch {
	case d.Counter != nil:
		return d.Counter.GetValue()
	case d.Gauge != nil:
		return d.Gauge.GetValue()
	}
	return 0
}

func hsFailures(m *Metrics, reason string) float64 {
	return value(m.HandshakeFailures.WithLabelValues(reason))
}

func dropped(m *Metrics, reason string) float64 { return value(m.Dropped.WithLabelValues(reason)) }

func hasPeer(tr *Transport, id engine.PeerID) bool {
	for _, p := range tr.Peers() {
		if p.ID == id {
			return true
		}
	}
	return false
}

// recorder is a PeerHandler that records everything, in order.
type recorder struct {
	mu        sync.Mutex
	consensus []consensus.Message
	from      []engine.PeerID // sender of each consensus message
	txs       map[engine.PeerID][]*types.Tx
	status    []statusMsg
	reqs      []blockReqMsg
	blocks    [][]engine.SyncedBlock
	evidence  map[engine.PeerID][]*types.Evidence
	reject    error // returned by every Handle call when set
	onReq     func(peer engine.PeerID, from uint64, count int)
}

func newRecorder() *recorder {
	return &recorder{txs: map[engine.PeerID][]*types.Tx{}, evidence: map[engine.PeerID][]*types.Evidence{}}
}

func (r *recorder) HandleConsensus(peer engine.PeerID, m consensus.Message) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.consensus = append(r.consensus, m)
	r.from = append(r.from, peer)
	return r.reject
}

func (r *recorder) HandleTxs(peer engine.PeerID, txs []*types.Tx) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.txs[peer] = append(r.txs[peer], txs...)
	return r.reject
}

func (r *recorder) HandleEvidence(peer engine.PeerID, evs []*types.Evidence) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.evidence[peer] = append(r.evidence[peer], evs...)
	return r.reject
}

func (r *recorder) HandleStatus(peer engine.PeerID, height uint64, hash types.Hash) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.status = append(r.status, statusMsg{height, hash})
	return r.reject
}

func (r *recorder) HandleBlockRequest(peer engine.PeerID, from uint64, count int) error {
	r.mu.Lock()
	r.reqs = append(r.reqs, blockReqMsg{from, count})
	cb, err := r.onReq, r.reject
	r.mu.Unlock()
	if cb != nil {
		cb(peer, from, count)
	}
	return err
}

func (r *recorder) HandleBlocks(peer engine.PeerID, blocks []engine.SyncedBlock) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.blocks = append(r.blocks, blocks)
	return r.reject
}

func (r *recorder) nConsensus() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.consensus)
}

func (r *recorder) nTxs(from engine.PeerID) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.txs[from])
}

func (r *recorder) nStatus() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.status)
}

func (r *recorder) total() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := len(r.consensus) + len(r.status) + len(r.reqs) + len(r.blocks)
	for _, txs := range r.txs {
		n += len(txs)
	}
	for _, evs := range r.evidence {
		n += len(evs)
	}
	return n
}

func (r *recorder) evidenceFrom(from engine.PeerID) []*types.Evidence {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.evidence[from])
}

// Test objects: real signed txs, votes, proposals, blocks and certificates.

func testTxs(n int, nonce0 uint64) []*types.Tx {
	key := nodeKey(1000)
	txs := make([]*types.Tx, n)
	for i := range txs {
		tx := &types.Tx{
			ChainID: testChainID, Type: types.TxTransfer,
			Nonce: nonce0 + uint64(i), Recipient: types.Address{1, 2, 3},
			Amount: 1000 + uint64(i), Fee: 10,
			Payload: []byte("compute job " + fmt.Sprint(i)),
		}
		tx.Sign(key)
		txs[i] = tx
	}
	return txs
}

// chainFixture is a 4-validator chain with a committed block at height 1
// and a block at height 2 that carries its certificate.
type chainFixture struct {
	keys   []valtest.Keys
	b1, b2 *types.Block
	c1, c2 *types.CommitCert
}

func newChainFixture(t testing.TB) *chainFixture {
	t.Helper()
	set, keys := valtest.Set(valtest.Equal(4)...)
	f := &chainFixture{keys: keys}
	commit := func(b *types.Block) *types.CommitCert {
		var pcs []*types.Vote
		for i, k := range keys {
			pcs = append(pcs, valtest.Vote(testChainID, k, types.Precommit, i, b.Header.Height, 0, b.Hash()))
		}
		c, err := set.MakeCommit(b.Header.Height, 0, b.Hash(), pcs)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	f.b1 = &types.Block{Header: types.Header{ChainID: testChainID, Height: 1, Time: 1_700_000_000_000, ValidatorsHash: set.Hash(), NextValidatorsHash: set.Hash()}}
	f.b1.Header.TxRoot = types.MerkleRoot(nil)
	f.c1 = commit(f.b1)
	txs := testTxs(3, 1)
	f.b2 = &types.Block{Header: types.Header{ChainID: testChainID, Height: 2, Time: 1_700_000_001_000,
		ParentHash: f.b1.Hash(), ValidatorsHash: set.Hash(), NextValidatorsHash: set.Hash(), LastCommitHash: f.c1.Hash()}, Txs: txs, LastCommit: f.c1}
	f.b2.Header.TxRoot = types.MerkleRoot(f.b2.TxHashes())
	f.c2 = commit(f.b2)
	return f
}

func (f *chainFixture) proposal(round uint32) *consensus.ProposalMsg {
	p := &types.Proposal{Height: 2, Round: round, POLRound: -1, BlockHash: f.b2.Hash()}
	p.Sig = bls.Sign(f.keys[1].BLS, p.SignBytes(testChainID))
	return &consensus.ProposalMsg{Proposal: p, Block: f.b2}
}

// evidence is two well-formed pieces against validator 1 (its signatures
// hold; nothing checks them against a set here): a duplicate prevote at
// height 2 and a duplicate proposal at height 2 round 1.
func (f *chainFixture) evidence(t testing.TB) []*types.Evidence {
	t.Helper()
	v, _ := valtest.Validator(1, 1)
	k := f.keys[1]
	x := valtest.Vote(testChainID, k, types.Prevote, 1, 2, 0, types.Hash{'x'})
	y := valtest.Vote(testChainID, k, types.Prevote, 1, 2, 0, types.Hash{'y'})
	dv, err := types.NewDuplicateVoteEvidence(x, y, v.Address, v.BLSPubKey)
	if err != nil {
		t.Fatal(err)
	}
	pa, pb := f.proposal(1).Proposal, f.proposal(1).Proposal
	pb.BlockHash = types.Hash{'z'}
	pb.Sig = bls.Sign(k.BLS, pb.SignBytes(testChainID))
	dp, err := types.NewDuplicateProposalEvidence(pa, pb, 1, v.Address, v.BLSPubKey)
	if err != nil {
		t.Fatal(err)
	}
	return []*types.Evidence{dv, dp}
}

func (f *chainFixture) vote(i int, round uint32) *consensus.VoteMsg {
	return &consensus.VoteMsg{Vote: valtest.Vote(testChainID, f.keys[i], types.Prevote, i, 2, round, f.b2.Hash())}
}

// rawPeer speaks the protocol by hand over a plain TCP connection, so
// tests can misbehave in exact ways.
type rawPeer struct {
	t      testing.TB
	conn   net.Conn
	key    ed25519.PrivateKey
	pub    [32]byte
	static noise.Static
	hs     *noise.Handshake // the dialer's side
	their  *noise.Identity
	sess   *noise.Session // nil until the handshake completes
}

func dialRaw(t testing.TB, addr string, key ed25519.PrivateKey) *rawPeer {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	r, err := newRawPeer(t, c, key)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// newRawPeer is the dialer of conn with node key key and a fresh static
// key; it has sent nothing yet.
func newRawPeer(t testing.TB, conn net.Conn, key ed25519.PrivateKey) (*rawPeer, error) {
	r := &rawPeer{t: t, conn: conn, key: key}
	copy(r.pub[:], key.Public().(ed25519.PublicKey))
	var err error
	if r.static, err = noise.NewStatic(rand.Reader); err != nil {
		return nil, err
	}
	if r.hs, err = noise.NewHandshake(true, r.static, rand.Reader); err != nil {
		return nil, err
	}
	return r, nil
}

// msg1 is the dialer's first Noise message, framed.
func (r *rawPeer) msg1() []byte {
	m, err := r.hs.WriteMessage1()
	if err != nil {
		r.t.Fatal(err)
	}
	return handshakeFrame(m)
}

// readMsg2 reads the transport's Noise message 2 and its identity.
func (r *rawPeer) readMsg2() {
	r.t.Helper()
	typ, p, err := r.readFrame()
	if err != nil || typ != MsgHandshake {
		r.t.Fatalf("want handshake, got %v %v", typ, err)
	}
	b, err := r.hs.ReadMessage2(p)
	if err != nil {
		r.t.Fatal(err)
	}
	if r.their, err = noise.DecodeIdentity(b); err != nil {
		r.t.Fatal(err)
	}
	if err := r.their.Check(r.hs.PeerStatic(), testChainID, testGenesis, r.pub[:]); err != nil {
		r.t.Fatalf("transport's identity: %v", err)
	}
}

// msg3 is the dialer's last Noise message carrying id (signed by us over
// our static key unless the caller forged it); it starts the session.
func (r *rawPeer) msg3(id *noise.Identity) []byte {
	m, sess, err := r.hs.WriteMessage3(id.Encode())
	if err != nil {
		r.t.Fatal(err)
	}
	r.sess = sess
	return handshakeFrame(m)
}

// ident is our identity for the chain given.
func (r *rawPeer) ident(version uint16, chainID string, genesis types.Hash) *noise.Identity {
	id := noise.NewIdentity(r.key, r.static.Public(), chainID, genesis, 0)
	if version != ProtocolVersion {
		id.Version = version
		id.Sign(r.key, r.static.Public())
	}
	return id
}

// writeRaw sends bytes as they are.
func (r *rawPeer) writeRaw(b []byte) error {
	_, err := r.conn.Write(b)
	return err
}

// seal seals a plaintext frame for the session.
func (r *rawPeer) seal(frame []byte) []byte {
	b, err := r.sess.Seal(nil, frame)
	if err != nil {
		r.t.Fatal(err)
	}
	return b
}

// write sends a frame, sealed once the handshake is done.
func (r *rawPeer) write(b []byte) error {
	if r.sess != nil {
		b = r.seal(b)
	}
	return r.writeRaw(b)
}

// readFrame reads one frame, opened once the handshake is done (or fails
// after 5 s).
func (r *rawPeer) readFrame() (MsgType, []byte, error) {
	_ = r.conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	var hdr [lenPrefix]byte
	if _, err := io.ReadFull(r.conn, hdr[:]); err != nil {
		return 0, nil, err
	}
	f := make([]byte, lenPrefix+int(binary.BigEndian.Uint32(hdr[:])))
	copy(f, hdr[:])
	if _, err := io.ReadFull(r.conn, f[lenPrefix:]); err != nil {
		return 0, nil, err
	}
	if r.sess == nil {
		return MsgType(f[lenPrefix]), f[frameHeader:], nil
	}
	plain, err := r.sess.Open(nil, f)
	if err != nil {
		return 0, nil, err
	}
	return MsgType(plain[0]), plain[1:], nil
}

// handshake completes a correct handshake, checking the transport's
// identity.
func (r *rawPeer) handshake() {
	r.t.Helper()
	if err := r.writeRaw(r.msg1()); err != nil {
		r.t.Fatal(err)
	}
	r.readMsg2()
	if err := r.writeRaw(r.msg3(r.ident(ProtocolVersion, testChainID, testGenesis))); err != nil {
		r.t.Fatal(err)
	}
}

// closed reports whether the transport closed the connection: reads
// drain until EOF or a reset (or give up after 5 s).
func (r *rawPeer) closed() bool {
	_ = r.conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	buf := make([]byte, 4096)
	for {
		_, err := r.conn.Read(buf)
		if err == nil {
			continue
		}
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			return false
		}
		return true
	}
}

// sessionPair runs a handshake in memory and returns both ends'
// sessions: what the initiator seals, the responder opens, and back.
func sessionPair(t testing.TB) (initiator, responder *noise.Session) {
	t.Helper()
	mustNoise := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	si, err := noise.NewStatic(rand.Reader)
	mustNoise(err)
	sr, err := noise.NewStatic(rand.Reader)
	mustNoise(err)
	hi, err := noise.NewHandshake(true, si, rand.Reader)
	mustNoise(err)
	hr, err := noise.NewHandshake(false, sr, rand.Reader)
	mustNoise(err)
	m1, err := hi.WriteMessage1()
	mustNoise(err)
	mustNoise(hr.ReadMessage1(m1))
	m2, err := hr.WriteMessage2(nil)
	mustNoise(err)
	_, err = hi.ReadMessage2(m2)
	mustNoise(err)
	m3, initiator, err := hi.WriteMessage3(nil)
	mustNoise(err)
	_, responder, err = hr.ReadMessage3(m3)
	mustNoise(err)
	return initiator, responder
}

func frameOf(t MsgType, payload []byte) []byte {
	return endFrame(append(beginFrame(nil, t), payload...))
}
