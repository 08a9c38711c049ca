package gossip

import (
	"crypto/sha256"
	"errors"

	"aitbc/engine"
)

// Dispatch: the messages of an established peer, decoded and handed to
// the node's engine.PeerHandler (or answered here: PING), with dedup of
// proposals, votes and txs on the way.

// onMessage decodes and delivers one message of an established peer. A
// decoding error is returned (the caller drops the frame and penalizes);
// a handler's rejection is counted here.
func (t *Transport) onMessage(p *peer, typ MsgType, payload []byte, now int64) error {
	h := t.handler
	var herr error
	switch typ {
	case MsgPing:
		nonce, err := decodePing(typ, payload)
		if err != nil {
			return err
		}
		p.send(pingFrame(MsgPong, nonce), MsgPong)
	case MsgPong:
		if _, err := decodePing(typ, payload); err != nil {
			return err
		}
	case MsgStatus:
		m, err := decodeStatus(payload)
		if err != nil {
			return err
		}
		if herr = h.HandleStatus(p.id, m.height, m.hash); herr == nil {
			p.announce(m.height)
		}
	case MsgProposal:
		if key, ok := proposalKey(payload); ok {
			t.heard.add(key, p.id)
		}
		if t.dedup.observe(sha256.Sum256(payload), p.id, now, int64(t.cfg.DedupWindow)) {
			t.ctr.dropped(dropDedup)
			return nil
		}
		m, err := decodeProposal(payload)
		if err != nil {
			return err
		}
		herr = h.HandleConsensus(p.id, m)
	case MsgVote:
		key := sha256.Sum256(payload) // the vote's relay key too (relayFrame)
		t.heard.add(key, p.id)
		if t.dedup.observe(key, p.id, now, int64(t.cfg.DedupWindow)) {
			t.ctr.dropped(dropDedup)
			return nil
		}
		m, err := decodeVote(payload)
		if err != nil {
			return err
		}
		herr = h.HandleConsensus(p.id, m)
	case MsgTxs:
		txs, hashes, err := decodeTxs(payload)
		if err != nil {
			return err
		}
		fresh := txs[:0]
		t.dedup.mu.Lock()
		for i, tx := range txs {
			if !t.dedup.observeLocked(hashes[i], p.id, now, 0) {
				fresh = append(fresh, tx)
			}
		}
		t.dedup.mu.Unlock()
		if len(fresh) == 0 {
			t.ctr.dropped(dropDedup)
			return nil
		}
		herr = h.HandleTxs(p.id, fresh)
	case MsgBlockReq:
		m, err := decodeBlockReq(payload)
		if err != nil {
			return err
		}
		herr = h.HandleBlockRequest(p.id, m.from, m.count)
	case MsgBlocks:
		blocks, err := decodeBlocks(payload)
		if err != nil {
			return err
		}
		herr = h.HandleBlocks(p.id, blocks)
	case MsgEvidence:
		evs, err := decodeEvidence(payload)
		if err != nil {
			return err
		}
		herr = h.HandleEvidence(p.id, evs)
	default:
		return &FrameError{Type: typ, Field: "type", Err: ErrUnknownType}
	}
	if herr != nil {
		if errors.Is(herr, engine.ErrBadPeerMessage) {
			t.penalize(p.id, herr)
		} else {
			t.log.Warn("gossip handler failed", "peer", p.id, "type", typ.String(), "err", herr)
		}
	}
	return nil
}
