package types

import (
	"errors"
	"fmt"
)

// Protocol hard limits on blocks (genesis params may set lower operating limits).
const (
	MaxBlockTxs   = 50_000
	MaxBlockBytes = 32 << 20
	// MaxBlockTimeMs bounds a block's time (Unix ms, about the year
	// 285,000): parent time + 1 can never overflow.
	MaxBlockTimeMs = 1 << 53
	// headerVersion 2 added next_validators_hash (issue #11); version 1
	// headers are refused.
	headerVersion = 2
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
	return h
}

// Block is a header, its transactions and the parent's commit certificate.
type Block struct {
	Header     Header
	Txs        []*Tx
	LastCommit *CommitCert // nil at height 1
}

// Hash is the block hash (the header hash).
func (b *Block) Hash() Hash { return b.Header.Hash() }

// Encode returns the canonical block encoding:
// header || u32 tx count || (u32 len || tx)* || u8 has_commit || [commit].
func (b *Block) Encode() []byte {
	out := b.Header.AppendEncode(make([]byte, 0, 512+len(b.Txs)*200))
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
	return e.b
}

// EncodedSize is len(b.Encode()), computed without encoding.
func (b *Block) EncodedSize() int {
	sz := len(b.Header.Encode()) + 4 + 1
	for _, tx := range b.Txs {
		sz += 4 + tx.Size()
	}
	if b.LastCommit != nil {
		sz += len(b.LastCommit.Encode())
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
	if err := d.finish(); err != nil {
		return nil, err
	}
	return blk, nil
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
