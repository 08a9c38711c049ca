package main

import (
	"time"

	"aitbc/engine/consensus"
	"aitbc/engine/node"
	"aitbc/engine/types"
	"aitbc/engine/validators"
	"aitbc/internal/config"
	"aitbc/observability"
)

// signerIndex tells the SigningWatch where this validator sits in the set
// that signed a height's certificate. The set is the genesis authorities
// at every height until validator-set changes land (issue #8); a full node,
// or a key that is not in the set, has no index.
func signerIndex(g *types.Genesis, s *consensus.KeySigner) func(uint64) (int, bool) {
	if s == nil {
		return nil
	}
	set, err := validators.FromGenesis(g)
	if err != nil {
		return nil // the engine refuses this genesis anyway
	}
	i, ok := set.IndexOfBLS(s.PublicKey())
	if !ok {
		return nil
	}
	return func(uint64) (int, bool) { return i, true }
}

// nodeGauges exports the targets the alert rules compare against.
func nodeGauges(cfg config.Config, n *node.Node) observability.NodeGauges {
	return observability.NodeGauges{
		BlockTime: cfg.BlockTime, MempoolMaxTxs: cfg.MempoolMaxTxs, MempoolMaxBytes: cfg.MempoolMaxBytes,
		HeadTime: func() time.Time {
			h, _ := n.Head()
			if h.Height == 0 {
				return time.Time{}
			}
			return time.UnixMilli(int64(h.Time))
		},
		Validators: func() int { return n.Status().Validators },
	}
}
