package types

import (
	"fmt"
)

// BLS12-381 sizes (min-pubkey-size: public keys in G1, signatures in G2, compressed).
const (
	BLSPubKeyLen = 48
	BLSSigLen    = 96
	// MaxValidators bounds a validator set and so a commit bitmap.
	MaxValidators = 1024
	voteVersion   = 1
)

// VoteSignDomain prefixes the bytes a validator's BLS key signs.
const VoteSignDomain = "AITBC/vote/v1\x00"

// VoteType is the consensus step a vote belongs to.
type VoteType uint8

const (
	Prevote   VoteType = 1
	Precommit VoteType = 2
)

func (t VoteType) String() string {
	switch t {
	case Prevote:
		return "prevote"
	case Precommit:
		return "precommit"
	}
	return fmt.Sprintf("VoteType(%d)", uint8(t))
}

// Vote is one validator's prevote or precommit. BlockHash zero is a nil vote.
type Vote struct {
	Type           VoteType
	Height         uint64
	Round          uint32
	BlockHash      Hash
	ValidatorIndex uint32
	Sig            [BLSSigLen]byte
}

// VoteSignBytes is the message a validator signs. It omits the validator
// index so that precommits for one block aggregate into one signature.
func VoteSignBytes(chainID string, t VoteType, height uint64, round uint32, blockHash Hash) []byte {
	e := encoder{b: make([]byte, 0, len(VoteSignDomain)+4+len(chainID)+1+8+4+HashLen)}
	e.raw([]byte(VoteSignDomain))
	e.bytes([]byte(chainID))
	e.u8(uint8(t))
	e.u64(height)
	e.u32(round)
	e.raw(blockHash[:])
	return e.b
}

// SignBytes is VoteSignBytes for this vote.
func (v *Vote) SignBytes(chainID string) []byte {
	return VoteSignBytes(chainID, v.Type, v.Height, v.Round, v.BlockHash)
}

// Encode returns the canonical vote encoding.
func (v *Vote) Encode() []byte {
	e := encoder{b: make([]byte, 0, 1+1+8+4+HashLen+4+BLSSigLen)}
	e.u8(voteVersion)
	e.u8(uint8(v.Type))
	e.u64(v.Height)
	e.u32(v.Round)
	e.raw(v.BlockHash[:])
	e.u32(v.ValidatorIndex)
	e.raw(v.Sig[:])
	return e.b
}

// DecodeVote parses a canonical vote encoding.
func DecodeVote(b []byte) (*Vote, error) {
	d := newDecoder("vote", b)
	v := new(Vote)
	if ver := d.u8("version"); d.err == nil && ver != voteVersion {
		d.fail("version", ErrMalformed, fmt.Sprintf("unknown version %d", ver))
	}
	v.Type = VoteType(d.u8("type"))
	if d.err == nil && v.Type != Prevote && v.Type != Precommit {
		d.fail("type", ErrMalformed, fmt.Sprintf("unknown vote type %d", v.Type))
	}
	v.Height = d.u64("height")
	if d.err == nil && v.Height == 0 {
		d.fail("height", ErrMalformed, "height 0")
	}
	v.Round = d.u32("round")
	d.fixed("block_hash", v.BlockHash[:])
	v.ValidatorIndex = d.u32("validator_index")
	if d.err == nil && v.ValidatorIndex >= MaxValidators {
		d.fail("validator_index", ErrOversize, fmt.Sprintf("%d >= %d", v.ValidatorIndex, MaxValidators))
	}
	d.fixed("sig", v.Sig[:])
	if err := d.finish(); err != nil {
		return nil, err
	}
	return v, nil
}

// CommitCert proves a block final: precommits from validators holding more
// than 2/3 of the voting power, aggregated into one BLS signature over
// VoteSignBytes(chainID, Precommit, Height, Round, BlockHash).
type CommitCert struct {
	Height    uint64
	Round     uint32
	BlockHash Hash
	Signers   Bitmap // bit i set: validator i of the set signed
	AggSig    [BLSSigLen]byte
}

// Bitmap is a fixed-length bit set; bit i is Bits[i/8] & (1 << (i%8)).
type Bitmap struct {
	N    uint32
	Bits []byte
}

// NewBitmap returns an all-clear bitmap of n bits.
func NewBitmap(n int) Bitmap { return Bitmap{N: uint32(n), Bits: make([]byte, (n+7)/8)} }

// Set sets bit i.
func (b Bitmap) Set(i int) { b.Bits[i/8] |= 1 << uint(i%8) }

// Get reports bit i.
func (b Bitmap) Get(i int) bool { return i < int(b.N) && b.Bits[i/8]&(1<<uint(i%8)) != 0 }

// Count is the number of set bits.
func (b Bitmap) Count() int {
	n := 0
	for i := 0; i < int(b.N); i++ {
		if b.Get(i) {
			n++
		}
	}
	return n
}

// AppendEncode appends the canonical commit encoding.
func (c *CommitCert) AppendEncode(dst []byte) []byte {
	e := encoder{b: dst}
	e.u64(c.Height)
	e.u32(c.Round)
	e.raw(c.BlockHash[:])
	e.u32(c.Signers.N)
	e.raw(c.Signers.Bits)
	e.raw(c.AggSig[:])
	return e.b
}

// Encode returns the canonical commit encoding.
func (c *CommitCert) Encode() []byte { return c.AppendEncode(nil) }

// Hash is SHA-256 of the commit encoding (a header's LastCommitHash).
func (c *CommitCert) Hash() Hash { return Sum256(c.Encode()) }

// DecodeCommit parses a canonical commit encoding.
func DecodeCommit(b []byte) (*CommitCert, error) {
	d := newDecoder("commit", b)
	c := decodeCommit(d)
	if err := d.finish(); err != nil {
		return nil, err
	}
	return c, nil
}

func decodeCommit(d *decoder) *CommitCert {
	c := new(CommitCert)
	c.Height = d.u64("height")
	if d.err == nil && c.Height == 0 {
		d.fail("height", ErrMalformed, "height 0")
	}
	c.Round = d.u32("round")
	d.fixed("block_hash", c.BlockHash[:])
	n := d.u32("signers_len")
	switch {
	case d.err != nil:
	case n == 0:
		d.fail("signers_len", ErrMalformed, "empty signer bitmap")
	case n > MaxValidators:
		d.fail("signers_len", ErrOversize, fmt.Sprintf("%d > %d", n, MaxValidators))
	}
	if d.err == nil {
		raw := d.take("signers", int(n+7)/8)
		if raw != nil {
			c.Signers = Bitmap{N: n, Bits: append([]byte(nil), raw...)}
			if pad := n % 8; pad != 0 && raw[len(raw)-1]>>pad != 0 {
				d.fail("signers", ErrNonCanonical, "padding bits set")
			}
		}
	}
	d.fixed("agg_sig", c.AggSig[:])
	return c
}

// Proposal announces the proposer's block for (Height, Round). POLRound is
// the round of the proof-of-lock the proposer relies on, or -1.
type Proposal struct {
	Height    uint64
	Round     uint32
	POLRound  int32
	BlockHash Hash
	Sig       [BLSSigLen]byte
}

// ProposalSignDomain prefixes the bytes a proposer signs.
const ProposalSignDomain = "AITBC/proposal/v1\x00"

// SignBytes is the message the proposer signs.
func (p *Proposal) SignBytes(chainID string) []byte {
	e := encoder{}
	e.raw([]byte(ProposalSignDomain))
	e.bytes([]byte(chainID))
	e.u64(p.Height)
	e.u32(p.Round)
	e.u32(uint32(p.POLRound))
	e.raw(p.BlockHash[:])
	return e.b
}

// Encode returns the canonical proposal encoding.
func (p *Proposal) Encode() []byte {
	e := encoder{}
	e.u8(voteVersion)
	e.u64(p.Height)
	e.u32(p.Round)
	e.u32(uint32(p.POLRound))
	e.raw(p.BlockHash[:])
	e.raw(p.Sig[:])
	return e.b
}

// DecodeProposal parses a canonical proposal encoding.
func DecodeProposal(b []byte) (*Proposal, error) {
	d := newDecoder("proposal", b)
	p := new(Proposal)
	if ver := d.u8("version"); d.err == nil && ver != voteVersion {
		d.fail("version", ErrMalformed, fmt.Sprintf("unknown version %d", ver))
	}
	p.Height = d.u64("height")
	if d.err == nil && p.Height == 0 {
		d.fail("height", ErrMalformed, "height 0")
	}
	p.Round = d.u32("round")
	p.POLRound = int32(d.u32("pol_round"))
	if d.err == nil && (p.POLRound < -1 || p.POLRound >= 0 && uint32(p.POLRound) >= p.Round) {
		d.fail("pol_round", ErrMalformed, fmt.Sprintf("pol_round %d with round %d", p.POLRound, p.Round))
	}
	d.fixed("block_hash", p.BlockHash[:])
	d.fixed("sig", p.Sig[:])
	if err := d.finish(); err != nil {
		return nil, err
	}
	return p, nil
}
