package types

import (
	"bytes"
	"errors"
	"fmt"
)

// EvidenceKind says what a validator signed twice.
type EvidenceKind uint8

const (
	// DuplicateVote: two votes of one type for one (height, round) with
	// different block hashes, by one validator.
	DuplicateVote EvidenceKind = 1
	// DuplicateProposal: two proposals for one (height, round) with
	// different block hashes or POL rounds, by that round's proposer.
	DuplicateProposal EvidenceKind = 2
)

func (k EvidenceKind) String() string {
	switch k {
	case DuplicateVote:
		return "duplicate_vote"
	case DuplicateProposal:
		return "duplicate_proposal"
	}
	return fmt.Sprintf("EvidenceKind(%d)", uint8(k))
}

// Encoding sizes of the messages an evidence carries, and of the evidence.
const (
	VoteLen     = 1 + 1 + 8 + 4 + HashLen + 4 + BLSSigLen // 146
	ProposalLen = 1 + 8 + 4 + 4 + HashLen + BLSSigLen     // 145
	// evidenceHeaderLen: version, kind, validator_index, validator, bls_pub_key.
	evidenceHeaderLen = 1 + 1 + 4 + AddressLen + BLSPubKeyLen
	// DuplicateVoteEvidenceLen and DuplicateProposalEvidenceLen are the
	// only two sizes an evidence encoding has.
	DuplicateVoteEvidenceLen     = evidenceHeaderLen + 2*VoteLen     // 366
	DuplicateProposalEvidenceLen = evidenceHeaderLen + 2*ProposalLen // 364
	// maxEvidenceLen bounds evidence_len in a block (the larger size).
	maxEvidenceLen  = max(DuplicateVoteEvidenceLen, DuplicateProposalEvidenceLen)
	evidenceVersion = 1
)

// Evidence proves that one validator signed two conflicting consensus
// messages for one (height, round, step): two complete signed votes, or two
// signed proposals. The pair is in canonical order (A's encoding sorts
// before B's), so the same pair always encodes and hashes the same,
// whichever message arrived first.
//
// Validator and BLSPubKey name the validator of the set that decides
// Height (its index there is ValidatorIndex): the key both signatures
// verify under. Evidence is a node-local record (docs/spec.md §14.12) and
// blocks carry it (Block.Evidence, bound by the header's EvidenceHash, §5).
type Evidence struct {
	Kind           EvidenceKind
	ValidatorIndex uint32
	Validator      Address
	BLSPubKey      [BLSPubKeyLen]byte

	// DuplicateVote: both set, Proposal fields nil.
	VoteA, VoteB *Vote
	// DuplicateProposal: both set, Vote fields nil.
	ProposalA, ProposalB *Proposal
}

// NewDuplicateVoteEvidence pairs two conflicting votes of the validator
// (validator, key) in canonical order. It copies the votes and checks the
// result with ValidateBasic; it checks no signature.
func NewDuplicateVoteEvidence(a, b *Vote, validator Address, key [BLSPubKeyLen]byte) (*Evidence, error) {
	if a == nil || b == nil {
		return nil, fmt.Errorf("%w: nil vote", ErrInvalidEvidence)
	}
	va, vb := *a, *b
	if bytes.Compare(va.Encode(), vb.Encode()) > 0 {
		va, vb = vb, va
	}
	ev := &Evidence{Kind: DuplicateVote, ValidatorIndex: va.ValidatorIndex, Validator: validator, BLSPubKey: key, VoteA: &va, VoteB: &vb}
	if err := ev.ValidateBasic(); err != nil {
		return nil, err
	}
	return ev, nil
}

// NewDuplicateProposalEvidence pairs two conflicting proposals of the
// proposer (index, validator, key) in canonical order. It copies the
// proposals and checks the result with ValidateBasic; it checks no
// signature and not that index is the round's proposer.
func NewDuplicateProposalEvidence(a, b *Proposal, index uint32, validator Address, key [BLSPubKeyLen]byte) (*Evidence, error) {
	if a == nil || b == nil {
		return nil, fmt.Errorf("%w: nil proposal", ErrInvalidEvidence)
	}
	pa, pb := *a, *b
	if bytes.Compare(pa.Encode(), pb.Encode()) > 0 {
		pa, pb = pb, pa
	}
	ev := &Evidence{Kind: DuplicateProposal, ValidatorIndex: index, Validator: validator, BLSPubKey: key, ProposalA: &pa, ProposalB: &pb}
	if err := ev.ValidateBasic(); err != nil {
		return nil, err
	}
	return ev, nil
}

// Height is the height both messages are for.
func (ev *Evidence) Height() uint64 {
	switch {
	case ev.VoteA != nil:
		return ev.VoteA.Height
	case ev.ProposalA != nil:
		return ev.ProposalA.Height
	}
	return 0
}

// Round is the round both messages are for.
func (ev *Evidence) Round() uint32 {
	switch {
	case ev.VoteA != nil:
		return ev.VoteA.Round
	case ev.ProposalA != nil:
		return ev.ProposalA.Round
	}
	return 0
}

// Step is "prevote", "precommit" or "proposal": the slot signed twice.
func (ev *Evidence) Step() string {
	switch {
	case ev.Kind == DuplicateVote && ev.VoteA != nil:
		return ev.VoteA.Type.String()
	case ev.Kind == DuplicateProposal:
		return "proposal"
	}
	return ev.Kind.String()
}

// ValidateBasic runs the checks that need no validator set: a known kind,
// both messages of that kind present and well-formed, for the same height
// (>= 1), round and vote type, from ValidatorIndex, with different sign
// bytes, in canonical order. Signatures are checked against the set of the
// height by consensus.VerifyEvidence.
func (ev *Evidence) ValidateBasic() error {
	bad := func(format string, a ...any) error {
		return fmt.Errorf("%w: %s", ErrInvalidEvidence, fmt.Sprintf(format, a...))
	}
	if ev == nil {
		return bad("nil")
	}
	if ev.ValidatorIndex >= MaxValidators {
		return bad("validator_index %d >= %d", ev.ValidatorIndex, MaxValidators)
	}
	if ev.Validator.IsZero() {
		return bad("zero validator address")
	}
	if ev.BLSPubKey == ([BLSPubKeyLen]byte{}) {
		return bad("zero bls_pub_key")
	}
	var a, b []byte
	switch ev.Kind {
	case DuplicateVote:
		va, vb := ev.VoteA, ev.VoteB
		switch {
		case va == nil || vb == nil || ev.ProposalA != nil || ev.ProposalB != nil:
			return bad("duplicate_vote needs exactly two votes")
		case va.Type != Prevote && va.Type != Precommit:
			return bad("vote type %d", va.Type)
		case va.Type != vb.Type || va.Height != vb.Height || va.Round != vb.Round:
			return bad("votes for different slots: %s h=%d r=%d and %s h=%d r=%d", va.Type, va.Height, va.Round, vb.Type, vb.Height, vb.Round)
		case va.Height == 0:
			return bad("height 0")
		case va.ValidatorIndex != ev.ValidatorIndex || vb.ValidatorIndex != ev.ValidatorIndex:
			return bad("votes from validators %d and %d, evidence names %d", va.ValidatorIndex, vb.ValidatorIndex, ev.ValidatorIndex)
		case va.BlockHash == vb.BlockHash:
			return bad("both votes are for %s: no conflict", va.BlockHash)
		}
		a, b = va.Encode(), vb.Encode()
	case DuplicateProposal:
		pa, pb := ev.ProposalA, ev.ProposalB
		switch {
		case pa == nil || pb == nil || ev.VoteA != nil || ev.VoteB != nil:
			return bad("duplicate_proposal needs exactly two proposals")
		case pa.Height != pb.Height || pa.Round != pb.Round:
			return bad("proposals for different slots: h=%d r=%d and h=%d r=%d", pa.Height, pa.Round, pb.Height, pb.Round)
		case pa.Height == 0:
			return bad("height 0")
		case !validPOLRound(pa) || !validPOLRound(pb):
			return bad("pol_rounds %d and %d with round %d", pa.POLRound, pb.POLRound, pa.Round)
		case pa.BlockHash == pb.BlockHash && pa.POLRound == pb.POLRound:
			return bad("both proposals sign the same block and pol_round: no conflict")
		}
		a, b = pa.Encode(), pb.Encode()
	default:
		return bad("unknown kind %d", ev.Kind)
	}
	if bytes.Compare(a, b) >= 0 {
		return fmt.Errorf("%w: not in canonical order (A's encoding must sort before B's)", ErrInvalidEvidence)
	}
	return nil
}

func validPOLRound(p *Proposal) bool {
	return p.POLRound == -1 || p.POLRound >= 0 && uint32(p.POLRound) < p.Round
}

// Encode returns the canonical evidence encoding (docs/spec.md §14.12).
// The evidence must pass ValidateBasic.
func (ev *Evidence) Encode() []byte {
	e := encoder{b: make([]byte, 0, ev.EncodedSize())}
	e.u8(evidenceVersion)
	e.u8(uint8(ev.Kind))
	e.u32(ev.ValidatorIndex)
	e.raw(ev.Validator[:])
	e.raw(ev.BLSPubKey[:])
	if ev.Kind == DuplicateVote {
		e.raw(ev.VoteA.Encode())
		e.raw(ev.VoteB.Encode())
	} else {
		e.raw(ev.ProposalA.Encode())
		e.raw(ev.ProposalB.Encode())
	}
	return e.b
}

// EncodedSize is len(ev.Encode()), computed without encoding.
func (ev *Evidence) EncodedSize() int {
	if ev.Kind == DuplicateProposal {
		return DuplicateProposalEvidenceLen
	}
	return DuplicateVoteEvidenceLen
}

// Hash is SHA-256 of the encoding: the evidence's identity in the store
// and its leaf in a block's EvidenceRoot.
func (ev *Evidence) Hash() Hash { return Sum256(ev.Encode()) }

// DecodeEvidence parses a canonical evidence encoding. Whatever it accepts
// passes ValidateBasic; a pair out of canonical order is ErrNonCanonical.
func DecodeEvidence(b []byte) (*Evidence, error) {
	d := newDecoder("evidence", b)
	ev := new(Evidence)
	if ver := d.u8("version"); d.err == nil && ver != evidenceVersion {
		d.fail("version", ErrMalformed, fmt.Sprintf("unknown version %d", ver))
	}
	ev.Kind = EvidenceKind(d.u8("kind"))
	if d.err == nil && ev.Kind != DuplicateVote && ev.Kind != DuplicateProposal {
		d.fail("kind", ErrMalformed, fmt.Sprintf("unknown evidence kind %d", ev.Kind))
	}
	ev.ValidatorIndex = d.u32("validator_index")
	if d.err == nil && ev.ValidatorIndex >= MaxValidators {
		d.fail("validator_index", ErrOversize, fmt.Sprintf("%d >= %d", ev.ValidatorIndex, MaxValidators))
	}
	d.fixed("validator", ev.Validator[:])
	d.fixed("bls_pub_key", ev.BLSPubKey[:])
	if d.err == nil {
		if ev.Kind == DuplicateVote {
			ev.VoteA = decodeInner(d, "vote_a", VoteLen, DecodeVote)
			ev.VoteB = decodeInner(d, "vote_b", VoteLen, DecodeVote)
		} else {
			ev.ProposalA = decodeInner(d, "proposal_a", ProposalLen, DecodeProposal)
			ev.ProposalB = decodeInner(d, "proposal_b", ProposalLen, DecodeProposal)
		}
	}
	if err := d.finish(); err != nil {
		return nil, err
	}
	if err := ev.ValidateBasic(); err != nil {
		class := ErrMalformed
		if ev.swapped().ValidateBasic() == nil {
			class = ErrNonCanonical // valid evidence, written in the wrong order
		}
		return nil, &DecodeError{What: "evidence", Field: "pair", Err: class, Info: err.Error()}
	}
	return ev, nil
}

// swapped is ev with A and B exchanged.
func (ev *Evidence) swapped() *Evidence {
	s := *ev
	s.VoteA, s.VoteB = ev.VoteB, ev.VoteA
	s.ProposalA, s.ProposalB = ev.ProposalB, ev.ProposalA
	return &s
}

// decodeInner takes n bytes for field and decodes them, keeping the inner
// decoder's class and naming the field "<field>.<inner field>".
func decodeInner[T any](d *decoder, field string, n int, dec func([]byte) (*T, error)) *T {
	raw := d.take(field, n)
	if raw == nil {
		return nil
	}
	v, err := dec(raw)
	if err != nil {
		var de *DecodeError
		if errors.As(err, &de) {
			d.fail(field+"."+de.Field, de.Err, de.Info)
		} else {
			d.fail(field, ErrMalformed, err.Error())
		}
		return nil
	}
	return v
}
