package rpc

import (
	"net/http"

	"aitbc/engine/types"
	"aitbc/rpc/api"
)

// Bounds of get_evidence.
const (
	DefaultEvidenceLimit = 100
	MaxEvidenceLimit     = 100
)

func voteJSON(v *types.Vote) *api.VoteJSON {
	if v == nil {
		return nil
	}
	return &api.VoteJSON{Type: v.Type.String(), Height: v.Height, Round: v.Round, BlockHash: v.BlockHash,
		ValidatorIndex: v.ValidatorIndex, Sig: types.HexBytes(v.Sig[:])}
}

func proposalJSON(p *types.Proposal) *api.ProposalJSON {
	if p == nil {
		return nil
	}
	return &api.ProposalJSON{Height: p.Height, Round: p.Round, POLRound: p.POLRound, BlockHash: p.BlockHash, Sig: types.HexBytes(p.Sig[:])}
}

func evidenceJSON(ev *types.Evidence) api.EvidenceJSON {
	enc := ev.Encode()
	return api.EvidenceJSON{
		Hash: types.Sum256(enc), Kind: ev.Kind.String(), Height: ev.Height(), Round: ev.Round(), Type: ev.Step(),
		ValidatorIndex: ev.ValidatorIndex, Validator: ev.Validator, BLSPubKey: types.HexBytes(ev.BLSPubKey[:]),
		VoteA: voteJSON(ev.VoteA), VoteB: voteJSON(ev.VoteB),
		ProposalA: proposalJSON(ev.ProposalA), ProposalB: proposalJSON(ev.ProposalB),
		Encoding: enc,
	}
}

// getEvidence lists recorded evidence of double-signing from the block
// store: ?from= (a height >= 1, default 1) and ?limit= (1..100, default 100).
func (s *Server) getEvidence(_ http.ResponseWriter, r *http.Request) (any, error) {
	q, err := queryParams(r, "from", "limit")
	if err != nil {
		return nil, err
	}
	from, err := uintParam(q, "from", api.CodeBadHeight, 1, 1<<63-1, 1)
	if err != nil {
		return nil, err
	}
	limit, err := uintParam(q, "limit", api.CodeBadLimit, 1, MaxEvidenceLimit, DefaultEvidenceLimit)
	if err != nil {
		return nil, err
	}
	evs, err := s.b.Evidence(from, int(limit))
	if err != nil {
		return nil, err
	}
	out := api.EvidenceResponse{From: from, Limit: int(limit), Evidence: make([]api.EvidenceJSON, 0, min(len(evs), int(limit)))}
	for _, ev := range evs {
		if len(out.Evidence) == int(limit) {
			break
		}
		j := evidenceJSON(ev)
		if h, err := s.b.EvidenceIncluded(j.Hash); err == nil {
			j.IncludedHeight = h
		}
		out.Evidence = append(out.Evidence, j)
	}
	return out, nil
}
