package misbehave

import (
	"crypto/ed25519"
	"crypto/sha256"
	"math"
	"math/rand"
	"sort"
	"time"

	"aitbc/engine/bls"
	"aitbc/engine/consensus"
	"aitbc/engine/types"
)

// Env is what a misbehaving validator knows: its key, the chain, the
// validator count, a seeded rng and the memory some modes keep. One Env
// per misbehaving node; not safe for concurrent use.
type Env struct {
	Key        *bls.SecretKey
	ChainID    string
	Index      int // our validator index
	Validators int
	Rng        *rand.Rand

	past    []consensus.Message // replay-old's ring of our earlier messages
	invalid int                 // invalid-block's alternation
}

// pastCap bounds replay-old's memory.
const pastCap = 256

// Out is what to send instead of one message: All to every peer, and
// Half[k] additionally to the peers whose index (in a fixed peer order)
// is k modulo 2.
type Out struct {
	All  []consensus.Message
	Half [2][]consensus.Message
}

// Mode rewrites one outgoing consensus message.
type Mode func(e *Env, m consensus.Message) Out

func pass(m consensus.Message) Out { return Out{All: []consensus.Message{m}} }

// Modes is the catalogue by name (the names of issue #9's misbehaving
// nodes; "silent" and "max-time" are simulator extras).
var Modes = map[string]Mode{
	"silent":               Silent,
	"withhold-votes":       WithholdVotes,
	"equivocate-votes":     EquivocateVotes,
	"equivocate-proposals": EquivocateProposals,
	// A day ahead: far beyond any time rule's bound.
	"future-time":   StampTime(func(t uint64) uint64 { return t + uint64(24*time.Hour/time.Millisecond) }),
	"max-time":      StampTime(func(uint64) uint64 { return math.MaxUint64 }),
	"past-time":     StampTime(func(t uint64) uint64 { return t - 60_000 }),
	"bad-body":      BadBody,
	"invalid-block": InvalidBlock,
	"unsigned-spam": UnsignedSpam,
	"replay-old":    ReplayOld,
}

// MixedName is the mode that changes behaviour with the height.
const MixedName = "mixed"

func init() { Modes[MixedName] = Mixed(mixedOrder()) }

// mixedOrder is the order Mixed cycles through: every other mode but
// silent (a silent node sends nothing, so it would only hide the others).
func mixedOrder() []Mode {
	var out []Mode
	for _, name := range ModeNames() {
		if name != "silent" && name != MixedName {
			out = append(out, Modes[name])
		}
	}
	return out
}

// Mixed runs modes[h % len(modes)] for the messages of height h: one
// faulty validator that changes its misbehaviour from height to height
// (equivocating at one, stamping the far future at the next, …). Messages
// without a height pass unchanged.
func Mixed(modes []Mode) Mode {
	return func(e *Env, m consensus.Message) Out {
		var h uint64
		switch x := m.(type) {
		case *consensus.ProposalMsg:
			h = x.Proposal.Height
		case *consensus.VoteMsg:
			h = x.Vote.Height
		default:
			return pass(m)
		}
		return modes[h%uint64(len(modes))](e, m)
	}
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
func Silent(*Env, consensus.Message) Out { return Out{} }

// WithholdVotes proposes but never votes.
func WithholdVotes(_ *Env, m consensus.Message) Out {
	if _, ok := m.(*consensus.VoteMsg); ok {
		return Out{}
	}
	return pass(m)
}

// EquivocateVotes sends, with every vote, a conflicting vote of the same
// slot for another block.
func EquivocateVotes(e *Env, m consensus.Message) Out {
	vm, ok := m.(*consensus.VoteMsg)
	if !ok {
		return pass(m)
	}
	v := *vm.Vote
	v.BlockHash = types.Sum256(append(v.BlockHash[:], 'x'))
	v.Sig = bls.Sign(e.Key, v.SignBytes(e.ChainID))
	return Out{All: []consensus.Message{m, &consensus.VoteMsg{Vote: &v}}}
}

// resign returns p for blk, signed by us.
func (e *Env) resign(p *types.Proposal, blk *types.Block) *consensus.ProposalMsg {
	q := *p
	q.BlockHash = blk.Hash()
	q.Sig = bls.Sign(e.Key, q.SignBytes(e.ChainID))
	return &consensus.ProposalMsg{Proposal: &q, Block: blk}
}

// fresh returns a message's proposal when it is a fresh one (no POL round).
func fresh(m consensus.Message) (*consensus.ProposalMsg, bool) {
	pm, ok := m.(*consensus.ProposalMsg)
	return pm, ok && pm.Proposal.POLRound < 0
}

// EquivocateProposals sends its proposal to half of its peers and a
// different, also signed, proposal for the same round to the other half.
func EquivocateProposals(e *Env, m consensus.Message) Out {
	pm, ok := fresh(m)
	if !ok {
		return pass(m)
	}
	other := *pm.Block
	other.Header.Time++
	return Out{Half: [2][]consensus.Message{{m}, {e.resign(pm.Proposal, &other)}}}
}

// StampTime stamps every fresh proposal's block with at(its time),
// re-hashed and re-signed.
func StampTime(at func(blockTime uint64) uint64) Mode {
	return func(e *Env, m consensus.Message) Out {
		pm, ok := fresh(m)
		if !ok {
			return pass(m)
		}
		blk := *pm.Block
		blk.Header.Time = at(blk.Header.Time)
		return Out{All: []consensus.Message{e.resign(pm.Proposal, &blk)}}
	}
}

// BadBody sends its proposal with the txs stripped (the header, and so
// the signed hash, unchanged) to half of its peers.
func BadBody(_ *Env, m consensus.Message) Out {
	pm, ok := m.(*consensus.ProposalMsg)
	if !ok || len(pm.Block.Txs) == 0 {
		return pass(m)
	}
	stripped := *pm.Block
	stripped.Txs = nil
	return Out{Half: [2][]consensus.Message{{&consensus.ProposalMsg{Proposal: pm.Proposal, Block: &stripped}}, {m}}}
}

// InvalidBlock proposes invalid blocks, alternating two kinds: a wrong
// state root, and a block with an added transfer, validly signed, from an
// account that has no funds (the tx root recomputed, so only execution
// can tell).
func InvalidBlock(e *Env, m consensus.Message) Out {
	pm, ok := fresh(m)
	if !ok {
		return pass(m)
	}
	blk := *pm.Block
	e.invalid++
	if e.invalid%2 == 1 {
		blk.Header.StateRoot = types.Sum256(blk.Header.StateRoot[:])
	} else {
		blk.Txs = append(append([]*types.Tx(nil), blk.Txs...), unfundedTx(e.ChainID, blk.Header.Height))
		blk.Header.TxRoot = types.MerkleRoot(blk.TxHashes())
	}
	return Out{All: []consensus.Message{e.resign(pm.Proposal, &blk)}}
}

// unfundedTx is a signed transfer from an account no genesis funds (its
// key derives from a fixed phrase), different per height.
func unfundedTx(chainID string, height uint64) *types.Tx {
	seed := sha256.Sum256([]byte("aitbc misbehave unfunded sender"))
	priv := ed25519.NewKeyFromSeed(seed[:])
	tx := &types.Tx{ChainID: chainID, Type: types.TxTransfer, Nonce: 1, Amount: 1_000_000 + height, Fee: 1_000}
	copy(tx.Sender[:], priv.Public().(ed25519.PublicKey))
	tx.Recipient = types.AddressFromPubKey(tx.Sender[:])
	tx.Sign(priv)
	return tx
}

// UnsignedSpam sends, with every message, proposals and votes at huge
// rounds and heights, unsigned or wrongly signed.
func UnsignedSpam(e *Env, m consensus.Message) Out {
	out := []consensus.Message{m}
	h := uint64(1)
	switch m := m.(type) {
	case *consensus.ProposalMsg:
		h = m.Proposal.Height
	case *consensus.VoteMsg:
		h = m.Vote.Height
	}
	blk := &types.Block{Header: types.Header{ChainID: e.ChainID, Height: h, Time: 1, TxRoot: types.MerkleRoot(nil)}}
	for _, r := range []uint32{1 << 20, 1 << 25, math.MaxInt32} {
		out = append(out, &consensus.ProposalMsg{Proposal: &types.Proposal{Height: h, Round: r, POLRound: -1, BlockHash: blk.Hash()}, Block: blk})
	}
	n := max(e.Validators, 1)
	for _, v := range []*types.Vote{
		{Type: types.Prevote, Height: h, Round: 0, ValidatorIndex: uint32(e.Index)},
		{Type: types.Precommit, Height: h + 1000, Round: math.MaxInt32, ValidatorIndex: uint32(e.Index)},
		{Type: types.Prevote, Height: h, Round: 1 << 30, ValidatorIndex: uint32((e.Index + 1) % n), BlockHash: blk.Hash()},
	} {
		v.Sig = bls.Sign(e.Key, []byte("not the sign bytes"))
		out = append(out, &consensus.VoteMsg{Vote: v})
	}
	return Out{All: out}
}

// ReplayOld sends, with every message, two of its own earlier messages
// (of earlier heights and rounds), chosen by the Env's rng.
func ReplayOld(e *Env, m consensus.Message) Out {
	out := []consensus.Message{m}
	for k := 0; k < 2 && len(e.past) > 0; k++ {
		out = append(out, e.past[e.Rng.Intn(len(e.past))])
	}
	if len(e.past) < pastCap {
		e.past = append(e.past, m)
	} else {
		e.past[e.Rng.Intn(len(e.past))] = m
	}
	return Out{All: out}
}
