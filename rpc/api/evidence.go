package api

import "aitbc/engine/types"

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
