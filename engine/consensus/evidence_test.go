package consensus

import (
	"errors"
	"testing"

	"aitbc/engine/bls"
	"aitbc/engine/types"
	"aitbc/engine/validators"
	"aitbc/engine/validators/valtest"
)

// newEvidenceCore is validator 1 of four equal validators, its first
// Ready handled (also the fixture of the rejected-vote tests).
func newEvidenceCore(t *testing.T) (*Core, *validators.Set, []valtest.Keys) {
	t.Helper()
	set, keys := valtest.Set(valtest.Equal(4)...)
	c, err := New(scriptConfig(), set, NewKeySigner(keys[1].BLS), Start{Height: 1}, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	c.Ready()
	c.Advance()
	return c, set, keys
}

// takeEvidence returns the evidence of the pending Ready and acknowledges it.
func takeEvidence(c *Core) []*types.Evidence {
	if !c.HasReady() {
		return nil
	}
	ev := c.Ready().Evidence
	c.Advance()
	return ev
}

// A validator that prevotes two blocks in one round is reported exactly
// once, with both signed votes in canonical order: the same evidence,
// byte for byte, whichever vote a node received first.
func TestEvidenceDoubleVote(t *testing.T) {
	x, y := types.Sum256([]byte("x")), types.Sum256([]byte("y"))
	var hashes []types.Hash
	for _, order := range [][2]types.Hash{{x, y}, {y, x}} {
		c, set, keys := newEvidenceCore(t)
		first := valtest.Vote(testChain, keys[2], types.Prevote, 2, 1, 0, order[0])
		second := valtest.Vote(testChain, keys[2], types.Prevote, 2, 1, 0, order[1])
		if err := c.Step(&VoteMsg{Vote: first}); err != nil {
			t.Fatal(err)
		}
		if ev := takeEvidence(c); len(ev) != 0 {
			t.Fatalf("evidence after one vote: %d", len(ev))
		}
		if err := c.Step(&VoteMsg{Vote: second}); !errors.Is(err, ErrEquivocation) {
			t.Fatalf("second vote: %v, want ErrEquivocation", err)
		}
		evs := takeEvidence(c)
		if len(evs) != 1 {
			t.Fatalf("%d pieces of evidence, want 1", len(evs))
		}
		ev := evs[0]
		if err := VerifyEvidence(testChain, set, ev); err != nil {
			t.Fatal(err)
		}
		v := set.Get(2)
		if ev.Kind != types.DuplicateVote || ev.ValidatorIndex != 2 || ev.Validator != v.Address || bls.PublicKey(ev.BLSPubKey) != v.BLSPubKey {
			t.Fatalf("evidence names %d %s, want validator 2 %s", ev.ValidatorIndex, ev.Validator, v.Address)
		}
		lo, hi := x, y
		if string(y[:]) < string(x[:]) {
			lo, hi = y, x
		}
		if ev.VoteA.BlockHash != lo || ev.VoteB.BlockHash != hi || ev.Height() != 1 || ev.Round() != 0 || ev.Step() != "prevote" {
			t.Fatalf("evidence %s h=%d r=%d A=%s B=%s", ev.Step(), ev.Height(), ev.Round(), ev.VoteA.BlockHash, ev.VoteB.BlockHash)
		}
		for _, v := range []*types.Vote{ev.VoteA, ev.VoteB} {
			if *v != *first && *v != *second {
				t.Fatal("the evidence does not hold the votes as signed")
			}
		}
		// A second delivery, and a third conflicting vote, are rejected
		// again but report nothing new.
		if err := c.Step(&VoteMsg{Vote: second}); !errors.Is(err, ErrEquivocation) {
			t.Fatalf("repeat: %v", err)
		}
		third := valtest.Vote(testChain, keys[2], types.Prevote, 2, 1, 0, types.ZeroHash)
		if err := c.Step(&VoteMsg{Vote: third}); !errors.Is(err, ErrEquivocation) {
			t.Fatalf("third: %v", err)
		}
		if ev := takeEvidence(c); len(ev) != 0 {
			t.Fatalf("re-delivery emitted %d more pieces of evidence", len(ev))
		}
		hashes = append(hashes, ev.Hash())
	}
	if hashes[0] != hashes[1] {
		t.Fatal("the two arrival orders give different evidence")
	}
}

// A conflicting vote whose signature does not verify is a bad signature,
// not evidence: nothing is reported that a third party could not check.
func TestEvidenceNeedsValidSignatures(t *testing.T) {
	c, _, keys := newEvidenceCore(t)
	if err := c.Step(&VoteMsg{Vote: valtest.Vote(testChain, keys[2], types.Precommit, 2, 1, 0, types.ZeroHash)}); err != nil {
		t.Fatal(err)
	}
	forged := valtest.Vote(testChain, keys[3], types.Precommit, 2, 1, 0, types.Sum256([]byte("b"))) // v3's key, claims v2
	if err := c.Step(&VoteMsg{Vote: forged}); !errors.Is(err, ErrBadSignature) {
		t.Fatalf("forged conflicting vote: %v, want ErrBadSignature", err)
	}
	if ev := takeEvidence(c); len(ev) != 0 {
		t.Fatalf("a forged vote produced %d pieces of evidence", len(ev))
	}
}

func TestEvidenceDoubleProposal(t *testing.T) {
	c, set, keys := newEvidenceCore(t)
	proposer := set.Proposer(1, 0)
	propose := func(name string) *ProposalMsg {
		b := testBlock(set, name, 1, 0, nil)
		p := &types.Proposal{Height: 1, Round: 0, POLRound: -1, BlockHash: b.Hash()}
		p.Sig = bls.Sign(keys[proposer].BLS, p.SignBytes(testChain))
		return &ProposalMsg{Proposal: p, Block: b}
	}
	if err := c.Step(propose("a")); err != nil {
		t.Fatal(err)
	}
	c.Ready()
	c.Advance()
	if err := c.Step(propose("b")); !errors.Is(err, ErrEquivocation) {
		t.Fatalf("second proposal: %v", err)
	}
	evs := takeEvidence(c)
	if len(evs) != 1 || evs[0].Kind != types.DuplicateProposal || int(evs[0].ValidatorIndex) != proposer {
		t.Fatalf("evidence %+v, want one duplicate proposal by %d", evs, proposer)
	}
	if err := VerifyEvidence(testChain, set, evs[0]); err != nil {
		t.Fatal(err)
	}
}

// VerifyEvidence refuses evidence that does not prove what it claims.
func TestVerifyEvidenceRejects(t *testing.T) {
	set, keys := valtest.Set(valtest.Equal(4)...)
	vote := func(i int, k valtest.Keys, h types.Hash) *types.Vote {
		return valtest.Vote(testChain, k, types.Prevote, i, 3, 1, h)
	}
	ev := func(a, b *types.Vote, claim int) *types.Evidence {
		v := set.Get(claim)
		e, err := types.NewDuplicateVoteEvidence(a, b, v.Address, v.BLSPubKey)
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	x, y := types.Sum256([]byte("x")), types.Sum256([]byte("y"))
	good := ev(vote(2, keys[2], x), vote(2, keys[2], y), 2)
	if err := VerifyEvidence(testChain, set, good); err != nil {
		t.Fatal(err)
	}
	var others []validators.Validator
	for i := 10; i < 14; i++ {
		v, _ := valtest.Validator(i, 1)
		others = append(others, v)
	}
	otherSet, err := validators.NewSet(others)
	if err != nil {
		t.Fatal(err)
	}
	proposer := set.Proposer(3, 1)
	notProposer := (proposer + 1) % 4
	prop := func(signer int, h types.Hash) *types.Proposal {
		p := &types.Proposal{Height: 3, Round: 1, POLRound: -1, BlockHash: h}
		p.Sig = bls.Sign(keys[signer].BLS, p.SignBytes(testChain))
		return p
	}
	propEv := func(signer int) *types.Evidence {
		v := set.Get(signer)
		e, err := types.NewDuplicateProposalEvidence(prop(signer, x), prop(signer, y), uint32(signer), v.Address, v.BLSPubKey)
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	if err := VerifyEvidence(testChain, set, propEv(proposer)); err != nil {
		t.Fatalf("proposer's double proposal: %v", err)
	}
	wrongKey := *good
	wrongKey.BLSPubKey = set.Get(3).BLSPubKey
	cases := map[string]struct {
		chain string
		set   *validators.Set
		ev    *types.Evidence
	}{
		"other chain":       {"other-chain", set, good},
		"other set":         {testChain, otherSet, good},
		"nil set":           {testChain, nil, good},
		"forged vote":       {testChain, set, ev(vote(2, keys[2], x), vote(2, keys[3], y), 2)},
		"key of another":    {testChain, set, &wrongKey},
		"invalid structure": {testChain, set, &types.Evidence{Kind: types.DuplicateVote}},
		"not the proposer":  {testChain, set, propEv(notProposer)},
		"index outside set": {testChain, set, ev(vote(9, keys[2], x), vote(9, keys[2], y), 2)},
	}
	for name, tc := range cases {
		if err := VerifyEvidence(tc.chain, tc.set, tc.ev); !errors.Is(err, ErrBadEvidence) {
			t.Errorf("%s: %v, want ErrBadEvidence", name, err)
		}
	}
}
