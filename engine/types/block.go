package types

import (
	"errors"
	"fmt"
)

// Protocol hard limits on blocks (genesis params may set lower operating limits).
const (
	MaxBlockTxs = 50_000
	// MaxBlockEvidence bounds the evidence a block carries (§5); the
	// decoder refuses a larger evidence_count before allocating.
	MaxBlockEvidence = 256
	MaxBlockBytes    = 32 << 20
	// MaxBlockTimeMs bounds a block's time (Unix ms, about the year
	// 285,000): parent time + 1 can never overflow.
	MaxBlockTimeMs = 1 << 53
	// headerVersion 2 added next_validators_hash and version 3
	// evidence_hash (issue #11); versions 1 and 2 are refused.
	headerVersion = 3
)

// Header is a block header; its hash is the block hash.
type Header struct {
	ChainID        string
	Height         uint64
	Time           uint64 // proposer's time, Unix milliseconds
	ParentHash     Hash   // zero at height 1
	Proposer       Address
	TxRoot         Hash // MerkleRoot of the tx hashes
	StateRoot      Hash // state root after executing this block's txs
	ValidatorsHash Hash // hash of the validator set that signs this block
	// NextValidatorsHash is the hash of the set that signs height+1
	// (equal to ValidatorsHash unless the set changes there).
	NextValidatorsHash Hash
	LastCommitHash     Hash // hash of the parent's commit certificate; zero at height 1
	// EvidenceHash is EvidenceRoot of the block's evidence: zero when the
	// block carries none. Encoded last, after last_commit_hash.
	EvidenceHash Hash
}

// AppendEncode appends the canonical header encoding.
func (h *Header) AppendEncode(dst []byte) []byte {
	e := encoder{b: dst}
	e.u8(headerVersion)
	e.bytes([]byte(h.ChainID))
	e.u64(h.Height)
	e.u64(h.Time)
	e.raw(h.ParentHash[:])
	e.raw(h.Proposer[:])
	e.raw(h.TxRoot[:])
	e.raw(h.StateRoot[:])
	e.raw(h.ValidatorsHash[:])
	e.raw(h.NextValidatorsHash[:])
	e.raw(h.LastCommitHash[:])
	e.raw(h.EvidenceHash[:])
	return e.b
}

// Encode returns the canonical header encoding.
func (h *Header) Encode() []byte { return h.AppendEncode(nil) }

// Hash is SHA-256 of the header encoding: the block hash.
func (h *Header) Hash() Hash { return Sum256(h.Encode()) }

// DecodeHeader parses a canonical header encoding.
func DecodeHeader(b []byte) (*Header, error) {
	d := newDecoder("header", b)
	h := decodeHeader(d)
	if err := d.finish(); err != nil {
		return nil, err
	}
	return h, nil
}

func decodeHeader(d *decoder) *Header {
	h := new(Header)
	if v := d.u8("version"); d.err == nil && v != headerVersion {
		d.fail("version", ErrMalformed, fmt.Sprintf("unknown version %d", v))
	}
	h.ChainID = decodeChainID(d)
	h.Height = d.u64("height")
	if d.err == nil && h.Height == 0 {
		d.fail("height", ErrMalformed, "height 0")
	}
	h.Time = d.u64("time")
	d.fixed("parent_hash", h.ParentHash[:])
	d.fixed("proposer", h.Proposer[:])
	d.fixed("tx_root", h.TxRoot[:])
	d.fixed("state_root", h.StateRoot[:])
	d.fixed("validators_hash", h.ValidatorsHash[:])
	d.fixed("next_validators_hash", h.NextValidatorsHash[:])
	d.fixed("last_commit_hash", h.LastCommitHash[:])
	d.fixed("evidence_hash", h.EvidenceHash[:])
	return h
}

// Block is a header, its transactions, the parent's commit certificate
// and the double-sign evidence it carries.
type Block struct {
	Header     Header
	Txs        []*Tx
	LastCommit *CommitCert // nil at height 1
	// Evidence is bound to the header by EvidenceHash; each piece must
	// pass ValidateBasic to encode.
	Evidence []*Evidence
}

// Hash is the block hash (the header hash).
func (b *Block) Hash() Hash { return b.Header.Hash() }

// Encode returns the canonical block encoding:
// header || u32 tx count || (u32 len || tx)* || u8 has_commit || [commit] ||
// u32 evidence count || (u32 len || evidence)*.
func (b *Block) Encode() []byte {
	out := b.Header.AppendEncode(make([]byte, 0, 512+len(b.Txs)*200+len(b.Evidence)*(4+DuplicateVoteEvidenceLen)))
	e := encoder{b: out}
	e.u32(uint32(len(b.Txs)))
	for _, tx := range b.Txs {
		e.u32(uint32(tx.Size()))
		e.b = tx.AppendEncode(e.b)
	}
	if b.LastCommit == nil {
		e.u8(0)
	} else {
		e.u8(1)
		e.b = b.LastCommit.AppendEncode(e.b)
	}
	e.u32(uint32(len(b.Evidence)))
	for _, ev := range b.Evidence {
		e.bytes(ev.Encode())
	}
	return e.b
}

// EncodedSize is len(b.Encode()), computed without encoding.
func (b *Block) EncodedSize() int {
	sz := len(b.Header.Encode()) + 4 + 1 + 4
	for _, tx := range b.Txs {
		sz += 4 + tx.Size()
	}
	if b.LastCommit != nil {
		sz += len(b.LastCommit.Encode())
	}
	for _, ev := range b.Evidence {
		sz += 4 + ev.EncodedSize()
	}
	return sz
}

// DecodeBlock parses a canonical block encoding.
func DecodeBlock(b []byte) (*Block, error) {
	if len(b) > MaxBlockBytes {
		return nil, &DecodeError{What: "block", Field: "input", Err: ErrOversize, Info: fmt.Sprintf("%d bytes > %d", len(b), MaxBlockBytes)}
	}
	d := newDecoder("block", b)
	blk := &Block{Header: *decodeHeader(d)}
	n := d.u32("tx_count")
	if d.err == nil && n > MaxBlockTxs {
		d.fail("tx_count", ErrOversize, fmt.Sprintf("%d > %d", n, MaxBlockTxs))
	}
	if d.err == nil && n > 0 {
		blk.Txs = make([]*Tx, 0, min(int(n), 4096))
	}
	for i := uint32(0); d.err == nil && i < n; i++ {
		size := d.u32("tx_len")
		if d.err != nil {
			break
		}
		if size > MaxTxBytes {
			d.fail("tx_len", ErrOversize, fmt.Sprintf("tx %d: %d bytes > %d", i, size, MaxTxBytes))
			break
		}
		raw := d.take("tx", int(size))
		if raw == nil {
			break
		}
		tx, err := DecodeTx(raw)
		if err != nil {
			// Keep the tx's own sentinel (oversize stays oversize) and field.
			var de *DecodeError
			if errors.As(err, &de) {
				d.fail(fmt.Sprintf("txs[%d].%s", i, de.Field), de.Err, de.Info)
			} else {
				d.fail(fmt.Sprintf("txs[%d]", i), ErrMalformed, err.Error())
			}
			break
		}
		blk.Txs = append(blk.Txs, tx)
	}
	switch flag := d.u8("has_commit"); {
	case d.err != nil:
	case flag == 0:
	case flag == 1:
		blk.LastCommit = decodeCommit(d)
	default:
		d.fail("has_commit", ErrMalformed, fmt.Sprintf("flag %d", flag))
	}
	blk.Evidence = decodeBlockEvidence(d)
	if err := d.finish(); err != nil {
		return nil, err
	}
	return blk, nil
}

// decodeBlockEvidence reads the evidence section: u32 evidence_count (at
// most MaxBlockEvidence, checked before allocating) and that many
// (u32 evidence_len || evidence), each accepted by DecodeEvidence.
func decodeBlockEvidence(d *decoder) []*Evidence {
	n := d.u32("evidence_count")
	if d.err != nil || n == 0 {
		return nil
	}
	if n > MaxBlockEvidence {
		d.fail("evidence_count", ErrOversize, fmt.Sprintf("%d > %d", n, MaxBlockEvidence))
		return nil
	}
	out := make([]*Evidence, 0, n)
	for i := uint32(0); i < n; i++ {
		size := d.u32("evidence_len")
		if d.err != nil {
			return nil
		}
		if size > maxEvidenceLen {
			d.fail("evidence_len", ErrOversize, fmt.Sprintf("evidence %d: %d bytes > %d", i, size, maxEvidenceLen))
			return nil
		}
		raw := d.take("evidence", int(size))
		if raw == nil {
			return nil
		}
		ev, err := DecodeEvidence(raw)
		if err != nil {
			// Keep the evidence's own sentinel and field, like txs.
			var de *DecodeError
			if errors.As(err, &de) {
				d.fail(fmt.Sprintf("evidence[%d].%s", i, de.Field), de.Err, de.Info)
			} else {
				d.fail(fmt.Sprintf("evidence[%d]", i), ErrMalformed, err.Error())
			}
			return nil
		}
		out = append(out, ev)
	}
	return out
}

// EvidenceRoot is the header's evidence_hash: MerkleRoot of the evidence
// hashes in block order, or the zero hash for a block without evidence
// (not MerkleRoot(nil), so a block without evidence keeps a zero field).
func EvidenceRoot(evs []*Evidence) Hash {
	if len(evs) == 0 {
		return ZeroHash
	}
	leaves := make([]Hash, len(evs))
	for i, ev := range evs {
		leaves[i] = ev.Hash()
	}
	return MerkleRoot(leaves)
}

// TxHashes returns the hash of every tx, in block order.
func (b *Block) TxHashes() []Hash {
	out := make([]Hash, len(b.Txs))
	for i, tx := range b.Txs {
		out[i] = tx.Hash()
	}
	return out
}

// MerkleRoot is the RFC 6962 Merkle tree hash over leaves:
// empty = SHA-256(""), leaf = SHA-256(0x00 || h), node = SHA-256(0x01 || l || r),
// split at the largest power of two smaller than n.
func MerkleRoot(leaves []Hash) Hash {
	if len(leaves) == 0 {
		return Sum256(nil)
	}
	var buf [1 + 2*HashLen]byte
	if len(leaves) == 1 {
		buf[0] = 0
		copy(buf[1:], leaves[0][:])
		return Sum256(buf[:1+HashLen])
	}
	k := 1
	for k*2 < len(leaves) {
		k *= 2
	}
	l, r := MerkleRoot(leaves[:k]), MerkleRoot(leaves[k:])
	buf[0] = 1
	copy(buf[1:], l[:])
	copy(buf[1+HashLen:], r[:])
	return Sum256(buf[:])
}
