package gossip

import (
	"cmp"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/panjf2000/gnet/v2"

	"aitbc/engine"
	"aitbc/engine/types"
	"aitbc/netio/gossip/noise"
)

// Transport is the gnet peer-to-peer transport; it implements
// engine.Gossip. Build it with New, then Start it with the handler; Close
// stops it.
type Transport struct {
	cfg  Config
	log  *slog.Logger
	ctr  *counters
	glog *gnetLogger
	id   engine.PeerID
	pub  [types.PubKeyLen]byte
	// static is the Noise static key pair (one per transport); identity
	// our signed identity payload, set before the first connection opens.
	static   noise.Static
	identity []byte
	// dial holds the parsed Peers; allow the inbound allow list (nil:
	// everyone), with the pinned ids of dial in it.
	dialAddrs []PeerAddr
	allow     map[engine.PeerID]bool
	// configured are the node ids pinned in Peers or listed in Allow:
	// they have slots of their own, on top of MaxPeers (reserved slots).
	configured map[engine.PeerID]bool
	// validators is the current list of validator keys a peer may prove
	// it holds (Config.Validators, then each SetValidators); such peers
	// have slots of their own too. The set is immutable: SetValidators
	// swaps it under mu, so a reader holding mu sees the list that slot
	// accounting follows, and the handshake reads it without the lock.
	validators atomic.Pointer[keySet]

	dedup *dedup
	// relayed holds the hashes of the consensus messages we relayed
	// (relay.go); head is 1 + the committed height we last announced, 0
	// before the first.
	relayed    *dedup
	heard      *heardFrom // who sent us each recent proposal and vote (heard.go)
	head       atomic.Uint64
	lastStatus atomic.Pointer[[]byte]  // our last STATUS frame, sent to new peers
	peerList   atomic.Pointer[[]*peer] // established peers sorted by ID, for broadcasts

	// Set by Start, read-only afterwards.
	handler    engine.PeerHandler
	listenPort uint16
	addr       string
	server     gnet.Engine
	serverDone chan error
	client     *gnet.Client
	cancel     context.CancelFunc
	wg         sync.WaitGroup // dialers and housekeeping

	mu      sync.Mutex
	started bool
	closed  bool
	conns   map[*peer]struct{}      // every open connection, handshaking ones too
	peers   map[engine.PeerID]*peer // established, one per node key
	// strangers counts the established peers that are neither configured
	// nor proven validators; at most MaxPeers.
	strangers int
	bans      *banList
}

var _ engine.Gossip = (*Transport)(nil)

// PeerInfo describes a connected peer (for /rpc/status).
type PeerInfo struct {
	ID         engine.PeerID `json:"id"`
	RemoteAddr string        `json:"remote_addr"`
	Outbound   bool          `json:"outbound"`
	ListenPort uint16        `json:"listen_port"` // the peer's own P2P port, 0 if it does not listen
	Since      time.Time     `json:"since"`
	// Kind is validator, configured, inbound_stranger or outbound_stranger.
	Kind string `json:"kind"`
}

// New checks cfg and builds a transport; nothing runs until Start. A nil
// metrics or log means none.
func New(cfg Config, metrics *Metrics, log *slog.Logger) (*Transport, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if metrics == nil {
		metrics = NopMetrics()
	}
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	cfg.Peers = slices.Clone(cfg.Peers)
	cfg.Allow = slices.Clone(cfg.Allow)
	cfg.NodeKey = slices.Clone(cfg.NodeKey)
	cfg.Validators = slices.Clone(cfg.Validators)
	t := &Transport{
		cfg:     cfg,
		log:     log,
		ctr:     newCounters(metrics),
		glog:    newGnetLogger(log),
		dedup:   newDedup(cfg.DedupEntries),
		relayed: newDedup(cfg.DedupEntries),
		heard:   newHeardFrom(heardEntries),
		conns:   make(map[*peer]struct{}),
		peers:   make(map[engine.PeerID]*peer),
		bans:    newBanList(),
	}
	copy(t.pub[:], cfg.NodeKey.Public().(ed25519.PublicKey))
	static, err := noise.NewStatic(rand.Reader)
	if err != nil {
		return nil, err
	}
	t.static = static
	for _, s := range cfg.Peers {
		a, _ := ParsePeer(s) // Validate checked it
		t.dialAddrs = append(t.dialAddrs, a)
	}
	t.configured = make(map[engine.PeerID]bool)
	for _, a := range t.dialAddrs {
		if a.Pinned() {
			t.configured[a.ID] = true
		}
	}
	for _, id := range cfg.Allow {
		t.configured[id] = true
	}
	t.validators.Store(newKeySet(cfg.Validators))
	if len(cfg.Allow) > 0 {
		t.allow = make(map[engine.PeerID]bool)
		for _, id := range cfg.Allow {
			t.allow[id] = true
		}
		for _, a := range t.dialAddrs {
			if a.Pinned() {
				t.allow[a.ID] = true
			}
		}
	}
	t.id = engine.PeerID(hex.EncodeToString(t.pub[:]))
	empty := []*peer{}
	t.peerList.Store(&empty)
	return t, nil
}

// ID is this node's peer ID (the hex of its node key).
func (t *Transport) ID() engine.PeerID { return t.id }

// Start listens (unless ListenAddr is empty), starts dialing the
// configured peers and delivers what peers send to h, from gnet's event
// loops. It returns once the listener is bound.
func (t *Transport) Start(h engine.PeerHandler) error {
	if h == nil {
		return errors.New("gossip: Start with a nil handler")
	}
	t.mu.Lock()
	if t.started || t.closed {
		t.mu.Unlock()
		return ErrStarted
	}
	t.started = true
	t.mu.Unlock()
	t.handler = h

	opts := []gnet.Option{
		gnet.WithMulticore(t.cfg.Multicore),
		gnet.WithLogger(t.glog),
		gnet.WithTCPNoDelay(gnet.TCPNoDelay),
	}
	if t.cfg.ListenAddr != "" {
		if err := t.listen(opts); err != nil {
			return err
		}
	} else {
		t.sign()
	}
	cli, err := gnet.NewClient(&clientEvents{t: t}, opts...)
	if err == nil {
		err = cli.Start()
	}
	if err != nil {
		t.stopServer()
		return fmt.Errorf("gossip: start dialer engine: %w", err)
	}
	t.client = cli

	ctx, cancel := context.WithCancel(context.Background())
	t.cancel = cancel
	t.wg.Add(1)
	go t.housekeeping(ctx)
	for _, a := range t.dialAddrs {
		if !a.Pinned() {
			t.log.Warn("gossip peer address is not pinned to a node id: any node answering there is accepted; use NODEID@host:port",
				"addr", a.Addr)
		}
		t.wg.Add(1)
		go t.dialLoop(ctx, a)
	}
	t.log.Info("gossip started", "node_id", t.id, "addr", t.addr, "dial", len(t.cfg.Peers))
	return nil
}

// listen runs the gnet server and waits until its listener is bound.
func (t *Transport) listen(opts []gnet.Option) error {
	ev := &serverEvents{t: t, booted: make(chan error, 1)}
	t.serverDone = make(chan error, 1)
	go func() {
		// SO_REUSEADDR lets a restarted node bind its port again while
		// connections it closed are in TIME_WAIT.
		t.serverDone <- gnet.Run(ev, "tcp://"+t.cfg.ListenAddr, append(opts, gnet.WithReuseAddr(true))...)
	}()
	select {
	case err := <-ev.booted:
		if err != nil {
			<-t.serverDone
			t.serverDone = nil
			return fmt.Errorf("gossip: listen on %s: %w", t.cfg.ListenAddr, err)
		}
		return nil
	case err := <-t.serverDone:
		t.serverDone = nil
		if err == nil {
			err = errors.New("engine stopped")
		}
		return fmt.Errorf("gossip: listen on %s: %w", t.cfg.ListenAddr, err)
	}
}

// booted runs in OnBoot, before the server's event loops start: it
// records the engine and the address it is bound to.
func (t *Transport) booted(eng gnet.Engine) error {
	addr, err := boundAddr(eng)
	if err != nil {
		return err
	}
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return err
	}
	n, err := strconv.ParseUint(port, 10, 16)
	if err != nil {
		return err
	}
	t.server, t.addr, t.listenPort = eng, addr, uint16(n)
	t.sign()
	return nil
}

// sign builds our identity payload once the listen port is known.
func (t *Transport) sign() {
	id := noise.NewIdentity(t.cfg.NodeKey, t.static.Public(), t.cfg.ChainID, t.cfg.GenesisHash, t.listenPort)
	if t.cfg.ValidatorKey != nil {
		id.Validator = noise.NewValidatorProof(t.cfg.ValidatorKey, t.pub[:], t.static.Public(), t.cfg.ChainID, t.cfg.GenesisHash)
	}
	t.identity = id.Encode()
}

// boundAddr is the listener's actual address (the port when 0 was asked).
func boundAddr(eng gnet.Engine) (string, error) {
	fd, err := eng.Dup()
	if err != nil {
		return "", err
	}
	f := os.NewFile(uintptr(fd), "gossip-listener")
	defer f.Close()
	ln, err := net.FileListener(f)
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// stopServer shuts the gnet server down and waits for its event loops.
func (t *Transport) stopServer() {
	if t.serverDone == nil {
		return
	}
	// Engine.Stop polls for completion every 500 ms; waiting for Run to
	// return is exact, so Stop only gets a context that is already done.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_ = t.server.Stop(ctx)
	if err := <-t.serverDone; err != nil {
		t.log.Warn("gossip server stopped with an error", "err", err)
	}
	t.serverDone = nil
}

// Addr is the address the transport listens on ("" when not listening).
func (t *Transport) Addr() string { return t.addr }

// Close stops dialing, closes every connection, stops the event loops and
// waits for all of the transport's goroutines. It is safe to call more
// than once, and before Start.
func (t *Transport) Close() error {
	t.mu.Lock()
	if t.closed {
		t.mu.Unlock()
		return nil
	}
	t.closed = true
	started := t.started
	t.mu.Unlock()
	if !started {
		return nil
	}
	// Dialers first: one may be enrolling a connection, which needs the
	// client's event loops running.
	if t.cancel != nil {
		t.cancel()
	}
	t.wg.Wait()
	t.stopServer()
	var err error
	if t.client != nil {
		err = t.client.Stop()
	}
	t.glog.disable()
	t.log.Info("gossip stopped", "node_id", t.id)
	return err
}

// Peers lists the established peers, sorted by ID.
func (t *Transport) Peers() []PeerInfo {
	list := *t.peerList.Load()
	out := make([]PeerInfo, len(list))
	t.mu.Lock() // a peer's kind changes with the validator list
	for i, p := range list {
		out[i] = PeerInfo{ID: p.id, RemoteAddr: p.addr, Outbound: p.outbound, ListenPort: p.listenPort, Since: p.since, Kind: p.kind}
	}
	t.mu.Unlock()
	return out
}

// publishPeersLocked rebuilds the broadcast list after t.peers changed.
func (t *Transport) publishPeersLocked() {
	list := make([]*peer, 0, len(t.peers))
	for _, p := range t.peers {
		list = append(list, p)
	}
	slices.SortFunc(list, func(a, b *peer) int { return cmp.Compare(a.id, b.id) })
	t.peerList.Store(&list)
}

// peer returns the established peer with that ID, or nil.
func (t *Transport) peer(id engine.PeerID) *peer {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.peers[id]
}

// housekeeping enforces the handshake timeout, pings peers, closes silent
// ones and expires bans.
func (t *Transport) housekeeping(ctx context.Context) {
	defer t.wg.Done()
	tick := min(t.cfg.PingInterval, t.cfg.HandshakeTimeout, t.cfg.PeerTimeout) / 4
	tick = max(5*time.Millisecond, min(tick, time.Second))
	tk := time.NewTicker(tick)
	defer tk.Stop()
	var lastPing time.Time
	var nonce uint64
	var conns []*peer
	for {
		select {
		case <-ctx.Done():
			return
		case <-tk.C:
		}
		now := time.Now()
		conns = conns[:0]
		t.mu.Lock()
		for p := range t.conns {
			conns = append(conns, p)
		}
		t.bans.prune(now, max(t.cfg.BanDuration, time.Minute))
		t.mu.Unlock()

		ping := now.Sub(lastPing) >= t.cfg.PingInterval
		var frame []byte
		if ping {
			lastPing = now
			nonce++
			frame = pingFrame(MsgPing, nonce)
		}
		for _, p := range conns {
			if !p.established.Load() {
				if now.Sub(p.openedAt) > t.cfg.HandshakeTimeout {
					t.failHandshake(p, ErrHandshakeTimeout)
					p.close(ErrHandshakeTimeout)
				}
				continue
			}
			if silent := now.Sub(time.Unix(0, p.lastRecv.Load())); silent > t.cfg.PeerTimeout {
				err := fmt.Errorf("peer silent for %v", silent.Round(time.Millisecond))
				t.log.Info("gossip peer timed out", "peer", p.id, "err", err)
				p.close(err)
				continue
			}
			if ping {
				p.send(frame, MsgPing)
			}
		}
		clear(conns)
	}
}
