package ws

import (
	"fmt"
	"time"
)

// BlockSource gives the block feed the new_blocks message of any committed
// height: from a cache for recent blocks, from the block store for older
// ones. rpc.Bridge implements it. It is called on the feed goroutine only,
// never on the node's commit path.
type BlockSource interface {
	BlockMessage(height uint64) ([]byte, error)
}

// The block feed delivers new_blocks as a cursor per subscription: each
// subscription has the next height it is owed, and one goroutine hands
// every subscription its next block while that height is committed and
// the connection's queue has room. Replay (from_height in the past) and
// live delivery are the same loop, so a subscription sees every height
// from its start exactly once, in order, whether blocks commit during its
// replay or not. The commit path only records the new head (NotifyBlock):
// encoding and fan-out run here.
//
// The feed fills a connection's queue to half of Config.QueueBytes, so the
// push topics (new_transactions, consensus_events) on the same connection
// keep room. A subscription whose next frame finds no room waits, paced by
// its socket; one that has made no progress for Config.SlowTimeout is closed
// with a close frame naming the last height delivered (dropSlow).

// SetBlockSource switches new_blocks to the block feed; head is the last
// committed height. Call it before Start. Without it, new_blocks is
// delivered by Publish like the other topics and from_height is refused.
func (s *Server) SetBlockSource(src BlockSource, head uint64) {
	s.src = src
	s.head.Store(head)
}

// NotifyBlock tells the feed that height is committed. It never blocks and
// does no work beyond an atomic store and a wake-up: it is meant for the
// node's commit path.
func (s *Server) NotifyBlock(height uint64) {
	for {
		old := s.head.Load()
		if height <= old || s.head.CompareAndSwap(old, height) {
			break
		}
	}
	s.wakeFeed()
}

// Head is the last height NotifyBlock (or SetBlockSource) reported.
func (s *Server) Head() uint64 { return s.head.Load() }

func (s *Server) wakeFeed() {
	select {
	case s.feedWake <- struct{}{}:
	default:
	}
}

// maxFeedCache bounds the block messages one feed round keeps: every live
// subscription wants the same height, replaying ones one each.
const maxFeedCache = 16

// feedLoop runs the block feed until Stop. The ticker bounds how late a
// stalled subscription is noticed.
func (s *Server) feedLoop() {
	defer close(s.feedDone)
	t := time.NewTicker(max(s.cfg.SlowTimeout/4, time.Millisecond))
	defer t.Stop()
	for {
		select {
		case <-s.stopFeed:
			return
		case <-s.feedWake:
		case <-t.C:
		}
		s.feedRound()
	}
}

// feedRound hands out blocks until no subscription can make progress.
func (s *Server) feedRound() {
	limit := s.cfg.QueueBytes / 2
	msgs := map[uint64][]byte{} // this round's messages by height: live subscribers share one
	for {
		head := s.head.Load()
		now := time.Now()
		progress := false
		var due []owed
		s.pubMu.Lock()
		for _, sub := range *s.topics[blocksTopic].Load() {
			ss := sub.subs[blocksTopic]
			if ss == nil || ss.next > head {
				continue
			}
			if !sub.fits(1, limit) { // full: no store read for it this round
				progress = s.feedBlocked(sub, ss, 1, limit, now) || progress
				continue
			}
			due = append(due, owed{sub, ss, ss.next})
		}
		s.pubMu.Unlock()
		if len(due) == 0 && !progress {
			return
		}
		// Read outside pubMu: a store read must not hold up other topics.
		for _, d := range due {
			if _, ok := msgs[d.h]; !ok {
				m, err := s.src.BlockMessage(d.h)
				if err != nil {
					s.log.Error("ws block feed: block unavailable", "height", d.h, "err", err)
				}
				msgs[d.h] = m
			}
		}
		s.pubMu.Lock()
		if s.state.Load() != stateRunning {
			s.pubMu.Unlock()
			return
		}
		for _, d := range due {
			if d.sub.subs[blocksTopic] != d.ss || d.ss.next != d.h {
				continue // unsubscribed, resubscribed or served meanwhile
			}
			m := msgs[d.h]
			if m == nil {
				s.closeWithReason(d.sub, 1011, fmt.Sprintf("block %d unavailable; last height delivered %d", d.h, d.ss.last), closeGrace)
				continue
			}
			need := len(m) + maxMessagePrefix
			if !d.sub.fits(need, limit) {
				progress = s.feedBlocked(d.sub, d.ss, need, limit, now) || progress
				continue
			}
			s.scratch = appendMessage(s.scratch[:0], d.ss.id, d.ss.seq+1, m)
			if d.sub.send(s.scratch) {
				d.ss.seq++
				d.ss.next++
				d.ss.last = d.h
				d.ss.blockedSince = time.Time{}
				s.sent[blocksTopic].Inc()
				progress = true
			}
		}
		if cap(s.scratch) > maxPooledFrame {
			s.scratch = nil
		}
		s.pubMu.Unlock()
		if !progress {
			return
		}
		if len(msgs) > maxFeedCache {
			clear(msgs) // replaying subscriptions each want their own height
		}
	}
}

// owed is a subscription's next block, due this round.
type owed struct {
	sub *subscriber
	ss  *subscription
	h   uint64
}

// maxMessagePrefix bounds what appendMessage adds to a message: the frame
// header (10), {"sub":"s<20 digits>","seq":<20 digits>, (45).
const maxMessagePrefix = 64

// feedBlocked handles a subscription whose next frame (need bytes) does
// not fit: it starts or checks the SlowTimeout clock, drops a subscription
// stalled past it, and otherwise asks the connection to wake the feed
// when its socket drains. It reports true if room appeared meanwhile (try
// again now). Callers hold pubMu.
func (s *Server) feedBlocked(sub *subscriber, ss *subscription, need, limit int, now time.Time) bool {
	if ss.blockedSince.IsZero() {
		ss.blockedSince = now
	} else if now.Sub(ss.blockedSince) > s.cfg.SlowTimeout {
		s.dropSlow(sub)
		return false
	}
	sub.feedWaiting.Store(true)
	if sub.fits(need, limit) { // drained between the check and the flag
		sub.feedWaiting.Store(false)
		return true
	}
	return false
}
