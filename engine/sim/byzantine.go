package sim

import (
	"fmt"
	"strings"
	"time"

	"aitbc/engine/consensus"
	"aitbc/engine/misbehave"
)

// Modes is the catalogue of byzantine behaviours, by name: engine/misbehave's
// transforms (the same ones the node's byzantine build runs), adapted to
// the Cluster. Each signs with the node's real key, so only the protocol's
// rules, not signature checks, can stop it.
var Modes = func() map[string]Behaviour {
	out := make(map[string]Behaviour, len(misbehave.Modes))
	for name, m := range misbehave.Modes {
		out[name] = Adapt(m)
	}
	return out
}()

// ModeNames lists Modes in a fixed order.
func ModeNames() []string { return misbehave.ModeNames() }

// The modes the simulator's own tests name.
var (
	Silent              = Adapt(misbehave.Silent)
	WithholdVotes       = Adapt(misbehave.WithholdVotes)
	EquivocateVotes     = Adapt(misbehave.EquivocateVotes)
	EquivocateProposals = Adapt(misbehave.EquivocateProposals)
)

// StampTime stamps every fresh proposal's block with at(its time),
// re-hashed and re-signed.
func StampTime(at func(blockTime uint64) uint64) Behaviour { return Adapt(misbehave.StampTime(at)) }

// Adapt runs a misbehave.Mode as node i's Behaviour: Out.All is returned
// for the cluster to send to everyone, Out.Half[k] goes to the nodes j
// with j%2 == k. Each node keeps one Env, whose rng is the cluster's, so
// a run stays a function of its seed.
func Adapt(mode misbehave.Mode) Behaviour {
	return func(c *Cluster, i int, m consensus.Message) []consensus.Message {
		out := mode(c.env(i), m)
		for j := range c.Nodes {
			if j == i {
				continue
			}
			for _, x := range out.Half[j%2] {
				c.SendTo(i, j, x)
			}
		}
		return out.All
	}
}

// env is node i's misbehave.Env, made on first use.
func (c *Cluster) env(i int) *misbehave.Env {
	e := c.envs[i]
	if e == nil {
		e = &misbehave.Env{Key: c.Keys[i].BLS, ChainID: c.Gen.ChainID, Index: i, Validators: len(c.Nodes), Rng: c.rng}
		c.envs[i] = e
	}
	return e
}

// ByzantineConfig is DefaultConfig(seed) with node seed%4 running mode
// (mode "all" picks the seed's mode from ModeNames by seed), without
// crashes and with a 4 s quiet period.
func ByzantineConfig(seed int64, mode string) (Config, error) {
	if mode == "all" {
		names := ModeNames()
		mode = names[int(seed)%len(names)]
	}
	b, ok := Modes[mode]
	if !ok {
		return Config{}, fmt.Errorf("sim: no byzantine mode %q (have %s)", mode, strings.Join(ModeNames(), ", "))
	}
	cfg := DefaultConfig(seed)
	cfg.Byzantine = map[int]Behaviour{int(seed % int64(cfg.Validators)): b}
	// One faulty validator of four is all the fault budget (f = 1): a
	// crashed honest node beside it would leave no quorum, so these runs
	// keep the network faults (loss, duplication, reordering, partitions,
	// clock offsets) but no crashes, and judge liveness over a longer
	// quiet period (rounds that timed out during the faults are longer).
	cfg.Faults.Crashes = false
	cfg.Duration, cfg.Quiet = 6*time.Second, 4*time.Second
	return cfg, nil
}
