package validators_test

import (
	"bytes"
	"errors"
	"testing"

	"aitbc/engine/bls"
	"aitbc/engine/types"
	"aitbc/engine/validators"
	"aitbc/engine/validators/valtest"
)

var blockA = types.Sum256([]byte("block A"))

func TestVerifyVote(t *testing.T) {
	s, keys := valtest.Set(valtest.Equal(4)...)
	good := valtest.Vote(chainID, keys[2], types.Prevote, 2, 5, 1, blockA)
	if err := s.VerifyVote(chainID, good); err != nil {
		t.Fatal(err)
	}
	nilVote := valtest.Vote(chainID, keys[1], types.Precommit, 1, 5, 1, types.ZeroHash)
	if err := s.VerifyVote(chainID, nilVote); err != nil {
		t.Fatalf("nil vote: %v", err)
	}
	mut := func(f func(v *types.Vote)) *types.Vote { v := *good; f(&v); return &v }
	_, outsider := valtest.Validator(9, 1)
	cases := []struct {
		name string
		v    *types.Vote
		want error
	}{
		{"nil", nil, validators.ErrInvalidVote},
		{"unknown type", mut(func(v *types.Vote) { v.Type = 3 }), validators.ErrInvalidVote},
		{"index outside", mut(func(v *types.Vote) { v.ValidatorIndex = 4 }), validators.ErrUnknownValidator},
		{"claims another index", mut(func(v *types.Vote) { v.ValidatorIndex = 1 }), validators.ErrBadSignature},
		{"other height", mut(func(v *types.Vote) { v.Height = 6 }), validators.ErrBadSignature},
		{"other round", mut(func(v *types.Vote) { v.Round = 0 }), validators.ErrBadSignature},
		{"other type", mut(func(v *types.Vote) { v.Type = types.Precommit }), validators.ErrBadSignature},
		{"other block", mut(func(v *types.Vote) { v.BlockHash[0] ^= 1 }), validators.ErrBadSignature},
		{"zero signature", mut(func(v *types.Vote) { v.Sig = [96]byte{} }), validators.ErrBadSignature},
		{"non-member key", valtest.Vote(chainID, outsider, types.Prevote, 2, 5, 1, blockA), validators.ErrBadSignature},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if err := s.VerifyVote(chainID, c.v); !errors.Is(err, c.want) {
				t.Fatalf("err = %v, want %v", err, c.want)
			}
		})
	}
	if err := s.VerifyVote("other-chain", good); !errors.Is(err, validators.ErrBadSignature) {
		t.Fatalf("other chain: %v", err)
	}
}

func signProposal(k valtest.Keys, p *types.Proposal) *types.Proposal {
	p.Sig = bls.Sign(k.BLS, p.SignBytes(chainID))
	return p
}

func TestVerifyProposal(t *testing.T) {
	s, keys := valtest.Set(valtest.Equal(4)...)
	pr := s.Proposer(3, 2)
	good := signProposal(keys[pr], &types.Proposal{Height: 3, Round: 2, POLRound: 1, BlockHash: blockA})
	if err := s.VerifyProposal(chainID, good); err != nil {
		t.Fatal(err)
	}
	other := signProposal(keys[(pr+1)%4], &types.Proposal{Height: 3, Round: 2, POLRound: -1, BlockHash: blockA})
	if err := s.VerifyProposal(chainID, other); !errors.Is(err, validators.ErrBadSignature) {
		t.Fatalf("non-proposer: %v", err)
	}
	for _, pol := range []int32{-2, 2, 3} {
		p := signProposal(keys[pr], &types.Proposal{Height: 3, Round: 2, POLRound: pol, BlockHash: blockA})
		if err := s.VerifyProposal(chainID, p); !errors.Is(err, validators.ErrInvalidProposal) {
			t.Fatalf("pol %d: %v", pol, err)
		}
	}
	if err := s.VerifyProposal(chainID, nil); !errors.Is(err, validators.ErrInvalidProposal) {
		t.Fatalf("nil: %v", err)
	}
}

func precommits(keys []valtest.Keys, h uint64, r uint32, b types.Hash, idx ...int) []*types.Vote {
	out := make([]*types.Vote, len(idx))
	for j, i := range idx {
		out[j] = valtest.Vote(chainID, keys[i], types.Precommit, i, h, r, b)
	}
	return out
}

func TestMakeAndVerifyCommit(t *testing.T) {
	s, keys := valtest.Set(valtest.Equal(4)...)
	c, err := s.MakeCommit(9, 1, blockA, precommits(keys, 9, 1, blockA, 3, 0, 2))
	if err != nil {
		t.Fatal(err)
	}
	if c.Signers.Count() != 3 || c.Signers.Get(1) || !c.Signers.Get(3) {
		t.Fatalf("signers %08b", c.Signers.Bits)
	}
	if err := s.VerifyCommit(chainID, c); err != nil {
		t.Fatal(err)
	}
	// Survives the canonical encoding.
	dec, err := types.DecodeCommit(c.Encode())
	if err != nil || s.VerifyCommit(chainID, dec) != nil {
		t.Fatalf("decoded commit: %v", err)
	}

	mut := func(f func(c *types.CommitCert)) *types.CommitCert {
		d := *c
		d.Signers = types.Bitmap{N: c.Signers.N, Bits: append([]byte(nil), c.Signers.Bits...)}
		f(&d)
		return &d
	}
	cases := []struct {
		name string
		c    *types.CommitCert
		want error
	}{
		{"nil", nil, validators.ErrInvalidCommit},
		{"zero hash", mut(func(d *types.CommitCert) { d.BlockHash = types.ZeroHash }), validators.ErrInvalidCommit},
		{"bitmap too long", mut(func(d *types.CommitCert) { d.Signers = types.NewBitmap(5); d.Signers.Set(0) }), validators.ErrInvalidCommit},
		{"bitmap bytes mismatch", mut(func(d *types.CommitCert) { d.Signers.Bits = append(d.Signers.Bits, 0) }), validators.ErrInvalidCommit},
		{"padding bit", mut(func(d *types.CommitCert) { d.Signers.Bits[0] |= 0x80 }), validators.ErrInvalidCommit},
		{"claims an extra signer", mut(func(d *types.CommitCert) { d.Signers.Set(1) }), validators.ErrBadSignature},
		{"drops a signer", mut(func(d *types.CommitCert) { d.Signers.Bits[0] &^= 1 << 3 }), validators.ErrInsufficientPower},
		{"other round", mut(func(d *types.CommitCert) { d.Round = 0 }), validators.ErrBadSignature},
		{"other height", mut(func(d *types.CommitCert) { d.Height = 10 }), validators.ErrBadSignature},
		{"other block", mut(func(d *types.CommitCert) { d.BlockHash[31] ^= 1 }), validators.ErrBadSignature},
		{"garbage signature", mut(func(d *types.CommitCert) { d.AggSig[5] ^= 1 }), validators.ErrBadSignature},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if err := s.VerifyCommit(chainID, tc.c); !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
		})
	}
	if err := s.VerifyCommit("other-chain", c); !errors.Is(err, validators.ErrBadSignature) {
		t.Fatalf("other chain: %v", err)
	}
	// Two signers' aggregate with a forged third bit fails on power first
	// or on the pairing, never passes.
	two, _ := bls.AggregateSignatures([]bls.Signature{bls.Signature(precommits(keys, 9, 1, blockA, 0)[0].Sig), bls.Signature(precommits(keys, 9, 1, blockA, 2)[0].Sig)})
	forged := mut(func(d *types.CommitCert) { d.AggSig = two })
	if err := s.VerifyCommit(chainID, forged); !errors.Is(err, validators.ErrBadSignature) {
		t.Fatalf("aggregate of two claimed as three: %v", err)
	}
}

// TestExtendCommit: late precommits extend a certificate with the
// signers it lacks; a forged one (even ahead of the real one of its
// validator), one for another block, a repeat of a signer and an index
// outside the set are skipped; the certificate passed in is not changed.
func TestExtendCommit(t *testing.T) {
	s, keys := valtest.Set(valtest.Equal(4)...)
	c, err := s.MakeCommit(9, 1, blockA, precommits(keys, 9, 1, blockA, 0, 2))
	if err == nil {
		t.Fatal("two of four made a certificate")
	}
	c, err = s.MakeCommit(9, 1, blockA, precommits(keys, 9, 1, blockA, 0, 2, 3))
	if err != nil {
		t.Fatal(err)
	}
	orig := c.Encode()
	forged := precommits(keys, 9, 1, blockA, 1)[0]
	forged.Sig = precommits(keys, 9, 1, blockA, 3)[0].Sig
	other := precommits(keys, 9, 1, types.Sum256([]byte("block B")), 1)[0]
	outside := precommits(keys, 9, 1, blockA, 1)[0]
	outside.ValidatorIndex = 7
	late := []*types.Vote{forged, other, outside, precommits(keys, 9, 1, blockA, 0)[0], precommits(keys, 9, 1, blockA, 1)[0]}
	ext, n := s.ExtendCommit(chainID, c, late)
	if n != 1 || ext.Signers.Count() != 4 || !ext.Signers.Get(1) {
		t.Fatalf("added %d, signers %08b; want validator 1 added", n, ext.Signers.Bits)
	}
	if err := s.VerifyCommit(chainID, ext); err != nil {
		t.Fatalf("extended certificate: %v", err)
	}
	if !bytes.Equal(c.Encode(), orig) {
		t.Fatal("ExtendCommit changed the certificate it was given")
	}
	// Nothing usable: the same certificate back.
	if same, n := s.ExtendCommit(chainID, c, []*types.Vote{forged, other, nil}); n != 0 || same != c {
		t.Fatalf("nothing usable: added %d", n)
	}
}

func TestMakeCommitErrors(t *testing.T) {
	s, keys := valtest.Set(valtest.Equal(4)...)
	prevote := valtest.Vote(chainID, keys[0], types.Prevote, 0, 9, 1, blockA)
	cases := []struct {
		name  string
		block types.Hash
		votes []*types.Vote
		want  error
	}{
		{"too few", blockA, precommits(keys, 9, 1, blockA, 0, 1), validators.ErrInsufficientPower},
		{"duplicate", blockA, append(precommits(keys, 9, 1, blockA, 0, 1), precommits(keys, 9, 1, blockA, 1)...), validators.ErrInvalidVote},
		{"prevote", blockA, append(precommits(keys, 9, 1, blockA, 1, 2), prevote), validators.ErrInvalidVote},
		{"other round", blockA, append(precommits(keys, 9, 1, blockA, 1, 2), precommits(keys, 9, 0, blockA, 3)...), validators.ErrInvalidVote},
		{"other block", blockA, append(precommits(keys, 9, 1, blockA, 1, 2), precommits(keys, 9, 1, types.ZeroHash, 3)...), validators.ErrInvalidVote},
		{"nil entry", blockA, []*types.Vote{nil}, validators.ErrInvalidVote},
		{"zero hash", types.ZeroHash, precommits(keys, 9, 1, types.ZeroHash, 0, 1, 2), validators.ErrInvalidCommit},
		{"outsider index", blockA, append(precommits(keys, 9, 1, blockA, 1, 2), &types.Vote{Type: types.Precommit, Height: 9, Round: 1, BlockHash: blockA, ValidatorIndex: 7}), validators.ErrUnknownValidator},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if _, err := s.MakeCommit(9, 1, c.block, c.votes); !errors.Is(err, c.want) {
				t.Fatalf("err = %v, want %v", err, c.want)
			}
		})
	}
}

func TestWeightedCommit(t *testing.T) {
	s, keys := valtest.Set(5, 1, 1, 1) // quorum 6 of 8
	if _, err := s.MakeCommit(1, 0, blockA, precommits(keys, 1, 0, blockA, 1, 2, 3)); !errors.Is(err, validators.ErrInsufficientPower) {
		t.Fatalf("three light validators: %v", err)
	}
	c, err := s.MakeCommit(1, 0, blockA, precommits(keys, 1, 0, blockA, 0, 3))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.VerifyCommit(chainID, c); err != nil {
		t.Fatal(err)
	}
}

func TestSingleValidatorCommit(t *testing.T) {
	s, keys := valtest.Set(1)
	c, err := s.MakeCommit(1, 0, blockA, precommits(keys, 1, 0, blockA, 0))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.VerifyCommit(chainID, c); err != nil {
		t.Fatal(err)
	}
	v := precommits(keys, 1, 0, blockA, 0)[0]
	if c.AggSig != v.Sig {
		t.Fatal("aggregate of one differs from the signature")
	}
}

// TestVerifyVoteBatch: a vote the batch check clears always passes
// VerifyVote; the good votes of a slot are cleared together even beside a
// bad one (bisection); what is left false is what must be checked alone.
func TestVerifyVoteBatch(t *testing.T) {
	s, keys := valtest.Set(valtest.Equal(7)...)
	blockB := types.Sum256([]byte("block B"))
	pv := func(i int, b types.Hash) *types.Vote {
		return valtest.Vote(chainID, keys[i], types.Prevote, i, 5, 0, b)
	}
	forged := pv(3, blockA)
	forged.Sig = pv(4, blockA).Sig // validator 4's signature claimed as 3's
	wrongIdx := pv(5, blockA)
	wrongIdx.ValidatorIndex = 9
	votes := []*types.Vote{
		pv(0, blockA), pv(1, blockA), pv(2, blockA), forged, pv(4, blockA), pv(6, blockA), // slot A: forged among five good
		pv(0, blockB), pv(1, blockB), // slot B: two good
		valtest.Vote(chainID, keys[2], types.Precommit, 2, 5, 0, blockA), // alone in its slot
		pv(1, blockA), // repeats validator 1 in slot A
		wrongIdx,      // outside the set
		nil,
	}
	ok := s.VerifyVoteBatch(chainID, votes)
	want := []bool{true, true, true, false, true, true, true, true, false, false, false, false}
	for i := range votes {
		if ok[i] != want[i] {
			t.Errorf("vote %d: ok %v, want %v", i, ok[i], want[i])
		}
		if ok[i] {
			if err := s.VerifyVote(chainID, votes[i]); err != nil {
				t.Errorf("vote %d cleared by the batch but VerifyVote says %v", i, err)
			}
		}
	}
	if err := s.VerifyVote(chainID, forged); !errors.Is(err, validators.ErrBadSignature) {
		t.Fatalf("forged vote: %v", err)
	}
	if got := s.VerifyVoteBatch("other-chain", votes[:3]); got[0] || got[1] || got[2] {
		t.Fatalf("votes of another chain cleared: %v", got)
	}
}
