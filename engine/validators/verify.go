package validators

import (
	"bytes"
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
	if !s.sigs.Verify(s.keys[v.ValidatorIndex], v.SignBytes(chainID), bls.Signature(v.Sig)) {
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
	if !s.sigs.VerifyAggregatePrepared(keys, msg, bls.Signature(c.AggSig)) {
		return fmt.Errorf("%w: commit at height %d round %d", ErrBadSignature, c.Height, c.Round)
	}
	return nil
}

// ExtendCommit adds to the certificate c the precommits for its block of
// validators c lacks: each is checked here (one pairing product for those
// that check together, VerifyVoteBatch; single checks for the rest), and
// one that fails, names another slot or a validator outside the set, or
// repeats a signer is skipped. It returns a new certificate (c is not
// changed) and how many signers it added; with none added it returns c.
// A proposer extends its last commit with the precommits that came after
// its decision, so that the next block credits every validator that
// signed in time for it (rewards and downtime are counted from it).
func (s *Set) ExtendCommit(chainID string, c *types.CommitCert, precommits []*types.Vote) (*types.CommitCert, int) {
	if c == nil || int(c.Signers.N) != len(s.vals) {
		return c, 0
	}
	var cand []*types.Vote
	for _, v := range precommits {
		if v != nil && v.Type == types.Precommit && v.Height == c.Height && v.Round == c.Round && v.BlockHash == c.BlockHash &&
			int64(v.ValidatorIndex) < int64(len(s.vals)) && !c.Signers.Get(int(v.ValidatorIndex)) {
			cand = append(cand, v)
		}
	}
	if len(cand) == 0 {
		return c, 0
	}
	ok := s.VerifyVoteBatch(chainID, cand)
	signers := types.Bitmap{N: c.Signers.N, Bits: bytes.Clone(c.Signers.Bits)}
	sigs := []bls.Signature{bls.Signature(c.AggSig)}
	for i, v := range cand {
		idx := int(v.ValidatorIndex)
		if signers.Get(idx) || !ok[i] && s.VerifyVote(chainID, v) != nil {
			continue
		}
		signers.Set(idx)
		sigs = append(sigs, bls.Signature(v.Sig))
	}
	if len(sigs) == 1 {
		return c, 0
	}
	agg, err := s.sigs.Aggregate(sigs)
	if err != nil {
		return c, 0
	}
	return &types.CommitCert{Height: c.Height, Round: c.Round, BlockHash: c.BlockHash, Signers: signers, AggSig: agg}, len(sigs) - 1
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
	agg, err := s.sigs.Aggregate(sigs)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadSignature, err)
	}
	c.AggSig = agg
	return c, nil
}

// VerifyVoteBatch checks the signatures of votes, as VerifyVote does, but
// the votes of one slot (type, height, round, block: one sign-bytes
// message) together, with one pairing product per slot
// (bls.VerifySameMessage). ok[i] reports that votes[i] verified. A vote
// left false is not known bad: it is alone in its slot, repeats a
// validator already in its slot, is not a valid vote of the set, or its
// slot failed and bisection could not clear it. Check those with
// VerifyVote, so a faulty signer costs at most its own check again.
func (s *Set) VerifyVoteBatch(chainID string, votes []*types.Vote) (ok []bool) {
	ok = make([]bool, len(votes))
	type slot struct {
		v    *types.Vote // the first vote of the slot
		idxs []int       // into votes
	}
	var slots []slot
next:
	for i, v := range votes {
		if v == nil || v.Type != types.Prevote && v.Type != types.Precommit || int64(v.ValidatorIndex) >= int64(len(s.vals)) {
			continue
		}
		for k := range slots {
			f := slots[k].v
			if f.Type == v.Type && f.Height == v.Height && f.Round == v.Round && f.BlockHash == v.BlockHash {
				for _, j := range slots[k].idxs {
					if votes[j].ValidatorIndex == v.ValidatorIndex {
						continue next
					}
				}
				slots[k].idxs = append(slots[k].idxs, i)
				continue next
			}
		}
		slots = append(slots, slot{v: v, idxs: []int{i}})
	}
	for _, sl := range slots {
		if len(sl.idxs) > 1 {
			s.verifySlot(sl.v.SignBytes(chainID), votes, sl.idxs, ok)
		}
	}
	return ok
}

// verifySlot checks votes[idxs] (one message) as a batch; a failed batch
// is split in halves, down to halves of one, which are left to the caller.
func (s *Set) verifySlot(msg []byte, votes []*types.Vote, idxs []int, ok []bool) {
	keys := make([]*bls.PreparedKey, len(idxs))
	sigs := make([]bls.Signature, len(idxs))
	for k, i := range idxs {
		keys[k], sigs[k] = s.keys[votes[i].ValidatorIndex], bls.Signature(votes[i].Sig)
	}
	if s.sigs.VerifySameMessage(keys, msg, sigs) {
		for _, i := range idxs {
			ok[i] = true
		}
		return
	}
	if half := len(idxs) / 2; half > 1 || len(idxs)-half > 1 {
		if half > 1 {
			s.verifySlot(msg, votes, idxs[:half], ok)
		}
		if len(idxs)-half > 1 {
			s.verifySlot(msg, votes, idxs[half:], ok)
		}
	}
}
