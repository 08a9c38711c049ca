package engine

import (
	"cmp"
	"slices"
	"sync"
	"sync/atomic"
	"testing"

	"aitbc/engine/consensus"
	"aitbc/engine/types"
)

// memNet is the in-memory twin of the gossip transport (netio/gossip): a
// hub that connects nodes by PeerID, in the manner of hashicorp/raft's
// test cluster. Every message goes through the canonical codec (each
// receiver decodes its own copy, as over a socket) and is delivered
// asynchronously from a bounded per-receiver queue by one goroutine per
// receiver; a full queue drops, like the real transport. Links can be cut
// (Disconnect, Partition) and restored (Heal); a node can be detached while
// it is down and attached again after a restart.
type memNet struct {
	t       testing.TB
	mu      sync.Mutex
	peers   map[PeerID]*memPeer
	cut     map[[2]PeerID]bool
	penalty []memPenalty
	dropped atomic.Int64
	closed  chan struct{}
	wg      sync.WaitGroup
}

// memPenalty is one Penalize call, or one error a handler returned (which
// the real transport counts the same way).
type memPenalty struct {
	by, peer PeerID
	err      error
}

// memPeer is one node's end of the hub; it is the Gossip the node calls.
type memPeer struct {
	net *memNet
	id  PeerID
	mu  sync.Mutex
	h   PeerHandler // nil while detached
	q   chan memDelivery
}

// memDelivery is one message on its way to a peer's handler.
type memDelivery struct {
	from PeerID
	fn   func(PeerHandler) error
}

const memQueue = 4096

func newMemNet(t testing.TB) *memNet {
	n := &memNet{t: t, peers: map[PeerID]*memPeer{}, cut: map[[2]PeerID]bool{}, closed: make(chan struct{})}
	t.Cleanup(n.close)
	return n
}

// peer returns id's end of the hub, creating it (detached) if new.
func (n *memNet) peer(id PeerID) *memPeer {
	n.mu.Lock()
	defer n.mu.Unlock()
	if p := n.peers[id]; p != nil {
		return p
	}
	p := &memPeer{net: n, id: id, q: make(chan memDelivery, memQueue)}
	n.peers[id] = p
	n.wg.Add(1)
	go p.deliver()
	return p
}

// attach routes messages for id to h (nil detaches).
func (n *memNet) attach(id PeerID, h PeerHandler) {
	p := n.peer(id)
	p.mu.Lock()
	p.h = h
	p.mu.Unlock()
}

func linkKey(a, b PeerID) [2]PeerID {
	if b < a {
		a, b = b, a
	}
	return [2]PeerID{a, b}
}

// disconnect cuts every link of id.
func (n *memNet) disconnect(id PeerID) {
	n.mu.Lock()
	defer n.mu.Unlock()
	for other := range n.peers {
		if other != id {
			n.cut[linkKey(id, other)] = true
		}
	}
}

// partition cuts every link between different groups.
func (n *memNet) partition(groups ...[]PeerID) {
	n.mu.Lock()
	defer n.mu.Unlock()
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

// heal restores every link.
func (n *memNet) heal() {
	n.mu.Lock()
	defer n.mu.Unlock()
	clear(n.cut)
}

func (n *memNet) linked(a, b PeerID) bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	return a != b && !n.cut[linkKey(a, b)]
}

// penalties returns the penalties given to peer so far.
func (n *memNet) penalties(peer PeerID) []memPenalty {
	n.mu.Lock()
	defer n.mu.Unlock()
	var out []memPenalty
	for _, p := range n.penalty {
		if p.peer == peer {
			out = append(out, p)
		}
	}
	return out
}

func (n *memNet) addPenalty(p memPenalty) {
	n.mu.Lock()
	n.penalty = append(n.penalty, p)
	n.mu.Unlock()
}

func (n *memNet) close() {
	select {
	case <-n.closed:
		return
	default:
	}
	close(n.closed)
	n.wg.Wait()
}

// others lists the peers other than from, in id order.
func (n *memNet) others(from PeerID) []*memPeer {
	n.mu.Lock()
	defer n.mu.Unlock()
	var out []*memPeer
	for id, p := range n.peers {
		if id != from {
			out = append(out, p)
		}
	}
	slices.SortFunc(out, func(a, b *memPeer) int { return cmp.Compare(a.id, b.id) })
	return out
}

// send queues a delivery from p to the peer to, unless their link is cut
// or to's queue is full.
func (p *memPeer) send(to *memPeer, fn func(PeerHandler) error) {
	if !p.net.linked(p.id, to.id) {
		return
	}
	select {
	case <-p.net.closed:
		return
	default:
	}
	select {
	case to.q <- memDelivery{from: p.id, fn: fn}:
	default:
		p.net.dropped.Add(1)
	}
}

func (p *memPeer) deliver() {
	defer p.net.wg.Done()
	for {
		select {
		case <-p.net.closed:
			return
		case d := <-p.q:
			p.mu.Lock()
			h := p.h
			p.mu.Unlock()
			if h == nil || !p.net.linked(d.from, p.id) {
				continue // down, or cut while in flight
			}
			if err := d.fn(h); err != nil {
				p.net.addPenalty(memPenalty{by: p.id, peer: d.from, err: err})
			}
		}
	}
}

func (p *memPeer) broadcast(fn func(PeerHandler) error) {
	for _, to := range p.net.others(p.id) {
		p.send(to, fn)
	}
}

func (p *memPeer) to(id PeerID) *memPeer {
	p.net.mu.Lock()
	defer p.net.mu.Unlock()
	return p.net.peers[id]
}

// Gossip, as the node sees it.

var _ Gossip = (*memPeer)(nil)

func (p *memPeer) BroadcastConsensus(msgs []consensus.Message) {
	for _, m := range msgs {
		switch m := m.(type) {
		case *consensus.ProposalMsg:
			prop, blk := m.Proposal.Encode(), m.Block.Encode()
			p.broadcast(func(h PeerHandler) error {
				dp, err := types.DecodeProposal(prop)
				if err != nil {
					p.net.t.Errorf("proposal does not round-trip: %v", err)
					return nil
				}
				db, err := types.DecodeBlock(blk)
				if err != nil {
					p.net.t.Errorf("proposal block does not round-trip: %v", err)
					return nil
				}
				return h.HandleConsensus(p.id, &consensus.ProposalMsg{Proposal: dp, Block: db})
			})
		case *consensus.VoteMsg:
			vote := m.Vote.Encode()
			p.broadcast(func(h PeerHandler) error {
				dv, err := types.DecodeVote(vote)
				if err != nil {
					p.net.t.Errorf("vote does not round-trip: %v", err)
					return nil
				}
				return h.HandleConsensus(p.id, &consensus.VoteMsg{Vote: dv})
			})
		default:
			p.net.t.Errorf("BroadcastConsensus got a %T", m)
		}
	}
}

func (p *memPeer) BroadcastTxs(txs []*types.Tx) {
	if len(txs) > MaxGossipTxs {
		p.net.t.Errorf("BroadcastTxs with %d txs", len(txs))
	}
	enc := make([][]byte, len(txs))
	for i, tx := range txs {
		enc[i] = tx.Encode()
	}
	p.broadcast(func(h PeerHandler) error {
		out := make([]*types.Tx, len(enc))
		for i, b := range enc {
			tx, err := types.DecodeTx(b)
			if err != nil {
				p.net.t.Errorf("tx does not round-trip: %v", err)
				return nil
			}
			out[i] = tx
		}
		return h.HandleTxs(p.id, out)
	})
}

func (p *memPeer) BroadcastStatus(height uint64, hash types.Hash) {
	p.broadcast(func(h PeerHandler) error { return h.HandleStatus(p.id, height, hash) })
}

func (p *memPeer) RequestBlocks(peer PeerID, from uint64, count int) {
	if to := p.to(peer); to != nil {
		p.send(to, func(h PeerHandler) error { return h.HandleBlockRequest(p.id, from, count) })
	}
}

func (p *memPeer) SendBlocks(peer PeerID, blocks []SyncedBlock) {
	if len(blocks) > MaxSyncBlocks {
		p.net.t.Errorf("SendBlocks with %d blocks", len(blocks))
	}
	type enc struct{ blk, cert []byte }
	e := make([]enc, len(blocks))
	for i, sb := range blocks {
		e[i] = enc{sb.Block.Encode(), sb.Cert.Encode()}
	}
	to := p.to(peer)
	if to == nil {
		return
	}
	p.send(to, func(h PeerHandler) error {
		out := make([]SyncedBlock, len(e))
		for i, x := range e {
			blk, err := types.DecodeBlock(x.blk)
			if err != nil {
				p.net.t.Errorf("synced block does not round-trip: %v", err)
				return nil
			}
			cert, err := types.DecodeCommit(x.cert)
			if err != nil {
				p.net.t.Errorf("synced commit does not round-trip: %v", err)
				return nil
			}
			out[i] = SyncedBlock{Block: blk, Cert: cert}
		}
		return h.HandleBlocks(p.id, out)
	})
}

func (p *memPeer) Penalize(peer PeerID, reason error) {
	p.net.addPenalty(memPenalty{by: p.id, peer: peer, err: reason})
}
