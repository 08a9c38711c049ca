package sim

import (
	"fmt"
	"math"
	"sort"
	"strings"
	"time"

	"aitbc/engine/bls"
	"aitbc/engine/consensus"
	"aitbc/engine/types"
)

// Modes is the catalogue of byzantine behaviours, by name (the names of
// the [byzantine] issue's misbehaving nodes). Each rewrites what the
// faulty node sends; it signs with the node's real key, so only the
// protocol's rules, not signature checks, can stop it.
var Modes = map[string]Behaviour{
	"silent":               Silent,
	"withhold-votes":       WithholdVotes,
	"equivocate-votes":     EquivocateVotes,
	"equivocate-proposals": EquivocateProposals,
	"future-time":          StampTime(func(t uint64) uint64 { return t + uint64(24*time.Hour/time.Millisecond) }),
	"max-time":             StampTime(func(uint64) uint64 { return math.MaxUint64 }),
	"past-time":            StampTime(func(t uint64) uint64 { return t - 60_000 }),
	"bad-body":             BadBody,
	"invalid-block":        InvalidBlock,
	"unsigned-spam":        UnsignedSpam,
	"replay-old":           ReplayOld,
}

// ModeNames lists Modes in a fixed order.
func ModeNames() []string {
	out := make([]string, 0, len(Modes))
	for k := range Modes {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Silent sends nothing: a validator that is down but still counted.
func Silent(*Cluster, int, consensus.Message) []consensus.Message { return nil }

// WithholdVotes proposes but never votes.
func WithholdVotes(_ *Cluster, _ int, m consensus.Message) []consensus.Message {
	if _, ok := m.(*consensus.VoteMsg); ok {
		return nil
	}
	return []consensus.Message{m}
}

// EquivocateVotes sends, with every vote, a conflicting vote of the same
// slot for another block.
func EquivocateVotes(c *Cluster, i int, m consensus.Message) []consensus.Message {
	vm, ok := m.(*consensus.VoteMsg)
	if !ok {
		return []consensus.Message{m}
	}
	v := *vm.Vote
	v.BlockHash = types.Sum256(append(v.BlockHash[:], 'x'))
	v.Sig = bls.Sign(c.Keys[i].BLS, v.SignBytes(c.Gen.ChainID))
	return []consensus.Message{m, &consensus.VoteMsg{Vote: &v}}
}

// resign returns p for blk, signed by node i.
func resign(c *Cluster, i int, p *types.Proposal, blk *types.Block) *consensus.ProposalMsg {
	q := *p
	q.BlockHash = blk.Hash()
	q.Sig = bls.Sign(c.Keys[i].BLS, q.SignBytes(c.Gen.ChainID))
	return &consensus.ProposalMsg{Proposal: &q, Block: blk}
}

// fresh returns a message's proposal when it is a fresh one (no POL round).
func fresh(m consensus.Message) (*consensus.ProposalMsg, bool) {
	pm, ok := m.(*consensus.ProposalMsg)
	return pm, ok && pm.Proposal.POLRound < 0
}

// EquivocateProposals sends its proposal to half of its peers and a
// different, also signed, proposal for the same round to the other half.
func EquivocateProposals(c *Cluster, i int, m consensus.Message) []consensus.Message {
	pm, ok := fresh(m)
	if !ok {
		return []consensus.Message{m}
	}
	other := *pm.Block
	other.Header.Time++
	second := resign(c, i, pm.Proposal, &other)
	for j := range c.Nodes {
		if j == i {
			continue
		}
		if j%2 == 0 {
			c.SendTo(i, j, m)
		} else {
			c.SendTo(i, j, second)
		}
	}
	return nil
}

// StampTime stamps every fresh proposal's block with at(its time),
// re-hashed and re-signed.
func StampTime(at func(blockTime uint64) uint64) Behaviour {
	return func(c *Cluster, i int, m consensus.Message) []consensus.Message {
		pm, ok := fresh(m)
		if !ok {
			return []consensus.Message{m}
		}
		blk := *pm.Block
		blk.Header.Time = at(blk.Header.Time)
		return []consensus.Message{resign(c, i, pm.Proposal, &blk)}
	}
}

// BadBody sends its proposal with the txs stripped (the header, and so
// the signed hash, unchanged) to half of its peers.
func BadBody(c *Cluster, i int, m consensus.Message) []consensus.Message {
	pm, ok := m.(*consensus.ProposalMsg)
	if !ok || len(pm.Block.Txs) == 0 {
		return []consensus.Message{m}
	}
	stripped := *pm.Block
	stripped.Txs = nil
	for j := range c.Nodes {
		if j == i {
			continue
		}
		if j%2 == 0 {
			c.SendTo(i, j, &consensus.ProposalMsg{Proposal: pm.Proposal, Block: &stripped})
		} else {
			c.SendTo(i, j, m)
		}
	}
	return nil
}

// InvalidBlock proposes blocks whose state root is wrong.
func InvalidBlock(c *Cluster, i int, m consensus.Message) []consensus.Message {
	pm, ok := fresh(m)
	if !ok {
		return []consensus.Message{m}
	}
	blk := *pm.Block
	blk.Header.StateRoot = types.Sum256(blk.Header.StateRoot[:])
	return []consensus.Message{resign(c, i, pm.Proposal, &blk)}
}

// UnsignedSpam sends, with every message, proposals and votes at huge
// rounds and heights, unsigned or wrongly signed.
func UnsignedSpam(c *Cluster, i int, m consensus.Message) []consensus.Message {
	out := []consensus.Message{m}
	h := uint64(1)
	switch m := m.(type) {
	case *consensus.ProposalMsg:
		h = m.Proposal.Height
	case *consensus.VoteMsg:
		h = m.Vote.Height
	}
	blk := &types.Block{Header: types.Header{ChainID: c.Gen.ChainID, Height: h, Time: 1, TxRoot: types.MerkleRoot(nil)}}
	for _, r := range []uint32{1 << 20, 1 << 25, math.MaxInt32} {
		out = append(out, &consensus.ProposalMsg{Proposal: &types.Proposal{Height: h, Round: r, POLRound: -1, BlockHash: blk.Hash()}, Block: blk})
	}
	for _, v := range []*types.Vote{
		{Type: types.Prevote, Height: h, Round: 0, ValidatorIndex: uint32(i)},
		{Type: types.Precommit, Height: h + 1000, Round: math.MaxInt32, ValidatorIndex: uint32(i)},
		{Type: types.Prevote, Height: h, Round: 1 << 30, ValidatorIndex: uint32((i + 1) % len(c.Nodes)), BlockHash: blk.Hash()},
	} {
		v.Sig = bls.Sign(c.Keys[i].BLS, []byte("not the sign bytes"))
		out = append(out, &consensus.VoteMsg{Vote: v})
	}
	return out
}

// ReplayOld sends, with every message, two of its own earlier messages
// (of earlier heights and rounds), chosen by the seed.
func ReplayOld(c *Cluster, i int, m consensus.Message) []consensus.Message {
	past := c.sent[i]
	out := []consensus.Message{m}
	for k := 0; k < 2 && len(past) > 0; k++ {
		out = append(out, past[c.rng.Intn(len(past))])
	}
	if len(past) < 256 {
		c.sent[i] = append(past, m)
	} else {
		past[c.rng.Intn(len(past))] = m
	}
	return out
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
