package gossip

import (
	"aitbc/engine"
	"aitbc/engine/consensus"
)

// SendConsensusTo sends proposals and votes to one established peer
// (dropped and counted when it is not connected). The node never calls
// it: it is for a wrapper that must send different messages to different
// peers, such as the byzantine build's misbehaving transport, which sends
// one proposal to half of its peers and another to the rest.
func (t *Transport) SendConsensusTo(peer engine.PeerID, msgs []consensus.Message) {
	for _, m := range msgs {
		frame, typ, ok := t.consensusFrame(m)
		if ok {
			t.sendTo(peer, frame, typ)
		}
	}
}

// PeerIDs lists the established peers' IDs, sorted.
func (t *Transport) PeerIDs() []engine.PeerID {
	list := *t.peerList.Load()
	out := make([]engine.PeerID, len(list))
	for i, p := range list {
		out[i] = p.id
	}
	return out
}
