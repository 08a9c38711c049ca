package blocksync

import (
	"fmt"
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
	cfg           Config
	maxBlockBytes int // the chain's max_block_bytes: tells an honest short answer (MaxServeBytes) from a withheld one
	peers         *PeerTable
	gossip        engine.Gossip
	m             *metrics.Metrics
	log           *slog.Logger

	syncing atomic.Bool

	// loop only
	inflight    bool
	req         request // the request in flight
	sentAt      time.Time
	abandoned   []request // the last requests given up on (SyncTimeout), newest last; a late answer to one is still ours
	answered    []request // the last requests answered, newest last; one repeat of an answer is a duplicate, not unsolicited
	behindSince time.Time // when a peer was first seen ahead of us; zero while level
	need        uint64    // a height to fetch without grace (Need); done once head reaches it
	announced   uint64    // height of our last status
	announcedAt time.Time
}

// request is one block request: count blocks from height from, of peer.
type request struct {
	peer  engine.PeerID
	from  uint64
	count int
}

// maxAbandoned bounds the abandoned requests remembered for late answers.
const maxAbandoned = 4

// NewSyncer returns a Syncer that asks peers for blocks through g, on a
// chain whose blocks are at most maxBlockBytes encoded.
func NewSyncer(cfg Config, maxBlockBytes int, g engine.Gossip, m *metrics.Metrics, log *slog.Logger) *Syncer {
	return &Syncer{cfg: cfg, maxBlockBytes: maxBlockBytes, peers: NewPeerTable(cfg.MaxPeers, cfg.PeerTTL), gossip: g, m: m, log: log}
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
	s.inflight, s.req, s.sentAt = true, request{peer: peer, from: head + 1, count: count}, now
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
		s.log.Info("block request timed out", "peer", string(s.req.peer), "height", s.req.from, "count", s.req.count)
		s.Sideline(s.req.peer, "timeout", now)
		s.remember(&s.abandoned, s.req)
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

// Answered judges a block-sync answer from peer (its blocks ascend by one
// height; the node checked that) before the node applies it.
//
// A repeat of an answer to one of the last requests answered by peer
// (the network duplicated the request or the answer) is let through once
// without judging it again: its blocks are below our head by now and
// skipped. Blocks we did not ask for — no request to this peer
// outstanding, recently abandoned or just answered, or heights outside
// the request — return an error
// wrapping ErrUnsolicited: the node drops it and penalizes the peer,
// and the peer is sidelined. Otherwise it is the answer to that request,
// which is done. A peer that claimed the heights and does not deliver them
// is sidelined too, though not penalized (it may be honest and slow, or
// have fallen back): an empty answer, or a short one that the server's
// MaxServeBytes cut cannot explain; its claim is lowered to what it sent
// and believed again only when it announces a new head.
func (s *Syncer) Answered(peer engine.PeerID, blocks []engine.SyncedBlock, now time.Time) error {
	req, ok := s.takeRequest(peer)
	dup := false
	if !ok {
		req, ok = s.takeAnswered(peer)
		dup = ok
	}
	if !ok && len(blocks) == 0 {
		return nil // "none of those" that we did not ask for: nothing to drop
	}
	if !ok {
		s.Sideline(peer, "unsolicited", now)
		return fmt.Errorf("%w: %d blocks from %s with no request to it outstanding", ErrUnsolicited, len(blocks), peer)
	}
	if len(blocks) == 0 {
		if dup {
			return nil
		}
		s.remember(&s.answered, req)
		s.peers.Lower(peer, req.from-1)
		s.Sideline(peer, "empty", now)
		return nil
	}
	first := blocks[0].Block.Header.Height
	if first != req.from || len(blocks) > req.count {
		s.Sideline(peer, "unsolicited", now)
		return fmt.Errorf("%w: %s sent heights %d..%d for a request of %d..%d", ErrUnsolicited, peer,
			first, first+uint64(len(blocks))-1, req.from, req.from+uint64(req.count)-1)
	}
	if dup {
		return nil
	}
	s.remember(&s.answered, req)
	if len(blocks) < req.count {
		size := 0
		for _, sb := range blocks {
			size += sb.Block.EncodedSize()
		}
		// Serve stops before a block that would take the answer past
		// MaxServeBytes, and a block is at most maxBlockBytes: an honest
		// short answer is longer than their difference.
		if size <= MaxServeBytes-s.maxBlockBytes {
			s.peers.Lower(peer, req.from+uint64(len(blocks))-1)
			s.Sideline(peer, "short", now)
		}
	}
	return nil
}

// remember appends r to list, keeping the newest maxAbandoned.
func (s *Syncer) remember(list *[]request, r request) {
	if len(*list) == maxAbandoned {
		*list = append((*list)[:0], (*list)[1:]...)
	}
	*list = append(*list, r)
}

// takeAnswered finds and forgets a request peer answered recently, whose
// answer has come again.
func (s *Syncer) takeAnswered(peer engine.PeerID) (request, bool) {
	return take(&s.answered, peer)
}

// take removes and returns the newest request of peer in list.
func take(list *[]request, peer engine.PeerID) (request, bool) {
	for i := len(*list) - 1; i >= 0; i-- {
		if r := (*list)[i]; r.peer == peer {
			*list = append((*list)[:i], (*list)[i+1:]...)
			return r, true
		}
	}
	return request{}, false
}

// takeRequest finds and ends the request peer's answer answers: the one
// in flight, or one abandoned after SyncTimeout (a late answer).
func (s *Syncer) takeRequest(peer engine.PeerID) (request, bool) {
	if s.inflight && s.req.peer == peer {
		s.inflight = false
		return s.req, true
	}
	return take(&s.abandoned, peer)
}

// Sideline passes peer over for block requests for SyncBackoff (its
// claimed head stops counting meanwhile: Best) and counts why; reason is
// a metric label. Not a ban: the peer may be honest and slow.
func (s *Syncer) Sideline(peer engine.PeerID, reason string, now time.Time) {
	s.m.SyncSidelined.WithLabelValues(reason).Inc()
	s.log.Debug("peer sidelined for block sync", "peer", string(peer), "reason", reason, "for", s.cfg.SyncBackoff)
	s.peers.Bench(peer, now.Add(s.cfg.SyncBackoff))
}

// Status records a peer's announced head and reports whether the node
// should consider syncing (news of a head above ours).
func (s *Syncer) Status(peer engine.PeerID, height uint64, hash types.Hash, now time.Time, head uint64) bool {
	return s.peers.Update(peer, height, hash, now) && height > head
}

// Live counts the peers heard from within PeerTTL.
func (s *Syncer) Live(now time.Time) int { return s.peers.Live(now) }
