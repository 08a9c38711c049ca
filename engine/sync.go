package engine

import (
	"errors"
	"time"

	"aitbc/engine/consensus"
	"aitbc/engine/types"
)

const (
	// housekeepInterval paces the loop's peer chores: sync timeouts, the
	// periodic status, the peer gauge.
	housekeepInterval = 100 * time.Millisecond
	// maxServeBytes stops a block-sync answer before it grows past this
	// many encoded bytes (one block is always sent, whatever its size).
	maxServeBytes = 16 << 20
)

// syncState is block sync's progress (loop only): at most one request is
// in flight; a request unanswered for Config.SyncTimeout is abandoned and
// another peer may be asked.
type syncState struct {
	inflight    bool
	peer        PeerID
	from        uint64
	count       int
	sentAt      time.Time
	behindSince time.Time // when a peer was first seen ahead of us; zero while level
}

// announcement is the last status we broadcast (loop only).
type announcement struct {
	height uint64
	at     time.Time
}

// now is the wall clock of the peer side. Block sync and status timing
// decide nothing in consensus, and must keep working when tests freeze the
// Clock that stamps blocks.
func (n *Node) now() time.Time { return time.Now() }

// kickSync tells the loop a peer may be ahead; it never blocks.
func (n *Node) kickSync() {
	select {
	case n.syncKick <- struct{}{}:
	default:
	}
}

// maybeSync compares our head with the best live peer's and, when we are
// behind and no request is in flight, asks that peer for the next blocks
// (loop only). One block behind, it waits Config.SyncGrace first: the peer
// has usually just committed the block we are committing ourselves.
func (n *Node) maybeSync() {
	if !n.peered {
		return
	}
	now := n.now()
	head := n.head.Load().Height
	peer, peerHeight, ok := n.peers.best(now)
	var behind uint64
	if ok && peerHeight > head {
		behind = peerHeight - head
	}
	n.m.BlocksBehind.Set(float64(behind))
	s := &n.catchup
	if behind == 0 {
		s.behindSince = time.Time{}
		n.syncing.Store(false)
		return
	}
	if s.behindSince.IsZero() {
		s.behindSince = now
	}
	lagging := behind >= 2 || now.Sub(s.behindSince) >= n.cfg.SyncGrace
	n.syncing.Store(lagging)
	if !lagging || s.inflight {
		return
	}
	count := int(min(peerHeight-head, MaxSyncBlocks))
	s.inflight, s.peer, s.from, s.count, s.sentAt = true, peer, head+1, count, now
	n.m.SyncRequests.Inc()
	n.log.Debug("requesting blocks", "peer", string(peer), "height", head+1, "count", count, "peer_height", peerHeight)
	n.gossip.RequestBlocks(peer, head+1, count)
}

// housekeep runs the peer side's periodic chores (loop only).
func (n *Node) housekeep() {
	now := n.now()
	s := &n.catchup
	if s.inflight && now.Sub(s.sentAt) >= n.cfg.SyncTimeout {
		n.m.SyncTimeouts.Inc()
		n.log.Info("block request timed out", "peer", string(s.peer), "height", s.from, "count", s.count)
		n.peers.bench(s.peer, now.Add(n.cfg.SyncBackoff))
		s.inflight = false
	}
	n.m.Peers.Set(float64(n.peers.live(now)))
	n.maybeSync()
	if now.Sub(n.announced.at) >= n.cfg.StatusInterval {
		n.announce(true)
	}
}

// announce broadcasts our head when it moved since the last announcement,
// or always with force (loop only).
func (n *Node) announce(force bool) {
	if !n.peered {
		return
	}
	h := n.head.Load()
	if !force && h.Height == n.announced.height {
		return
	}
	n.announced = announcement{height: h.Height, at: n.now()}
	n.gossip.BroadcastStatus(h.Height, h.Hash)
	if !force {
		n.maybeSync() // the gap changed
	}
}

// applySynced commits the blocks of a block-sync answer in height order,
// each as a CommitMsg followed by a full drain, so that every block is
// stored before the next is stepped (loop only). Blocks we already have are
// skipped; a block that does not fit its header or certificate ends the
// batch and counts against the peer.
func (n *Node) applySynced(pb peerBlocks) {
	s := &n.catchup
	answered := s.inflight && pb.peer == s.peer
	if answered {
		s.inflight = false
		if len(pb.blocks) == 0 {
			// The peer has none of what we asked for: its announced head
			// was wrong (or it fell back); believe it again when it
			// announces a new one.
			n.peers.lower(pb.peer, s.from-1)
		}
	}
	synced := 0
	for _, sb := range pb.blocks {
		if n.stopped() {
			return
		}
		h := sb.Block.Header.Height
		head := n.head.Load().Height
		if h <= head {
			continue
		}
		if h > head+1 {
			break // a gap: nothing more in this answer is usable
		}
		if err := checkBody(sb.Block); err != nil {
			n.penalize(pb.peer, "bad_block", err)
			n.peers.bench(pb.peer, n.now().Add(n.cfg.SyncBackoff))
			break
		}
		if err := n.core.Step(&consensus.CommitMsg{Block: sb.Block, Cert: sb.Cert}); err != nil {
			switch {
			case errors.Is(err, consensus.ErrBadSignature):
				n.penalize(pb.peer, "bad_certificate", err)
				n.peers.bench(pb.peer, n.now().Add(n.cfg.SyncBackoff))
			case errors.Is(err, consensus.ErrInvalid):
				n.penalize(pb.peer, "bad_block", err)
				n.peers.bench(pb.peer, n.now().Add(n.cfg.SyncBackoff))
			default:
				n.log.Debug("synced block not used", "peer", string(pb.peer), "height", h, "err", err)
			}
			break
		}
		n.drain()
		if n.head.Load().Height < h {
			break // not committed: the node halted
		}
		synced++
		n.m.BlocksSynced.Inc()
	}
	if synced > 0 {
		n.log.Info("synced blocks", "peer", string(pb.peer), "count", synced, "height", n.head.Load().Height)
	}
	// Short of the peer's head: ask for the next range.
	n.maybeSync()
}

// checkBody checks what a block's hash does not cover directly: that its
// txs and last commit are the ones its header commits to. The certificate
// covers only the header, so a peer could otherwise pair a certified header
// with other txs, and the node would halt on a "certified" block that does
// not validate.
func checkBody(b *types.Block) error {
	h := &b.Header
	if types.MerkleRoot(b.TxHashes()) != h.TxRoot {
		return badPeerMsg("block %d: txs do not match the header's tx root", h.Height)
	}
	if h.Height == 1 {
		if b.LastCommit != nil || !h.LastCommitHash.IsZero() {
			return badPeerMsg("block 1 carries a last commit")
		}
		return nil
	}
	if b.LastCommit == nil || b.LastCommit.Hash() != h.LastCommitHash {
		return badPeerMsg("block %d: last commit does not match the header", h.Height)
	}
	return nil
}

// serveBlocks answers peers' block requests from the block store, one at a
// time, off the transport's goroutines.
func (n *Node) serveBlocks() {
	defer n.workers.Done()
	for {
		select {
		case <-n.stop:
			return
		case r := <-n.serveIn:
			n.answerBlocks(r)
		}
	}
}

// answerBlocks sends the requested blocks we have (up to our head, and
// short of maxServeBytes), or an empty answer when we have none.
func (n *Node) answerBlocks(r blockRequest) {
	head := n.head.Load().Height
	var out []SyncedBlock
	size := 0
	for i := 0; i < r.count; i++ {
		h := r.from + uint64(i)
		if h > head || h < r.from {
			break
		}
		blk, err := n.store.Block(h)
		if err != nil {
			n.log.Warn("block request: read block", "peer", string(r.peer), "height", h, "err", err)
			break
		}
		cert, err := n.store.CommitCert(h)
		if err != nil {
			n.log.Warn("block request: read commit", "peer", string(r.peer), "height", h, "err", err)
			break
		}
		sz := encodedSize(blk)
		if len(out) > 0 && size+sz > maxServeBytes {
			break
		}
		out = append(out, SyncedBlock{Block: blk, Cert: cert})
		size += sz
	}
	n.m.BlocksServed.Add(float64(len(out)))
	n.gossip.SendBlocks(r.peer, out)
}

// encodedSize is the length of blk.Encode() without encoding it.
func encodedSize(blk *types.Block) int {
	sz := len(blk.Header.Encode()) + 4 + 1
	for _, tx := range blk.Txs {
		sz += 4 + tx.Size()
	}
	if blk.LastCommit != nil {
		sz += len(blk.LastCommit.Encode())
	}
	return sz
}
