package enginetest

import (
	"crypto/sha256"
	"fmt"
	"math/rand"
	"slices"
	"time"

	"aitbc/engine"
	"aitbc/engine/bls"
	"aitbc/engine/consensus"
	"aitbc/engine/types"
)

// NetConfig shapes a simulated network's links.
type NetConfig struct {
	// MinDelay and MaxDelay bound a message's one-way latency (uniform);
	// a spread between them reorders messages.
	MinDelay, MaxDelay time.Duration
	// LossPerMille and DupPerMille are the chances, in thousandths, that a
	// message is dropped or delivered twice.
	LossPerMille, DupPerMille int
}

// Penalty is one Penalize call, or one error a handler returned (which
// the real transport counts the same way).
type Penalty struct {
	By, Peer engine.PeerID
	Err      error
}

// Net is the in-memory twin of the gossip transport (netio/gossip), on a
// Sched: every message goes through the canonical codec (each receiver
// decodes its own copy, as over a socket) and is delivered by a scheduled
// event after a latency drawn from the net's seeded source (from the
// link's own distribution, SetLink, or the net's), unless it is lost or
// its link is cut. Handlers run on the scheduler's goroutine, so
// the receiving node must handle them at once (node.Machine). Links can be
// cut (Partition) and restored (Heal); a node is detached while it is down
// (Attach nil) and attached again after a restart.
type Net struct {
	sched *Sched
	rng   *rand.Rand
	cfg   NetConfig
	ends  map[engine.PeerID]*End
	ids   []engine.PeerID // sorted: broadcast order does not depend on map order
	cut   map[[2]engine.PeerID]bool
	links map[[2]engine.PeerID]NetConfig // per-link overrides of cfg

	// Penalties lists every Penalize call and handler error, in order.
	Penalties []Penalty
	// Delivered, Lost and Duplicated count messages.
	Delivered, Lost, Duplicated int
	// Observe, if set, sees every delivery before it runs (the simulator
	// hashes them into its trace).
	Observe func(at time.Time, from, to engine.PeerID, kind string)
	// Intercept, if set, may replace or drop (nil) what a node sends: the
	// simulator's hook for byzantine behaviour. It sees each consensus
	// message before it is encoded.
	Intercept func(from engine.PeerID, m consensus.Message) []consensus.Message
	// Fail reports a message that does not round-trip through the codec.
	Fail func(format string, a ...any)
}

// NewNet returns an empty network on sched drawing from rng.
func NewNet(sched *Sched, rng *rand.Rand, cfg NetConfig) *Net {
	return &Net{sched: sched, rng: rng, cfg: cfg, ends: map[engine.PeerID]*End{}, cut: map[[2]engine.PeerID]bool{},
		links: map[[2]engine.PeerID]NetConfig{},
		Fail:  func(format string, a ...any) { panic(fmt.Sprintf(format, a...)) }}
}

// End is one node's end of the network: the engine.Gossip it calls.
type End struct {
	net *Net
	id  engine.PeerID
	h   engine.PeerHandler // nil while detached
	// heads are the committed heights peers announced to this end (the
	// STATUS messages delivered to it), which RelayConsensus reads as the
	// real transport does.
	heads map[engine.PeerID]uint64
	// relayed remembers what this end relayed, oldest first out.
	relayed relaySeen
	// Relays counts the messages this end relayed, by peer sent to.
	Relays int
	// Validators is the last list the node gave SetValidators (nil
	// before the first), and ValidatorLists how many it gave.
	Validators     []bls.PublicKey
	ValidatorLists int
}

// relaySeen is a bounded set of message hashes: the oldest is forgotten
// first, so memory stays bounded whatever peers send.
type relaySeen struct {
	set  map[types.Hash]bool
	ring []types.Hash
	next int
}

// relaySeenEntries bounds relaySeen: far more than the messages of the
// two heights a node relays.
const relaySeenEntries = 4096

// add records h and reports whether it was new.
func (r *relaySeen) add(h types.Hash) bool {
	if r.set == nil {
		r.set, r.ring = map[types.Hash]bool{}, make([]types.Hash, relaySeenEntries)
	}
	if r.set[h] {
		return false
	}
	if old := r.ring[r.next]; r.set[old] {
		delete(r.set, old)
	}
	r.ring[r.next] = h
	r.next = (r.next + 1) % len(r.ring)
	r.set[h] = true
	return true
}

var _ engine.Gossip = (*End)(nil)

// Join adds a node (detached until Attach) and returns its Gossip.
func (n *Net) Join(id engine.PeerID) *End {
	if e := n.ends[id]; e != nil {
		return e
	}
	e := &End{net: n, id: id, heads: map[engine.PeerID]uint64{}}
	n.ends[id] = e
	n.ids = append(n.ids, id)
	slices.Sort(n.ids)
	return e
}

// Attach sets the handler of id's messages (nil: the node is down and
// what reaches it is lost).
func (n *Net) Attach(id engine.PeerID, h engine.PeerHandler) { n.Join(id).h = h }

func linkKey(a, b engine.PeerID) [2]engine.PeerID {
	if a > b {
		a, b = b, a
	}
	return [2]engine.PeerID{a, b}
}

// Partition cuts every link between nodes of different groups; nodes in
// no group keep their links.
func (n *Net) Partition(groups ...[]engine.PeerID) {
	for i, g := range groups {
		for _, h := range groups[i+1:] {
			for _, a := range g {
				for _, b := range h {
					n.cut[linkKey(a, b)] = true
				}
			}
		}
	}
}

// SetLink gives the link between a and b (both ways) its own latency,
// loss and duplication instead of the net's.
func (n *Net) SetLink(a, b engine.PeerID, cfg NetConfig) { n.links[linkKey(a, b)] = cfg }

// Heal restores every link.
func (n *Net) Heal() { clear(n.cut) }

// Linked reports whether a and b can talk.
func (n *Net) Linked(a, b engine.PeerID) bool { return !n.cut[linkKey(a, b)] }

// send schedules a delivery from e to the peer to.
func (e *End) send(to engine.PeerID, kind string, fn func(engine.PeerHandler) error) {
	n := e.net
	if to == e.id || n.ends[to] == nil || !n.Linked(e.id, to) {
		return
	}
	cfg, ok := n.links[linkKey(e.id, to)]
	if !ok {
		cfg = n.cfg
	}
	if cfg.LossPerMille > 0 && n.rng.Intn(1000) < cfg.LossPerMille {
		n.Lost++
		return
	}
	copies := 1
	if cfg.DupPerMille > 0 && n.rng.Intn(1000) < cfg.DupPerMille {
		copies = 2
		n.Duplicated++
	}
	for c := 0; c < copies; c++ {
		d := cfg.MinDelay
		if span := cfg.MaxDelay - cfg.MinDelay; span > 0 {
			d += time.Duration(n.rng.Int63n(int64(span) + 1))
		}
		from := e.id
		n.sched.After(d, func() {
			dst := n.ends[to]
			if dst.h == nil || !n.Linked(from, to) {
				n.Lost++
				return // down, or cut while in flight
			}
			n.Delivered++
			if n.Observe != nil {
				n.Observe(n.sched.Now(), from, to, kind)
			}
			if err := fn(dst.h); err != nil {
				n.Penalties = append(n.Penalties, Penalty{By: to, Peer: from, Err: err})
			}
		})
	}
}

func (e *End) broadcast(kind string, fn func(engine.PeerHandler) error) {
	for _, id := range e.net.ids {
		e.send(id, kind, fn)
	}
}

func (e *End) BroadcastConsensus(msgs []consensus.Message) {
	if e.net.Intercept != nil {
		var out []consensus.Message
		for _, m := range msgs {
			out = append(out, e.net.Intercept(e.id, m)...)
		}
		msgs = out
	}
	for _, m := range msgs {
		e.SendConsensus("", m)
	}
}

// RelayConsensus passes peers' accepted messages on, as the transport
// does (docs/spec.md §16.8): each at most once (by the hash of its
// encoding; a proposal's block is bound to it by its hash), never back to
// from, and only to peers whose announced head shows they can use it
// (engine.RelayUseful). Intercept does not see relays: byzantine
// behaviours rewrite what a node signs, not what it passes on.
func (e *End) RelayConsensus(from engine.PeerID, msgs []consensus.Message) {
	for _, m := range msgs {
		kind, fn, key, height := e.consensusDelivery(m)
		if fn == nil || !e.relayed.add(key) {
			continue
		}
		for _, id := range e.net.ids {
			head, known := e.heads[id]
			if id == from || id == e.id || !known || !engine.RelayUseful(height, head) {
				continue
			}
			e.Relays++
			e.send(id, kind, fn)
		}
	}
}

// SendConsensus sends one consensus message through the codec to peer to,
// or to every peer when to is "".
func (e *End) SendConsensus(to engine.PeerID, m consensus.Message) {
	kind, fn, _, _ := e.consensusDelivery(m)
	if fn == nil {
		return
	}
	if to == "" {
		e.broadcast(kind, fn)
	} else {
		e.send(to, kind, fn)
	}
}

// consensusDelivery encodes a proposal or vote once and returns its kind,
// the delivery that decodes a fresh copy for each receiver, the hash of
// its encoding and its height. For another type it reports a failure and
// returns a nil fn.
func (e *End) consensusDelivery(m consensus.Message) (kind string, fn func(engine.PeerHandler) error, key types.Hash, height uint64) {
	switch m := m.(type) {
	case *consensus.ProposalMsg:
		prop, blk := m.Proposal.Encode(), m.Block.Encode()
		kind, key, height = "proposal", sha256.Sum256(prop), m.Proposal.Height
		fn = func(h engine.PeerHandler) error {
			dp, err := types.DecodeProposal(prop)
			if err != nil {
				e.net.Fail("proposal does not round-trip: %v", err)
				return nil
			}
			db, err := types.DecodeBlock(blk)
			if err != nil {
				e.net.Fail("proposal block does not round-trip: %v", err)
				return nil
			}
			return h.HandleConsensus(e.id, &consensus.ProposalMsg{Proposal: dp, Block: db})
		}
	case *consensus.VoteMsg:
		vote := m.Vote.Encode()
		kind, key, height = "vote", sha256.Sum256(vote), m.Vote.Height
		fn = func(h engine.PeerHandler) error {
			dv, err := types.DecodeVote(vote)
			if err != nil {
				e.net.Fail("vote does not round-trip: %v", err)
				return nil
			}
			return h.HandleConsensus(e.id, &consensus.VoteMsg{Vote: dv})
		}
	default:
		e.net.Fail("a consensus send got a %T", m)
	}
	return kind, fn, key, height
}

func (e *End) BroadcastTxs(txs []*types.Tx) {
	if len(txs) > engine.MaxGossipTxs {
		e.net.Fail("BroadcastTxs with %d txs", len(txs))
	}
	enc := make([][]byte, len(txs))
	for i, tx := range txs {
		enc[i] = tx.Encode()
	}
	e.broadcast("txs", func(h engine.PeerHandler) error {
		out := make([]*types.Tx, len(enc))
		for i, b := range enc {
			tx, err := types.DecodeTx(b)
			if err != nil {
				e.net.Fail("tx does not round-trip: %v", err)
				return nil
			}
			out[i] = tx
		}
		return h.HandleTxs(e.id, out)
	})
}

// BroadcastEvidence sends evidence to every peer but from, each receiver
// decoding its own copy, as the transport does.
func (e *End) BroadcastEvidence(from engine.PeerID, evs []*types.Evidence) {
	if len(evs) == 0 || len(evs) > engine.MaxGossipEvidence {
		e.net.Fail("BroadcastEvidence with %d pieces", len(evs))
		return
	}
	enc := make([][]byte, len(evs))
	for i, ev := range evs {
		enc[i] = ev.Encode()
	}
	deliver := func(h engine.PeerHandler) error {
		out := make([]*types.Evidence, len(enc))
		for i, b := range enc {
			ev, err := types.DecodeEvidence(b)
			if err != nil {
				e.net.Fail("evidence does not round-trip: %v", err)
				return nil
			}
			out[i] = ev
		}
		return h.HandleEvidence(e.id, out)
	}
	for _, id := range e.net.ids {
		if id != from {
			e.send(id, "evidence", deliver)
		}
	}
}

// BroadcastStatus announces e's head; each receiver's end records it for
// its relay decisions once its handler accepts it, as the transport does.
func (e *End) BroadcastStatus(height uint64, hash types.Hash) {
	for _, id := range e.net.ids {
		e.send(id, "status", func(h engine.PeerHandler) error {
			err := h.HandleStatus(e.id, height, hash)
			if err == nil {
				e.net.ends[id].heads[e.id] = height
			}
			return err
		})
	}
}

func (e *End) RequestBlocks(peer engine.PeerID, from uint64, count int) {
	e.send(peer, "block_request", func(h engine.PeerHandler) error { return h.HandleBlockRequest(e.id, from, count) })
}

func (e *End) SendBlocks(peer engine.PeerID, blocks []engine.SyncedBlock) {
	if len(blocks) > engine.MaxSyncBlocks {
		e.net.Fail("SendBlocks with %d blocks", len(blocks))
	}
	type enc struct{ blk, cert []byte }
	x := make([]enc, len(blocks))
	for i, sb := range blocks {
		x[i] = enc{sb.Block.Encode(), sb.Cert.Encode()}
	}
	e.send(peer, "blocks", func(h engine.PeerHandler) error {
		out := make([]engine.SyncedBlock, len(x))
		for i, b := range x {
			blk, err := types.DecodeBlock(b.blk)
			if err != nil {
				e.net.Fail("synced block does not round-trip: %v", err)
				return nil
			}
			cert, err := types.DecodeCommit(b.cert)
			if err != nil {
				e.net.Fail("synced commit does not round-trip: %v", err)
				return nil
			}
			out[i] = engine.SyncedBlock{Block: blk, Cert: cert}
		}
		return h.HandleBlocks(e.id, out)
	})
}

func (e *End) Penalize(peer engine.PeerID, reason error) {
	e.net.Penalties = append(e.net.Penalties, Penalty{By: e.id, Peer: peer, Err: reason})
}

// SetValidators records the list; the simulated network has no slots to
// reserve.
func (e *End) SetValidators(keys []bls.PublicKey) {
	e.Validators = slices.Clone(keys)
	e.ValidatorLists++
}
