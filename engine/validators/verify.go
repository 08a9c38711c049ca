package validators

import (
	"fmt"

	"aitbc/engine/bls"
	"aitbc/engine/types"
)

// VerifyVote checks that v comes from a member of the set and carries that
// member's BLS signature over v.SignBytes(chainID). Height and round are
// the caller's business.
func (s *Set) VerifyVote(chainID string, v *types.Vote) error {
	if v == nil {
		return fmt.Errorf("%w: nil", ErrInvalidVote)
	}
	if v.Type != types.Prevote && v.Type != types.Precommit {
		return fmt.Errorf("%w: type %d", ErrInvalidVote, v.Type)
	}
	if int64(v.ValidatorIndex) >= int64(len(s.vals)) {
		return fmt.Errorf("%w: index %d, set of %d", ErrUnknownValidator, v.ValidatorIndex, len(s.vals))
	}
	if !s.keys[v.ValidatorIndex].Verify(v.SignBytes(chainID), bls.Signature(v.Sig)) {
		return fmt.Errorf("%w: %s by validator %d at height %d round %d", ErrBadSignature, v.Type, v.ValidatorIndex, v.Height, v.Round)
	}
	return nil
}

// VerifyProposal checks that p is signed by Proposer(p.Height, p.Round) and
// that its POL round is -1 or below its round.
func (s *Set) VerifyProposal(chainID string, p *types.Proposal) error {
	if p == nil {
		return fmt.Errorf("%w: nil", ErrInvalidProposal)
	}
	if p.POLRound < -1 || p.POLRound >= 0 && uint32(p.POLRound) >= p.Round {
		return fmt.Errorf("%w: pol_round %d with round %d", ErrInvalidProposal, p.POLRound, p.Round)
	}
	return s.verifyProposalBy(chainID, p, s.Proposer(p.Height, p.Round), "proposer")
}

// VerifyProposalBy checks that validator i signed p, without finding the
// round's proposer (VerifyProposal also checks that i is it).
func (s *Set) VerifyProposalBy(chainID string, p *types.Proposal, i int) error {
	if p == nil || i < 0 || i >= len(s.keys) {
		return fmt.Errorf("%w: nil proposal or validator index %d", ErrInvalidProposal, i)
	}
	return s.verifyProposalBy(chainID, p, i, "validator")
}

func (s *Set) verifyProposalBy(chainID string, p *types.Proposal, i int, role string) error {
	if !s.keys[i].Verify(p.SignBytes(chainID), bls.Signature(p.Sig)) {
		return fmt.Errorf("%w: proposal at height %d round %d is not signed by %s %d", ErrBadSignature, p.Height, p.Round, role, i)
	}
	return nil
}

// checkBitmap checks that b has exactly one bit per validator and zero padding.
func (s *Set) checkBitmap(b types.Bitmap) error {
	n := len(s.vals)
	if int64(b.N) != int64(n) || len(b.Bits) != (n+7)/8 {
		return fmt.Errorf("%w: bitmap of %d bits in %d bytes for a set of %d", ErrInvalidCommit, b.N, len(b.Bits), n)
	}
	if pad := n % 8; pad != 0 && b.Bits[len(b.Bits)-1]>>pad != 0 {
		return fmt.Errorf("%w: bitmap padding bits set", ErrInvalidCommit)
	}
	return nil
}

// VerifyCommit checks a commit certificate against the set: a bitmap of
// exactly Size() bits, signers holding at least Quorum() power, and one
// aggregate pairing check of AggSig against the sum of the signers' keys
// over types.VoteSignBytes(chainID, Precommit, c.Height, c.Round, c.BlockHash).
func (s *Set) VerifyCommit(chainID string, c *types.CommitCert) error {
	if c == nil {
		return fmt.Errorf("%w: nil", ErrInvalidCommit)
	}
	if c.BlockHash.IsZero() {
		return fmt.Errorf("%w: commit for the zero hash", ErrInvalidCommit)
	}
	if err := s.checkBitmap(c.Signers); err != nil {
		return err
	}
	keys := make([]*bls.PreparedKey, 0, len(s.vals))
	var power uint64
	for i := range s.vals {
		if c.Signers.Get(i) {
			keys = append(keys, s.keys[i])
			power += s.vals[i].Weight
		}
	}
	if power < s.Quorum() {
		return fmt.Errorf("%w: signers hold %d of %d, need %d", ErrInsufficientPower, power, s.total, s.Quorum())
	}
	msg := types.VoteSignBytes(chainID, types.Precommit, c.Height, c.Round, c.BlockHash)
	if !bls.VerifyAggregatePrepared(keys, msg, bls.Signature(c.AggSig)) {
		return fmt.Errorf("%w: commit at height %d round %d", ErrBadSignature, c.Height, c.Round)
	}
	return nil
}

// MakeCommit aggregates precommits for (height, round, blockHash) into a
// commit certificate. The votes must already have passed VerifyVote; a
// vote for anything else, a duplicate validator or too little power is an
// error. The signatures are aggregated in validator order.
func (s *Set) MakeCommit(height uint64, round uint32, blockHash types.Hash, precommits []*types.Vote) (*types.CommitCert, error) {
	if blockHash.IsZero() {
		return nil, fmt.Errorf("%w: commit for the zero hash", ErrInvalidCommit)
	}
	byIndex := make([]*types.Vote, len(s.vals))
	for _, v := range precommits {
		switch {
		case v == nil || v.Type != types.Precommit || v.Height != height || v.Round != round || v.BlockHash != blockHash:
			return nil, fmt.Errorf("%w: vote is not a precommit for height %d round %d block %s", ErrInvalidVote, height, round, blockHash)
		case int64(v.ValidatorIndex) >= int64(len(s.vals)):
			return nil, fmt.Errorf("%w: index %d, set of %d", ErrUnknownValidator, v.ValidatorIndex, len(s.vals))
		case byIndex[v.ValidatorIndex] != nil:
			return nil, fmt.Errorf("%w: two precommits from validator %d", ErrInvalidVote, v.ValidatorIndex)
		}
		byIndex[v.ValidatorIndex] = v
	}
	c := &types.CommitCert{Height: height, Round: round, BlockHash: blockHash, Signers: types.NewBitmap(len(s.vals))}
	sigs := make([]bls.Signature, 0, len(precommits))
	var power uint64
	for i, v := range byIndex {
		if v != nil {
			c.Signers.Set(i)
			sigs = append(sigs, bls.Signature(v.Sig))
			power += s.vals[i].Weight
		}
	}
	if power < s.Quorum() {
		return nil, fmt.Errorf("%w: precommits hold %d of %d, need %d", ErrInsufficientPower, power, s.total, s.Quorum())
	}
	agg, err := bls.AggregateSignatures(sigs)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadSignature, err)
	}
	c.AggSig = agg
	return c, nil
}
