package gossip

import (
	"crypto/sha256"
	"time"

	"aitbc/engine"
	"aitbc/engine/consensus"
)

// Relay of consensus messages (docs/spec.md §16.8, docs/adr/011). The
// node hands over only peers' proposals and votes that its consensus core
// accepted (signature verified, new, of the height being decided or the
// next); the transport decides where they go:
//
//   - once: a ring of the hashes of what it relayed (DedupEntries long)
//     drops a message relayed already;
//   - not stale: a message of a height at or below our announced head is
//     dropped (the core accepted it before we committed; nobody we could
//     send it to still needs it);
//   - never back to the peer it came from, nor to a peer that sent it to
//     us too (heardFrom: its copy came while the node held or checked the
//     message), and only to peers whose last
//     STATUS shows they can use it (engine.RelayUseful): not to one that
//     committed its height, nor to one so far behind that it would take it
//     as from the future (it needs block sync), nor to one that has not
//     announced a head yet;
//   - bounded: a relayed frame may fill at most half of a peer's send
//     queue (frames and bytes), so relays never crowd out our own
//     messages; past that it is dropped for that peer and counted.
//
// Each relayed frame is encoded once and shared by every recipient, as a
// broadcast is.

// relayShare is the part of a peer's send queue relayed frames may use:
// the rest stays free for our own proposals, votes and status.
const relayShare = 2

// relayDrop reasons (aitbc_gossip_relay_dropped_total{reason}).
const (
	relayDropSeen      = "seen"       // relayed once already
	relayDropStale     = "stale"      // of a height we committed
	relayDropQueueFull = "queue_full" // the peer's relay share of its queue is full
	relayDropTooLarge  = "too_large"  // does not fit in a frame
	relayDropInvalid   = "invalid"    // not a proposal or vote, or a nil field
	relayDropHeard     = "heard"      // the peer sent it to us: it has it
)

var relayDropReasons = []string{relayDropSeen, relayDropStale, relayDropQueueFull, relayDropTooLarge, relayDropInvalid, relayDropHeard}

// RelayConsensus passes peers' accepted proposals and votes on (see the
// rules above). It never blocks.
func (t *Transport) RelayConsensus(from engine.PeerID, msgs []consensus.Message) {
	now := time.Now().UnixNano()
	for _, m := range msgs {
		frame, typ, key, height, ok := relayFrame(m)
		if !ok {
			t.ctr.relayDropped(relayDropInvalid)
			continue
		}
		if len(frame)-lenPrefix > t.cfg.MaxFrameBytes {
			t.ctr.relayDropped(relayDropTooLarge)
			continue
		}
		if head := t.head.Load(); head > 0 && height <= head-1 {
			t.ctr.relayDropped(relayDropStale)
			continue
		}
		if t.relayed.observe(key, from, now, 0) {
			t.ctr.relayDropped(relayDropSeen)
			continue
		}
		for _, p := range *t.peerList.Load() {
			if p.id == from || !p.needs(height) {
				continue
			}
			if t.heard.has(key, p.id) {
				t.ctr.relayDropped(relayDropHeard)
				continue
			}
			if p.sendWithin(frame, typ, t.cfg.SendQueueFrames/relayShare, t.cfg.SendQueueBytes/relayShare) {
				t.ctr.relayedFrame(typ)
			} else {
				t.ctr.relayDropped(relayDropQueueFull)
			}
		}
	}
}

// relayFrame encodes a proposal or vote and returns its frame, type, the
// hash that identifies it (of the proposal's or vote's encoding: a
// proposal's block is bound to it by the block hash it signs) and its
// height; ok is false for anything else.
func relayFrame(m consensus.Message) (frame []byte, typ MsgType, key [32]byte, height uint64, ok bool) {
	switch m := m.(type) {
	case *consensus.ProposalMsg:
		if m == nil || m.Proposal == nil || m.Block == nil {
			return nil, 0, key, 0, false
		}
		return proposalFrame(m.Proposal, m.Block), MsgProposal, sha256.Sum256(m.Proposal.Encode()), m.Proposal.Height, true
	case *consensus.VoteMsg:
		if m == nil || m.Vote == nil {
			return nil, 0, key, 0, false
		}
		f := voteFrame(m.Vote)
		return f, MsgVote, sha256.Sum256(f[frameHeader:]), m.Vote.Height, true
	}
	return nil, 0, key, 0, false
}

// announce records the committed height a peer's STATUS announced.
func (p *peer) announce(height uint64) { p.announced.Store(height + 1) }

// needs reports whether the peer, by its last STATUS, can use a consensus
// message of height h (engine.RelayUseful); false before its first STATUS.
func (p *peer) needs(h uint64) bool {
	a := p.announced.Load()
	return a > 0 && engine.RelayUseful(h, a-1)
}
