package misbehave

import (
	"crypto/ed25519"
	"math"
	"math/rand"
	"testing"
	"time"

	"aitbc/engine/bls"
	"aitbc/engine/consensus"
	"aitbc/engine/types"
)

const chain = "aitbc-misbehave-test"

func testEnv(t *testing.T) *Env {
	t.Helper()
	sk, err := bls.KeyGen(make([]byte, 32))
	if err != nil {
		t.Fatal(err)
	}
	return &Env{Key: sk, ChainID: chain, Index: 1, Validators: 4, Rng: rand.New(rand.NewSource(1))}
}

// honest returns a signed fresh proposal of a block with one tx, and a
// signed prevote for it.
func honest(t *testing.T, e *Env) (*consensus.ProposalMsg, *consensus.VoteMsg) {
	t.Helper()
	tx := unfundedTx(chain, 99) // any signed tx will do as the body
	blk := &types.Block{Header: types.Header{ChainID: chain, Height: 5, Time: 1_700_000_000_000}, Txs: []*types.Tx{tx}}
	blk.Header.TxRoot = types.MerkleRoot(blk.TxHashes())
	p := e.resign(&types.Proposal{Height: 5, Round: 0, POLRound: -1}, blk)
	v := &types.Vote{Type: types.Prevote, Height: 5, Round: 0, ValidatorIndex: 1, BlockHash: blk.Hash()}
	v.Sig = bls.Sign(e.Key, v.SignBytes(chain))
	return p, &consensus.VoteMsg{Vote: v}
}

func proposalOK(e *Env, m consensus.Message) bool {
	pm, ok := m.(*consensus.ProposalMsg)
	return ok && pm.Proposal.BlockHash == pm.Block.Hash() &&
		bls.Verify(e.Key.PublicKey(), pm.Proposal.SignBytes(chain), bls.Signature(pm.Proposal.Sig))
}

func voteOK(e *Env, m consensus.Message) bool {
	vm, ok := m.(*consensus.VoteMsg)
	return ok && bls.Verify(e.Key.PublicKey(), vm.Vote.SignBytes(chain), bls.Signature(vm.Vote.Sig))
}

func TestEveryModeLeavesOtherMessagesOrDropsThem(t *testing.T) {
	for _, name := range ModeNames() {
		e := testEnv(t)
		p, v := honest(t, e)
		for _, m := range []consensus.Message{p, v} {
			out := Modes[name](e, m)
			for _, x := range append(append(out.All, out.Half[0]...), out.Half[1]...) {
				if x == nil {
					t.Errorf("%s: nil message out", name)
				}
			}
		}
	}
}

func TestEquivocateVotesSignsAConflictingVote(t *testing.T) {
	e := testEnv(t)
	_, v := honest(t, e)
	out := EquivocateVotes(e, v)
	if len(out.All) != 2 || out.All[0] != v || !voteOK(e, out.All[1]) {
		t.Fatalf("out = %+v", out)
	}
	if w := out.All[1].(*consensus.VoteMsg).Vote; w.BlockHash == v.Vote.BlockHash || w.Height != 5 || w.Round != 0 || w.Type != types.Prevote {
		t.Errorf("second vote %+v does not conflict in the same slot", w)
	}
}

func TestEquivocateProposalsSplitsThePeers(t *testing.T) {
	e := testEnv(t)
	p, _ := honest(t, e)
	out := EquivocateProposals(e, p)
	if len(out.All) != 0 || len(out.Half[0]) != 1 || len(out.Half[1]) != 1 {
		t.Fatalf("out = %+v", out)
	}
	a, b := out.Half[0][0].(*consensus.ProposalMsg), out.Half[1][0].(*consensus.ProposalMsg)
	if !proposalOK(e, a) || !proposalOK(e, b) || a.Proposal.BlockHash == b.Proposal.BlockHash || a.Proposal.Round != b.Proposal.Round {
		t.Errorf("halves do not get two signed proposals of one round for different blocks")
	}
}

func TestStampTime(t *testing.T) {
	for name, want := range map[string]func(uint64) uint64{
		"future-time": func(t uint64) uint64 { return t + uint64(24*time.Hour/time.Millisecond) },
		"max-time":    func(uint64) uint64 { return math.MaxUint64 },
		"past-time":   func(t uint64) uint64 { return t - 60_000 },
	} {
		e := testEnv(t)
		p, v := honest(t, e)
		out := Modes[name](e, p)
		if len(out.All) != 1 || !proposalOK(e, out.All[0]) {
			t.Fatalf("%s: out = %+v", name, out)
		}
		if got := out.All[0].(*consensus.ProposalMsg).Block.Header.Time; got != want(p.Block.Header.Time) {
			t.Errorf("%s: time %d, want %d", name, got, want(p.Block.Header.Time))
		}
		if o := Modes[name](e, v); len(o.All) != 1 || o.All[0] != v {
			t.Errorf("%s: a vote was changed", name)
		}
	}
}

func TestBadBodyStripsHalf(t *testing.T) {
	e := testEnv(t)
	p, _ := honest(t, e)
	out := BadBody(e, p)
	if len(out.Half[0]) != 1 || len(out.Half[1]) != 1 || out.Half[1][0] != p {
		t.Fatalf("out = %+v", out)
	}
	s := out.Half[0][0].(*consensus.ProposalMsg)
	if len(s.Block.Txs) != 0 || s.Proposal != p.Proposal || s.Block.Header != p.Block.Header {
		t.Errorf("stripped half: %d txs, same signed header %v", len(s.Block.Txs), s.Block.Header == p.Block.Header)
	}
}

func TestInvalidBlockAlternates(t *testing.T) {
	e := testEnv(t)
	p, _ := honest(t, e)
	first := InvalidBlock(e, p).All[0].(*consensus.ProposalMsg)
	second := InvalidBlock(e, p).All[0].(*consensus.ProposalMsg)
	if !proposalOK(e, first) || !proposalOK(e, second) {
		t.Fatal("not re-signed")
	}
	if first.Block.Header.StateRoot == p.Block.Header.StateRoot || len(first.Block.Txs) != 1 {
		t.Errorf("first: state root unchanged or txs added")
	}
	if second.Block.Header.StateRoot != p.Block.Header.StateRoot || len(second.Block.Txs) != 2 ||
		second.Block.Header.TxRoot != types.MerkleRoot(second.Block.TxHashes()) {
		t.Errorf("second: want the same state root, one added tx and its tx root")
	}
	tx := second.Block.Txs[1]
	if !ed25519.Verify(tx.Sender[:], tx.SignBytes(), tx.Sig[:]) {
		t.Errorf("the added tx is not validly signed")
	}
}

func TestUnsignedSpamIsUnverifiable(t *testing.T) {
	e := testEnv(t)
	_, v := honest(t, e)
	out := UnsignedSpam(e, v)
	if out.All[0] != v || len(out.All) < 4 {
		t.Fatalf("out = %+v", out)
	}
	for _, m := range out.All[1:] {
		if proposalOK(e, m) || voteOK(e, m) {
			t.Errorf("spam %T verifies", m)
		}
	}
}

func TestReplayOldResendsEarlierMessages(t *testing.T) {
	e := testEnv(t)
	p, v := honest(t, e)
	if out := ReplayOld(e, p); len(out.All) != 1 {
		t.Fatalf("first message: %d out", len(out.All))
	}
	out := ReplayOld(e, v)
	if len(out.All) != 3 || out.All[0] != v || out.All[1] != p || out.All[2] != p {
		t.Errorf("out = %+v, want the vote then the proposal twice", out.All)
	}
	for range 2 * pastCap {
		ReplayOld(e, v)
	}
	if len(e.past) != pastCap {
		t.Errorf("memory %d, want capped at %d", len(e.past), pastCap)
	}
}

func TestWithholdVotes(t *testing.T) {
	e := testEnv(t)
	p, v := honest(t, e)
	if len(WithholdVotes(e, v).All) != 0 || WithholdVotes(e, p).All[0] != p {
		t.Error("withhold-votes must drop votes and pass proposals")
	}
}

func TestMixedChangesModeWithHeight(t *testing.T) {
	e := testEnv(t)
	_, v := honest(t, e) // height 5
	mixed := Mixed([]Mode{EquivocateVotes, WithholdVotes})
	if out := mixed(e, v); len(out.All) != 0 { // 5 % 2 = 1: withhold
		t.Fatalf("height 5: out = %+v, want withheld", out)
	}
	w := *v.Vote
	w.Height = 6
	if out := mixed(e, &consensus.VoteMsg{Vote: &w}); len(out.All) != 2 { // 6 % 2 = 0: equivocate
		t.Fatalf("height 6: out = %+v, want two votes", out)
	}
	if _, ok := Modes[MixedName]; !ok {
		t.Fatal("mixed is not in the catalogue")
	}
}
