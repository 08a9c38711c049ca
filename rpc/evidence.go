package rpc

import (
	"net/http"

	"aitbc/engine/types"
)

// Bounds of get_evidence.
const (
	DefaultEvidenceLimit = 100
	MaxEvidenceLimit     = 100
)

// VoteJSON is a signed vote, as the evidence of a double vote carries it.
type VoteJSON struct {
	Type           string         `json:"type"` // "prevote", "precommit"
	Height         uint64         `json:"height"`
	Round          uint32         `json:"round"`
	BlockHash      types.Hash     `json:"block_hash"` // all zero: a nil vote
	ValidatorIndex uint32         `json:"validator_index"`
	Sig            types.HexBytes `json:"sig"`
}

// ProposalJSON is a signed proposal, as the evidence of a double proposal
// carries it.
type ProposalJSON struct {
	Height    uint64         `json:"height"`
	Round     uint32         `json:"round"`
	POLRound  int32          `json:"pol_round"`
	BlockHash types.Hash     `json:"block_hash"`
	Sig       types.HexBytes `json:"sig"`
}

// EvidenceJSON is one piece of recorded evidence of double-signing
// (docs/spec.md §14.12): the validator, the slot it signed twice, and both
// signed messages in canonical order. Encoding is the canonical binary
// form (types.DecodeEvidence reads it), Hash its SHA-256.
type EvidenceJSON struct {
	Hash           types.Hash     `json:"hash"`
	Kind           string         `json:"kind"` // "duplicate_vote", "duplicate_proposal"
	Height         uint64         `json:"height"`
	Round          uint32         `json:"round"`
	Type           string         `json:"type"` // the slot: "prevote", "precommit", "proposal"
	ValidatorIndex uint32         `json:"validator_index"`
	Validator      types.Address  `json:"validator"`
	BLSPubKey      types.HexBytes `json:"bls_pub_key"`
	VoteA          *VoteJSON      `json:"vote_a,omitempty"`
	VoteB          *VoteJSON      `json:"vote_b,omitempty"`
	ProposalA      *ProposalJSON  `json:"proposal_a,omitempty"`
	ProposalB      *ProposalJSON  `json:"proposal_b,omitempty"`
	Encoding       types.HexBytes `json:"encoding"`
	// IncludedHeight is the block that carried and applied the evidence
	// (0: no block has yet).
	IncludedHeight uint64 `json:"included_height"`
}

// EvidenceResponse is get_evidence: recorded evidence of heights >= From,
// ascending by height then hash, at most Limit pieces. When it holds Limit
// pieces there may be more: ask again from the last piece's height (and
// skip the hashes already seen).
type EvidenceResponse struct {
	From     uint64         `json:"from"`
	Limit    int            `json:"limit"`
	Evidence []EvidenceJSON `json:"evidence"`
}

func voteJSON(v *types.Vote) *VoteJSON {
	if v == nil {
		return nil
	}
	return &VoteJSON{Type: v.Type.String(), Height: v.Height, Round: v.Round, BlockHash: v.BlockHash,
		ValidatorIndex: v.ValidatorIndex, Sig: types.HexBytes(v.Sig[:])}
}

func proposalJSON(p *types.Proposal) *ProposalJSON {
	if p == nil {
		return nil
	}
	return &ProposalJSON{Height: p.Height, Round: p.Round, POLRound: p.POLRound, BlockHash: p.BlockHash, Sig: types.HexBytes(p.Sig[:])}
}

func evidenceJSON(ev *types.Evidence) EvidenceJSON {
	enc := ev.Encode()
	return EvidenceJSON{
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
	from, err := uintParam(q, "from", CodeBadHeight, 1, 1<<63-1, 1)
	if err != nil {
		return nil, err
	}
	limit, err := uintParam(q, "limit", CodeBadLimit, 1, MaxEvidenceLimit, DefaultEvidenceLimit)
	if err != nil {
		return nil, err
	}
	evs, err := s.b.Evidence(from, int(limit))
	if err != nil {
		return nil, err
	}
	out := EvidenceResponse{From: from, Limit: int(limit), Evidence: make([]EvidenceJSON, 0, min(len(evs), int(limit)))}
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
