//go:build byzantine

package main

import (
	"fmt"
	"log/slog"
	"math/rand"
	"strings"
	"sync"

	"aitbc/engine"
	"aitbc/engine/bls"
	"aitbc/engine/consensus"
	"aitbc/engine/misbehave"
	"aitbc/engine/types"
	"aitbc/netio/gossip"
)

// byzantineTags reports whether this is the byzantine build.
const byzantineTags = true

// parseMisbehaveList maps devnet node indexes to their modes.
func parseMisbehaveList(s string) (map[int]string, error) {
	as, err := misbehave.Parse(s)
	if err != nil {
		return nil, usageError{err.Error()}
	}
	out := map[int]string{}
	for _, a := range as {
		_, mode, _ := strings.Cut(a.Entry, "=")
		out[a.Node] = mode
	}
	return out, nil
}

// checkMisbehaveMode checks one node's mode (aitbcd start --misbehave).
func checkMisbehaveMode(mode string) error {
	if mode == "" {
		return nil
	}
	if _, err := misbehave.Parse("node0=" + mode); err != nil {
		return usageError{err.Error()}
	}
	return nil
}

// wireMisbehave returns the gossip port and clock of a node running mode:
// a clock skew keeps the transport and offsets the clock; any other mode
// wraps the transport so every consensus message the node sends passes
// through the mode's transform.
func wireMisbehave(mode string, p2p *gossip.Transport, key *bls.SecretKey, gen *types.Genesis, log *slog.Logger) (engine.Gossip, engine.Clock, error) {
	if mode == "" {
		return p2p, nil, nil
	}
	as, err := misbehave.Parse("node0=" + mode)
	if err != nil {
		return nil, nil, err
	}
	a := as[0]
	log.Warn("this node misbehaves on purpose (byzantine build)", "mode", mode)
	if a.Mode == "clock-skew" {
		return p2p, misbehave.Skewed{Base: engine.WallClock{}, Offset: a.Skew}, nil
	}
	if key == nil {
		return nil, nil, fmt.Errorf("--misbehave %s: the node has no validator key", mode)
	}
	idx := -1
	pk := key.PublicKey()
	for i, au := range gen.Authorities {
		if string(au.BLSPubKey) == string(pk[:]) {
			idx = i
		}
	}
	if idx < 0 {
		return nil, nil, fmt.Errorf("--misbehave %s: the validator key is not in the genesis", mode)
	}
	env := &misbehave.Env{Key: key, ChainID: gen.ChainID, Index: idx, Validators: len(gen.Authorities),
		Rng: rand.New(rand.NewSource(int64(idx) + 1))}
	return &misbehavingGossip{Transport: p2p, mode: misbehave.Modes[a.Mode], env: env}, nil, nil
}

// misbehavingGossip is the transport with a mode applied to what the node
// itself sends; everything else (relays, txs, status, sync) passes through.
type misbehavingGossip struct {
	*gossip.Transport
	mode misbehave.Mode

	mu  sync.Mutex // the Env is not safe for concurrent use
	env *misbehave.Env
}

func (g *misbehavingGossip) BroadcastConsensus(msgs []consensus.Message) {
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, m := range msgs {
		out := g.mode(g.env, m)
		if len(out.All) > 0 {
			g.Transport.BroadcastConsensus(out.All)
		}
		if len(out.Half[0])+len(out.Half[1]) == 0 {
			continue
		}
		for k, id := range g.Transport.PeerIDs() {
			if half := out.Half[k%2]; len(half) > 0 {
				g.Transport.SendConsensusTo(id, half)
			}
		}
	}
}
