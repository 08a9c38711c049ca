package gossip

import (
	"crypto/sha256"
	"net/netip"
	"slices"
	"time"

	"aitbc/engine"
	"aitbc/engine/consensus"
	"aitbc/engine/types"
)

// The engine.Gossip methods. Each encodes a frame once and queues the same
// bytes for every peer it goes to; none blocks.

// BroadcastConsensus sends proposals (with their blocks) and votes to
// every peer. Other message kinds are not peer messages and are ignored.
func (t *Transport) BroadcastConsensus(msgs []consensus.Message) {
	now := time.Now().UnixNano()
	for _, m := range msgs {
		frame, typ, ok := t.consensusFrame(m)
		if !ok {
			continue
		}
		// Our own vote: a peer echoing it back is not delivered to us.
		// (Proposals are not recorded: hashing a large block here would
		// delay the consensus loop, and an echo of our own proposal is a
		// duplicate to the core, which neither uses nor relays it.)
		if typ == MsgVote {
			t.dedup.observe(sha256.Sum256(frame[frameHeader:]), "", now, int64(t.cfg.DedupWindow))
		}
		t.sendAll(frame, typ)
	}
}

// consensusFrame encodes a proposal or vote message; ok is false (the
// drop counted and logged) for anything else or an oversized frame.
func (t *Transport) consensusFrame(m consensus.Message) (frame []byte, typ MsgType, ok bool) {
	switch m := m.(type) {
	case *consensus.ProposalMsg:
		if m == nil || m.Proposal == nil || m.Block == nil {
			t.invalid("proposal without proposal or block")
			return nil, 0, false
		}
		frame, typ = proposalFrame(m.Proposal, m.Block), MsgProposal
	case *consensus.VoteMsg:
		if m == nil || m.Vote == nil {
			t.invalid("vote message without a vote")
			return nil, 0, false
		}
		frame, typ = voteFrame(m.Vote), MsgVote
	default:
		t.invalid("not a peer message")
		return nil, 0, false
	}
	if len(frame)-lenPrefix > t.cfg.MaxFrameBytes {
		t.ctr.dropped(dropTooLarge)
		t.log.Error("gossip message exceeds the frame limit", "type", typ.String(), "bytes", len(frame))
		return nil, 0, false
	}
	return frame, typ, true
}

// BroadcastTxs relays txs to every peer except the one each tx came from,
// in batches of at most engine.MaxGossipTxs. Every peer gets one frame per
// batch: the shared one, or, for a peer some of the txs came from, one
// without those.
func (t *Transport) BroadcastTxs(txs []*types.Tx) {
	for len(txs) > 0 {
		n := min(len(txs), engine.MaxGossipTxs)
		t.broadcastTxBatch(txs[:n])
		txs = txs[n:]
	}
}

func (t *Transport) broadcastTxBatch(txs []*types.Tx) {
	size := 0
	for _, tx := range txs {
		if tx == nil {
			t.invalid("nil tx")
			return
		}
		size += tx.Size()
	}
	// One buffer holds every encoding; enc[i] slices it.
	buf := make([]byte, 0, size)
	enc := make([][]byte, len(txs))
	for i, tx := range txs {
		start := len(buf)
		buf = tx.AppendEncode(buf)
		enc[i] = buf[start:]
	}
	origins := make([]engine.PeerID, len(txs))
	var sources []engine.PeerID // distinct origins, in tx order
	now := time.Now().UnixNano()
	t.dedup.mu.Lock()
	for i, e := range enc {
		origins[i] = t.dedup.originLocked(sha256.Sum256(e), now)
		if o := origins[i]; o != "" && !containsID(sources, o) {
			sources = append(sources, o)
		}
	}
	t.dedup.mu.Unlock()

	var shared []byte
	for _, p := range *t.peerList.Load() {
		if !containsID(sources, p.id) {
			if shared == nil {
				shared = txsFrame(enc)
			}
			p.send(shared, MsgTxs)
			continue
		}
		mine := make([][]byte, 0, len(enc))
		for i, e := range enc {
			if origins[i] != p.id {
				mine = append(mine, e)
			}
		}
		if len(mine) > 0 {
			p.send(txsFrame(mine), MsgTxs)
		}
	}
}

func containsID(ids []engine.PeerID, id engine.PeerID) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

// BroadcastEvidence sends evidence to every peer except from, in frames of
// at most engine.MaxGossipEvidence pieces. The node calls it once for each
// piece it newly recorded, so no dedup ring is needed here: a piece comes
// back at most once from each peer, and the node drops it as known.
func (t *Transport) BroadcastEvidence(from engine.PeerID, evs []*types.Evidence) {
	for len(evs) > 0 {
		n := min(len(evs), engine.MaxGossipEvidence)
		batch := evs[:n]
		evs = evs[n:]
		if slices.Contains(batch, nil) {
			t.invalid("nil evidence")
			continue
		}
		frame := evidenceFrame(batch)
		for _, p := range *t.peerList.Load() {
			if p.id != from {
				p.send(frame, MsgEvidence)
			}
		}
	}
}

// BroadcastStatus announces our committed head to every peer, and to each
// peer that connects later.
func (t *Transport) BroadcastStatus(height uint64, hash types.Hash) {
	frame := statusFrame(height, hash)
	t.lastStatus.Store(&frame)
	t.head.Store(height + 1)
	t.sendAll(frame, MsgStatus)
}

// RequestBlocks asks peer for the committed blocks from..from+count-1.
func (t *Transport) RequestBlocks(peer engine.PeerID, from uint64, count int) {
	if from == 0 || count < 1 || count > engine.MaxSyncBlocks {
		t.invalid("block request outside 1..MaxSyncBlocks or from height 0")
		return
	}
	t.sendTo(peer, blockReqFrame(from, uint16(count)), MsgBlockReq)
}

// SendBlocks answers a block request. It sends as many leading blocks as
// fit in one frame (at most engine.MaxSyncBlocks); the requester asks
// again from where the answer ends. A block without its certificate ends
// the answer there.
func (t *Transport) SendBlocks(peer engine.PeerID, blocks []engine.SyncedBlock) {
	p := t.peer(peer)
	if p == nil {
		t.ctr.dropped(dropNoPeer)
		return
	}
	blocks = blocks[:min(len(blocks), engine.MaxSyncBlocks)]
	encB := make([][]byte, 0, len(blocks))
	encC := make([][]byte, 0, len(blocks))
	size := 1 + 2
	for _, sb := range blocks {
		if sb.Block == nil || sb.Cert == nil {
			t.invalid("synced block without block or certificate")
			break
		}
		b, c := sb.Block.Encode(), sb.Cert.Encode()
		if size+8+len(b)+len(c) > t.cfg.MaxFrameBytes {
			if len(encB) == 0 {
				t.ctr.dropped(dropTooLarge)
				t.log.Error("gossip block exceeds the frame limit", "peer", peer, "height", sb.Block.Header.Height, "bytes", len(b))
				return
			}
			break
		}
		size += 8 + len(b) + len(c)
		encB, encC = append(encB, b), append(encC, c)
	}
	p.send(blocksFrame(encB, encC), MsgBlocks)
}

// Penalize counts a bad message against peer; at Config.PenaltyLimit the
// peer is disconnected and banned for Config.BanDuration.
func (t *Transport) Penalize(peer engine.PeerID, reason error) {
	t.penalize(peer, reason)
}

// penalize is Penalize for the transport's own findings too.
func (t *Transport) penalize(id engine.PeerID, reason error) {
	t.mu.Lock()
	ip := t.peers[id].ipOrZero()
	t.mu.Unlock()
	t.penalizeAt(id, ip, reason)
}

// penalizeAt counts a penalty against a node id and the address it
// connected from (also before its handshake completed).
func (t *Transport) penalizeAt(id engine.PeerID, ip netip.Addr, reason error) {
	t.ctr.penalties.Inc()
	now := time.Now()
	t.mu.Lock()
	victim := t.peers[id]
	banned := t.bans.penalize(id, ip, now, t.cfg.PenaltyLimit)
	if banned {
		t.bans.ban(id, ip, now, t.cfg.BanDuration)
	}
	t.mu.Unlock()
	t.log.Debug("gossip peer penalized", "peer", id, "err", reason)
	if !banned {
		return
	}
	t.ctr.bans.Inc()
	t.log.Info("gossip peer banned", "peer", id, "err", reason, "for", t.cfg.BanDuration)
	if victim != nil {
		victim.close(ErrBanned)
	}
}

// sendAll queues frame for every established peer.
func (t *Transport) sendAll(frame []byte, typ MsgType) {
	for _, p := range *t.peerList.Load() {
		p.send(frame, typ)
	}
}

// sendTo queues frame for one peer.
func (t *Transport) sendTo(id engine.PeerID, frame []byte, typ MsgType) {
	p := t.peer(id)
	if p == nil {
		t.ctr.dropped(dropNoPeer)
		return
	}
	p.send(frame, typ)
}

// invalid drops a call whose arguments break the protocol's limits (a
// node bug, not a peer's): counted and logged, never a panic.
func (t *Transport) invalid(what string) {
	t.ctr.dropped(dropInvalid)
	t.log.Warn("gossip dropped an invalid outbound message", "err", what)
}
