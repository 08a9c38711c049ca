package blocksync

import (
	"log/slog"
	"sync/atomic"
	"time"

	"aitbc/engine"
	"aitbc/engine/metrics"
	"aitbc/engine/types"
)

// HousekeepInterval paces the node's peer chores (Syncer.Housekeep):
// sync timeouts, the periodic status, the peer gauge.
const HousekeepInterval = 100 * time.Millisecond

// Config tunes block sync (embedded in the node's Config).
type Config struct {
	// StatusInterval is how often the node announces its head besides
	// after every commit, so that fresh peers learn it.
	StatusInterval time.Duration
	// PeerTTL is how long a peer's last status counts: a peer silent for
	// longer is not counted in Status.Peers nor asked for blocks.
	PeerTTL time.Duration
	// MaxPeers bounds the table of peers' heads; the stalest entry makes
	// room for a new peer.
	MaxPeers int
	// SyncTimeout is how long a block request may go unanswered before
	// another peer may be asked; the silent peer is passed over for
	// SyncBackoff.
	SyncTimeout time.Duration
	// SyncBackoff is how long a peer that timed out, answered nothing or
	// sent a bad block is not asked for blocks.
	SyncBackoff time.Duration
	// SyncGrace is how long the node waits, one block behind its best
	// peer, before asking for that block: a peer usually commits a moment
	// earlier and our own commit is on its way. Two or more blocks behind,
	// it asks at once.
	SyncGrace time.Duration
}

// Syncer is block sync's state: the peer table, the one request in
// flight, and our last status announcement. The peer table is safe for
// concurrent use (transport goroutines feed it statuses); everything else
// belongs to the node loop, which passes the time in: the Syncer reads no
// clock.
type Syncer struct {
	cfg    Config
	peers  *PeerTable
	gossip engine.Gossip
	m      *metrics.Metrics
	log    *slog.Logger

	syncing atomic.Bool

	// loop only
	inflight    bool
	peer        engine.PeerID
	from        uint64
	count       int
	sentAt      time.Time
	behindSince time.Time // when a peer was first seen ahead of us; zero while level
	need        uint64    // a height to fetch without grace (Need); done once head reaches it
	announced   uint64    // height of our last status
	announcedAt time.Time
}

// NewSyncer returns a Syncer that asks peers for blocks through g.
func NewSyncer(cfg Config, g engine.Gossip, m *metrics.Metrics, log *slog.Logger) *Syncer {
	return &Syncer{cfg: cfg, peers: NewPeerTable(cfg.MaxPeers, cfg.PeerTTL), gossip: g, m: m, log: log}
}

// Peers is the table of peers' announced heads.
func (s *Syncer) Peers() *PeerTable { return s.peers }

// Syncing reports whether the node is behind its best peer and fetching
// blocks (any goroutine).
func (s *Syncer) Syncing() bool { return s.syncing.Load() }

// MaybeSync compares head with the best live peer's and, when we are
// behind and no request is in flight, asks that peer for the next blocks.
// One block behind, it waits SyncGrace first: the peer has usually just
// committed the block we are committing ourselves.
func (s *Syncer) MaybeSync(now time.Time, head uint64) {
	peer, peerHeight, ok := s.peers.Best(now)
	var behind uint64
	if ok && peerHeight > head {
		behind = peerHeight - head
	}
	s.m.BlocksBehind.Set(float64(behind))
	if s.need <= head {
		s.need = 0
	}
	if behind == 0 {
		s.behindSince = time.Time{}
		s.syncing.Store(false)
		return
	}
	if s.behindSince.IsZero() {
		s.behindSince = now
	}
	// A needed height is asked for at once: we know it is decided.
	lagging := behind >= 2 || s.need != 0 || now.Sub(s.behindSince) >= s.cfg.SyncGrace
	s.syncing.Store(lagging)
	if !lagging || s.inflight {
		return
	}
	count := int(min(behind, engine.MaxSyncBlocks))
	s.inflight, s.peer, s.from, s.count, s.sentAt = true, peer, head+1, count, now
	s.m.SyncRequests.Inc()
	s.log.Debug("requesting blocks", "peer", string(peer), "height", head+1, "count", count, "peer_height", peerHeight)
	s.gossip.RequestBlocks(peer, head+1, count)
}

// Need marks height (the one after our head) as decided but missing here:
// it is asked for at once from a peer whose head has it, not after
// SyncGrace, until our head reaches it. It reports whether the need is new.
func (s *Syncer) Need(height uint64) bool {
	if s.need == height {
		return false
	}
	s.need = height
	return true
}

// Housekeep abandons a request unanswered for SyncTimeout (benching its
// peer), updates the peer gauge, syncs if behind, and re-announces head
// every StatusInterval.
func (s *Syncer) Housekeep(now time.Time, head engine.Head) {
	if s.inflight && now.Sub(s.sentAt) >= s.cfg.SyncTimeout {
		s.m.SyncTimeouts.Inc()
		s.log.Info("block request timed out", "peer", string(s.peer), "height", s.from, "count", s.count)
		s.Bench(s.peer, now)
		s.inflight = false
	}
	s.m.Peers.Set(float64(s.peers.Live(now)))
	s.MaybeSync(now, head.Height)
	if now.Sub(s.announcedAt) >= s.cfg.StatusInterval {
		s.Announce(now, head, true)
	}
}

// Announce broadcasts our head when it moved since the last announcement,
// or always with force.
func (s *Syncer) Announce(now time.Time, head engine.Head, force bool) {
	if !force && head.Height == s.announced {
		return
	}
	s.announced, s.announcedAt = head.Height, now
	s.gossip.BroadcastStatus(head.Height, head.Hash)
	if !force {
		s.MaybeSync(now, head.Height) // the gap changed
	}
}

// Answered notes a block-sync answer from peer with n blocks: if it is the
// answer to our request, the request is done; an empty one means the peer
// has none of what we asked for, so its announced head was wrong (or it
// fell back) and is believed again only when it announces a new one.
func (s *Syncer) Answered(peer engine.PeerID, n int) {
	if !s.inflight || peer != s.peer {
		return
	}
	s.inflight = false
	if n == 0 {
		s.peers.Lower(peer, s.from-1)
	}
}

// Bench passes peer over for block requests for SyncBackoff.
func (s *Syncer) Bench(peer engine.PeerID, now time.Time) {
	s.peers.Bench(peer, now.Add(s.cfg.SyncBackoff))
}

// Status records a peer's announced head and reports whether the node
// should consider syncing (news of a head above ours).
func (s *Syncer) Status(peer engine.PeerID, height uint64, hash types.Hash, now time.Time, head uint64) bool {
	return s.peers.Update(peer, height, hash, now) && height > head
}

// Live counts the peers heard from within PeerTTL.
func (s *Syncer) Live(now time.Time) int { return s.peers.Live(now) }
