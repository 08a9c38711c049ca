//go:build !byzantine

package main

import (
	"errors"
	"log/slog"

	"aitbc/engine"
	"aitbc/engine/bls"
	"aitbc/engine/types"
	"aitbc/netio/gossip"
)

// errNotByzantine rejects --misbehave in the normal build, which links
// none of the byzantine code (engine/misbehave); misbehave_byzantine.go is
// the other half of the pair.
var errNotByzantine = errors.New("--misbehave needs the byzantine build: make byzantine, then bin/aitbcd-byzantine")

// byzantineTags reports whether this is the byzantine build.
const byzantineTags = false

// parseMisbehaveList maps devnet node indexes to their modes.
func parseMisbehaveList(s string) (map[int]string, error) {
	if s != "" {
		return nil, usageError{errNotByzantine.Error()}
	}
	return nil, nil
}

// checkMisbehaveMode checks one node's mode (aitbcd start --misbehave).
func checkMisbehaveMode(mode string) error {
	if mode != "" {
		return usageError{errNotByzantine.Error()}
	}
	return nil
}

// wireMisbehave returns the gossip port and clock of a node running mode:
// in the normal build, the transport itself and the wall clock (nil).
func wireMisbehave(mode string, p2p *gossip.Transport, _ *bls.SecretKey, _ *types.Genesis, _ *slog.Logger) (engine.Gossip, engine.Clock, error) {
	if mode != "" {
		return nil, nil, errNotByzantine
	}
	return p2p, nil, nil
}
