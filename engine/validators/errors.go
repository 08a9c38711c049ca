package validators

import "errors"

// Sentinel errors. Functions wrap them with fmt.Errorf("%w: ...") to say
// which validator or field was at fault; test with errors.Is.
var (
	// ErrInvalidSet: a set that breaks a rule of NewSet (size, weight,
	// duplicate, key format, total power).
	ErrInvalidSet = errors.New("invalid validator set")
	// ErrBadPossession: a genesis authority's BLS proof of possession does not verify.
	ErrBadPossession = errors.New("bad BLS proof of possession")
	// ErrUnknownValidator: a validator index outside the set.
	ErrUnknownValidator = errors.New("unknown validator")
	// ErrBadSignature: a vote, proposal or commit signature that does not verify.
	ErrBadSignature = errors.New("bad signature")
	// ErrInvalidVote: a vote that is nil or of an unknown type.
	ErrInvalidVote = errors.New("invalid vote")
	// ErrInvalidProposal: a proposal that is nil or has an impossible POL round.
	ErrInvalidProposal = errors.New("invalid proposal")
	// ErrInvalidCommit: a commit certificate that is nil, for the zero hash,
	// or whose bitmap does not match the set.
	ErrInvalidCommit = errors.New("invalid commit certificate")
	// ErrInsufficientPower: signers holding 2/3 of the power or less.
	ErrInsufficientPower = errors.New("insufficient voting power")
	// ErrInvalidElection: election parameters out of range, or an
	// election whose result is not a valid set.
	ErrInvalidElection = errors.New("invalid validator election")
	// ErrInvalidCandidate: a malformed or duplicate election candidate.
	ErrInvalidCandidate = errors.New("invalid election candidate")
	// ErrUnknownMode: an election for a consensus mode other than poa,
	// pos or hybrid (also ErrInvalidElection).
	ErrUnknownMode = errors.New("unknown consensus mode")
	// ErrDuplicateCandidate: two candidates with the same address or BLS
	// key, or a candidate with the BLS key of another member of the
	// previous set (also ErrInvalidCandidate).
	ErrDuplicateCandidate = errors.New("duplicate election candidate")
	// ErrCandidateKey: a candidate whose Ed25519 key is not 32 bytes or
	// does not give its address, a member of the previous set with other
	// keys, or an entrant whose BLS key is not a valid point (also
	// ErrInvalidCandidate).
	ErrCandidateKey = errors.New("bad candidate key")
	// ErrLightClient: a header, certificate or next set the light client
	// refuses (wrong height, wrong set, not signed by the trusted set).
	ErrLightClient = errors.New("light client refused the header")
)
