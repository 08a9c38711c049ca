package types

import (
	"bytes"
	"encoding/hex"
	"errors"
	"reflect"
	"testing"

	"aitbc/engine/bls"
	"aitbc/internal/seedtest"
)

func evVote(t VoteType, h uint64, r uint32, block Hash, idx uint32, sigByte byte) *Vote {
	v := &Vote{Type: t, Height: h, Round: r, BlockHash: block, ValidatorIndex: idx}
	v.Sig[0] = sigByte
	return v
}

var (
	evAddr = AddressFromPubKey(pubOf(specKey1()))
	evKey  = [BLSPubKeyLen]byte(seqBytes(0x80, BLSPubKeyLen))
)

// The pair is ordered canonically, so both arrival orders give the same
// evidence, encoding and hash.
func TestEvidenceCanonicalOrder(t *testing.T) {
	lo, hi := Hash{0x01}, Hash{0x02}
	a, b := evVote(Prevote, 5, 2, hi, 3, 0xaa), evVote(Prevote, 5, 2, lo, 3, 0xbb)
	e1, err := NewDuplicateVoteEvidence(a, b, evAddr, evKey)
	if err != nil {
		t.Fatal(err)
	}
	e2, err := NewDuplicateVoteEvidence(b, a, evAddr, evKey)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(e1.Encode(), e2.Encode()) || e1.Hash() != e2.Hash() {
		t.Fatal("the two arrival orders encode differently")
	}
	if e1.VoteA.BlockHash != lo || e1.VoteB.BlockHash != hi {
		t.Fatalf("vote A is for %s, want the lower block hash %s", e1.VoteA.BlockHash, lo)
	}
	if e1.Height() != 5 || e1.Round() != 2 || e1.Step() != "prevote" || e1.ValidatorIndex != 3 {
		t.Fatalf("accessors: h=%d r=%d step=%s idx=%d", e1.Height(), e1.Round(), e1.Step(), e1.ValidatorIndex)
	}
	// The evidence holds copies: the caller's votes may change later.
	a.BlockHash = Hash{0x09}
	if e1.VoteB.BlockHash != hi {
		t.Fatal("the evidence aliases the caller's vote")
	}

	// Proposals: a nil pol_round (0xffffffff) sorts after any other.
	pa := &Proposal{Height: 4, Round: 2, POLRound: -1, BlockHash: lo}
	pb := &Proposal{Height: 4, Round: 2, POLRound: 1, BlockHash: lo}
	p1, err := NewDuplicateProposalEvidence(pa, pb, 1, evAddr, evKey)
	if err != nil {
		t.Fatal(err)
	}
	p2, err := NewDuplicateProposalEvidence(pb, pa, 1, evAddr, evKey)
	if err != nil {
		t.Fatal(err)
	}
	if p1.Hash() != p2.Hash() || p1.ProposalA.POLRound != 1 || p1.Step() != "proposal" {
		t.Fatalf("proposal evidence: A pol %d, step %s", p1.ProposalA.POLRound, p1.Step())
	}
}

func TestEvidenceRoundTrip(t *testing.T) {
	for name, ev := range map[string]*Evidence{"vote": specEvidence(), "proposal": specProposalEvidence()} {
		roundTrip(t, name, ev, (*Evidence).Encode, DecodeEvidence)
		want := DuplicateVoteEvidenceLen
		if ev.Kind == DuplicateProposal {
			want = DuplicateProposalEvidenceLen
		}
		if n := len(ev.Encode()); n != want {
			t.Fatalf("%s evidence encodes to %d bytes, want %d", name, n, want)
		}
	}
	r := seedtest.Rand(t)
	for range 200 {
		a, b := randVote(r), randVote(r)
		b.Type, b.Height, b.Round, b.ValidatorIndex = a.Type, a.Height, a.Round, a.ValidatorIndex
		if a.BlockHash == b.BlockHash { // both nil votes
			b.BlockHash[0] = 1
		}
		ev, err := NewDuplicateVoteEvidence(a, b, evAddr, evKey)
		if err != nil {
			t.Fatal(err)
		}
		roundTrip(t, "random vote evidence", ev, (*Evidence).Encode, DecodeEvidence)
	}
}

func TestEvidenceValidateBasic(t *testing.T) {
	vote := func(mut func(ev *Evidence)) *Evidence {
		ev := specEvidence()
		a, b := *ev.VoteA, *ev.VoteB
		ev.VoteA, ev.VoteB = &a, &b
		mut(ev)
		return ev
	}
	prop := func(mut func(ev *Evidence)) *Evidence {
		ev := specProposalEvidence()
		a, b := *ev.ProposalA, *ev.ProposalB
		ev.ProposalA, ev.ProposalB = &a, &b
		mut(ev)
		return ev
	}
	cases := map[string]*Evidence{
		"unknown kind":        vote(func(ev *Evidence) { ev.Kind = 3 }),
		"kind mismatch":       vote(func(ev *Evidence) { ev.Kind = DuplicateProposal }),
		"missing vote":        vote(func(ev *Evidence) { ev.VoteB = nil }),
		"extra proposal":      vote(func(ev *Evidence) { ev.ProposalA = specProposal() }),
		"index over limit":    vote(func(ev *Evidence) { ev.ValidatorIndex = MaxValidators }),
		"index mismatch":      vote(func(ev *Evidence) { ev.ValidatorIndex = 3 }),
		"other voter":         vote(func(ev *Evidence) { ev.VoteB.ValidatorIndex = 3 }),
		"other round":         vote(func(ev *Evidence) { ev.VoteB.Round = 1 }),
		"other height":        vote(func(ev *Evidence) { ev.VoteB.Height = 2 }),
		"other type":          vote(func(ev *Evidence) { ev.VoteB.Type = Prevote }),
		"bad type":            vote(func(ev *Evidence) { ev.VoteA.Type, ev.VoteB.Type = 9, 9 }),
		"height 0":            vote(func(ev *Evidence) { ev.VoteA.Height, ev.VoteB.Height = 0, 0 }),
		"same block":          vote(func(ev *Evidence) { ev.VoteB.BlockHash = ev.VoteA.BlockHash }),
		"reversed":            vote(func(ev *Evidence) { ev.VoteA, ev.VoteB = ev.VoteB, ev.VoteA }),
		"zero address":        vote(func(ev *Evidence) { ev.Validator = Address{} }),
		"zero key":            vote(func(ev *Evidence) { ev.BLSPubKey = [BLSPubKeyLen]byte{} }),
		"proposal same":       prop(func(ev *Evidence) { ev.ProposalB.POLRound = ev.ProposalA.POLRound }),
		"proposal other h":    prop(func(ev *Evidence) { ev.ProposalB.Height = 3 }),
		"proposal bad pol":    prop(func(ev *Evidence) { ev.ProposalA.POLRound = 3 }),
		"proposal reversed":   prop(func(ev *Evidence) { ev.ProposalA, ev.ProposalB = ev.ProposalB, ev.ProposalA }),
		"proposal with votes": prop(func(ev *Evidence) { ev.VoteA = specVote() }),
	}
	for name, ev := range cases {
		if err := ev.ValidateBasic(); !errors.Is(err, ErrInvalidEvidence) {
			t.Errorf("%s: ValidateBasic = %v, want ErrInvalidEvidence", name, err)
		}
	}
	if err := (*Evidence)(nil).ValidateBasic(); !errors.Is(err, ErrInvalidEvidence) {
		t.Errorf("nil evidence: %v", err)
	}
	if _, err := NewDuplicateVoteEvidence(specVote(), specVote(), evAddr, evKey); !errors.Is(err, ErrInvalidEvidence) {
		t.Errorf("a vote paired with itself: %v", err)
	}
	if _, err := NewDuplicateVoteEvidence(specVote(), nil, evAddr, evKey); !errors.Is(err, ErrInvalidEvidence) {
		t.Errorf("a nil vote: %v", err)
	}
}

// Every rejection is a *DecodeError of the right class; a valid pair in
// the wrong order is non-canonical, anything else that fails
// ValidateBasic is malformed.
func TestDecodeEvidenceRejects(t *testing.T) {
	ok := specEvidence().Encode()
	const va, vb = evidenceHeaderLen, evidenceHeaderLen + VoteLen
	reversed := cat(ok[:va], ok[vb:], ok[va:vb])
	same := cat(ok[:vb], ok[va:vb])
	otherIdx := patch(ok, 2, 0, 0, 0, 9)
	cases := []struct {
		name  string
		b     []byte
		class error
		field string
	}{
		{"version", patch(ok, 0, 2), ErrMalformed, "version"},
		{"kind", patch(ok, 1, 3), ErrMalformed, "kind"},
		{"kind 0", patch(ok, 1, 0), ErrMalformed, "kind"},
		{"index", patch(ok, 2, 0, 0, 4, 0), ErrOversize, "validator_index"},
		{"vote_b type", patch(ok, vb+1, 7), ErrMalformed, "vote_b.type"},
		{"vote_a version", patch(ok, va, 9), ErrMalformed, "vote_a.version"},
		{"reversed pair", reversed, ErrNonCanonical, "pair"},
		{"same vote twice", same, ErrMalformed, "pair"},
		{"index mismatch", otherIdx, ErrMalformed, "pair"},
		{"proposal-sized body for a vote kind", patch(specProposalEvidence().Encode(), 1, byte(DuplicateVote)), ErrMalformed, ""},
		{"empty", nil, ErrMalformed, "version"},
	}
	for _, tc := range cases {
		_, err := DecodeEvidence(tc.b)
		var de *DecodeError
		if !errors.As(err, &de) || !errors.Is(err, tc.class) || de.What != "evidence" || tc.field != "" && de.Field != tc.field {
			t.Errorf("%s: %v, want an evidence *DecodeError in field %q wrapping %v", tc.name, err, tc.field, tc.class)
		}
	}
}

// The vector in docs/spec.md verifies as §14.12 says anyone can check it:
// both signatures are valid under bls_pub_key, over different sign bytes
// of the same (height, round, type).
func TestSpecEvidenceVectorVerifies(t *testing.T) {
	var raw []byte
	var err error
	_, blocks := specBlocks(t)
	for _, b := range blocks {
		if b.label == "evidence.encoding" {
			if raw, err = hex.DecodeString(normalize(b.body)); err != nil {
				t.Fatal(err)
			}
		}
	}
	if raw == nil {
		t.Fatal("no evidence.encoding vector in the spec")
	}
	ev, err := DecodeEvidence(raw)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(ev, specEvidence()) {
		t.Fatal("the spec's evidence is not the fixture")
	}
	ma, mb := ev.VoteA.SignBytes(specChainID), ev.VoteB.SignBytes(specChainID)
	if bytes.Equal(ma, mb) {
		t.Fatal("both votes sign the same bytes")
	}
	pk := bls.PublicKey(ev.BLSPubKey)
	if !bls.Verify(pk, ma, bls.Signature(ev.VoteA.Sig)) || !bls.Verify(pk, mb, bls.Signature(ev.VoteB.Sig)) {
		t.Fatal("a signature of the spec's evidence does not verify")
	}
	if bls.Verify(pk, ma, bls.Signature(ev.VoteB.Sig)) {
		t.Fatal("vote B's signature verifies over vote A's sign bytes")
	}
}
