package gossip

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"

	"aitbc/engine"
	"aitbc/engine/consensus"
	"aitbc/engine/types"
	"aitbc/netio/gossip/internal/wire"
	"aitbc/netio/gossip/noise"
)

// ProtocolVersion is the gossip protocol version, carried and checked in
// the handshake identity (noise.ProtocolVersion). Version 1 (plaintext
// HELLO/AUTH) is refused: its HELLO frame is reported as ErrVersion.
const ProtocolVersion = noise.ProtocolVersion

// MsgType is a frame's type byte.
type MsgType uint8

// Frame types (docs/spec.md §16).
const (
	// msgHelloV1 was protocol version 1's plaintext HELLO; it is only
	// recognised to report ErrVersion.
	msgHelloV1 MsgType = 0x01
	// MsgHandshake carries one Noise_XX handshake message (§16.2).
	MsgHandshake MsgType = 0x05
	MsgPing      MsgType = 0x03
	MsgPong      MsgType = 0x04
	MsgStatus    MsgType = 0x10
	MsgProposal  MsgType = 0x11
	MsgVote      MsgType = 0x12
	MsgTxs       MsgType = 0x13
	MsgBlockReq  MsgType = 0x14
	MsgBlocks    MsgType = 0x15
	MsgEvidence  MsgType = 0x16
)

func (t MsgType) String() string {
	switch t {
	case msgHelloV1:
		return "hello_v1"
	case MsgHandshake:
		return "handshake"
	case MsgPing:
		return "ping"
	case MsgPong:
		return "pong"
	case MsgStatus:
		return "status"
	case MsgProposal:
		return "proposal"
	case MsgVote:
		return "vote"
	case MsgTxs:
		return "txs"
	case MsgBlockReq:
		return "block_req"
	case MsgBlocks:
		return "blocks"
	case MsgEvidence:
		return "evidence"
	}
	return fmt.Sprintf("type_0x%02x", uint8(t))
}

func (t MsgType) known() bool {
	return t == MsgHandshake || t == MsgPing || t == MsgPong || t >= MsgStatus && t <= MsgEvidence
}

// Payload sizes of the fixed-size messages.
const (
	statusLen   = 8 + types.HashLen
	pingLen     = 8
	blockReqLen = 8 + 2
)

// Frame encoders. Each returns a complete frame in one allocation where
// the payload size is known up front.

func statusFrame(height uint64, hash types.Hash) []byte {
	b := beginFrame(make([]byte, 0, frameHeader+statusLen), MsgStatus)
	b = binary.BigEndian.AppendUint64(b, height)
	return endFrame(append(b, hash[:]...))
}

func pingFrame(t MsgType, nonce uint64) []byte {
	b := beginFrame(make([]byte, 0, frameHeader+pingLen), t)
	return endFrame(binary.BigEndian.AppendUint64(b, nonce))
}

func blockReqFrame(from uint64, count uint16) []byte {
	b := beginFrame(make([]byte, 0, frameHeader+blockReqLen), MsgBlockReq)
	b = binary.BigEndian.AppendUint64(b, from)
	return endFrame(binary.BigEndian.AppendUint16(b, count))
}

func voteFrame(v *types.Vote) []byte {
	enc := v.Encode()
	b := beginFrame(make([]byte, 0, frameHeader+len(enc)), MsgVote)
	return endFrame(append(b, enc...))
}

func proposalFrame(p *types.Proposal, blk *types.Block) []byte {
	pe, be := p.Encode(), blk.Encode()
	b := beginFrame(make([]byte, 0, frameHeader+8+len(pe)+len(be)), MsgProposal)
	b = appendBytes32(b, pe)
	return endFrame(appendBytes32(b, be))
}

// txsFrame builds a TXS frame from already encoded txs (at most
// engine.MaxGossipTxs, at least one).
func txsFrame(enc [][]byte) []byte {
	size := frameHeader + 2
	for _, e := range enc {
		size += 4 + len(e)
	}
	b := beginFrame(make([]byte, 0, size), MsgTxs)
	b = binary.BigEndian.AppendUint16(b, uint16(len(enc)))
	for _, e := range enc {
		b = appendBytes32(b, e)
	}
	return endFrame(b)
}

// blocksFrame builds a BLOCKS frame of the blocks' encodings (at most
// engine.MaxSyncBlocks).
func blocksFrame(blocks, certs [][]byte) []byte {
	size := frameHeader + 2
	for i := range blocks {
		size += 8 + len(blocks[i]) + len(certs[i])
	}
	b := beginFrame(make([]byte, 0, size), MsgBlocks)
	b = binary.BigEndian.AppendUint16(b, uint16(len(blocks)))
	for i := range blocks {
		b = appendBytes32(b, blocks[i])
		b = appendBytes32(b, certs[i])
	}
	return endFrame(b)
}

// evidenceFrame builds an EVIDENCE frame of the pieces' encodings (1 to
// engine.MaxGossipEvidence of them).
func evidenceFrame(evs []*types.Evidence) []byte {
	size := frameHeader + 2
	for _, ev := range evs {
		size += 4 + ev.EncodedSize()
	}
	b := beginFrame(make([]byte, 0, size), MsgEvidence)
	b = binary.BigEndian.AppendUint16(b, uint16(len(evs)))
	for _, ev := range evs {
		b = appendBytes32(b, ev.Encode())
	}
	return endFrame(b)
}

func appendBytes32(b, v []byte) []byte {
	b = binary.BigEndian.AppendUint32(b, uint32(len(v)))
	return append(b, v...)
}

// newReader reads the payload of a frame of type t; a field that fails
// is a *FrameError.
func newReader(t MsgType, b []byte) wire.Reader { return wire.NewReader(b, frameFault(t)) }

// frameFault builds the *FrameError of a field of a frame of its type.
type frameFault MsgType

func (t frameFault) Fault(field string, sentinel, cause error, info string) error {
	return &FrameError{Type: MsgType(t), Field: field, Err: sentinel, Cause: cause, Info: info}
}

// Payload decoders. Each is strict: decode(b) succeeds only if re-encoding
// the result gives b back. Values keep no reference to b.

type statusMsg struct {
	height uint64
	hash   types.Hash
}

func decodeStatus(b []byte) (statusMsg, error) {
	r := newReader(MsgStatus, b)
	var m statusMsg
	m.height = r.U64("height")
	r.Fixed("hash", m.hash[:])
	return m, r.Finish()
}

func decodePing(t MsgType, b []byte) (uint64, error) {
	r := newReader(t, b)
	n := r.U64("nonce")
	return n, r.Finish()
}

type blockReqMsg struct {
	from  uint64
	count int
}

func decodeBlockReq(b []byte) (blockReqMsg, error) {
	r := newReader(MsgBlockReq, b)
	m := blockReqMsg{from: r.U64("from"), count: int(r.U16("count"))}
	if r.Err() == nil && m.from == 0 {
		r.Fail("from", ErrMalformed, nil, "height 0")
	}
	if r.Err() == nil && (m.count < 1 || m.count > engine.MaxSyncBlocks) {
		r.Fail("count", ErrMalformed, nil, fmt.Sprintf("%d not in 1..%d", m.count, engine.MaxSyncBlocks))
	}
	return m, r.Finish()
}

func decodeVote(b []byte) (*consensus.VoteMsg, error) {
	v, err := types.DecodeVote(b)
	if err != nil {
		return nil, &FrameError{Type: MsgVote, Field: "vote", Err: ErrMalformed, Cause: err}
	}
	return &consensus.VoteMsg{Vote: v}, nil
}

func decodeProposal(b []byte) (*consensus.ProposalMsg, error) {
	r := newReader(MsgProposal, b)
	pb := r.Bytes32("proposal", len(b))
	bb := r.Bytes32("block", types.MaxBlockBytes)
	if err := r.Finish(); err != nil {
		return nil, err
	}
	p, err := types.DecodeProposal(pb)
	if err != nil {
		return nil, &FrameError{Type: MsgProposal, Field: "proposal", Err: ErrMalformed, Cause: err}
	}
	blk, err := types.DecodeBlock(bb)
	if err != nil {
		return nil, &FrameError{Type: MsgProposal, Field: "block", Err: ErrMalformed, Cause: err}
	}
	return &consensus.ProposalMsg{Proposal: p, Block: blk}, nil
}

// decodeTxs decodes a tx batch and the hash of each tx (SHA-256 of its
// encoding, which a strict decode guarantees is canonical).
func decodeTxs(b []byte) ([]*types.Tx, []types.Hash, error) {
	r := newReader(MsgTxs, b)
	n := int(r.U16("count"))
	if r.Err() == nil && (n < 1 || n > engine.MaxGossipTxs) {
		r.Fail("count", ErrMalformed, nil, fmt.Sprintf("%d not in 1..%d", n, engine.MaxGossipTxs))
	}
	if r.Err() != nil {
		return nil, nil, r.Err()
	}
	txs := make([]*types.Tx, 0, n)
	hashes := make([]types.Hash, 0, n)
	for i := 0; i < n; i++ {
		raw := r.Bytes32("tx_len", types.MaxTxBytes)
		if r.Err() != nil {
			return nil, nil, r.Err()
		}
		tx, err := types.DecodeTx(raw)
		if err != nil {
			return nil, nil, &FrameError{Type: MsgTxs, Field: fmt.Sprintf("txs[%d]", i), Err: ErrMalformed, Cause: err}
		}
		txs = append(txs, tx)
		hashes = append(hashes, sha256.Sum256(raw))
	}
	if err := r.Finish(); err != nil {
		return nil, nil, err
	}
	return txs, hashes, nil
}

func decodeBlocks(b []byte) ([]engine.SyncedBlock, error) {
	r := newReader(MsgBlocks, b)
	n := int(r.U16("count"))
	if r.Err() == nil && n > engine.MaxSyncBlocks {
		r.Fail("count", ErrMalformed, nil, fmt.Sprintf("%d > %d", n, engine.MaxSyncBlocks))
	}
	if r.Err() != nil {
		return nil, r.Err()
	}
	out := make([]engine.SyncedBlock, 0, n)
	for i := 0; i < n; i++ {
		bb := r.Bytes32("block_len", types.MaxBlockBytes)
		cb := r.Bytes32("cert_len", len(b))
		if r.Err() != nil {
			return nil, r.Err()
		}
		blk, err := types.DecodeBlock(bb)
		if err != nil {
			return nil, &FrameError{Type: MsgBlocks, Field: fmt.Sprintf("blocks[%d].block", i), Err: ErrMalformed, Cause: err}
		}
		cert, err := types.DecodeCommit(cb)
		if err != nil {
			return nil, &FrameError{Type: MsgBlocks, Field: fmt.Sprintf("blocks[%d].cert", i), Err: ErrMalformed, Cause: err}
		}
		out = append(out, engine.SyncedBlock{Block: blk, Cert: cert})
	}
	return out, r.Finish()
}

// maxEvidenceBytes bounds one piece's length field: both evidence kinds
// encode to a fixed size, the larger of which is this.
const maxEvidenceBytes = max(types.DuplicateVoteEvidenceLen, types.DuplicateProposalEvidenceLen)

// decodeEvidence decodes an evidence batch. The count is checked before
// anything is allocated for it, and each piece's length before the piece
// is read, so a frame claiming many or huge pieces costs nothing.
func decodeEvidence(b []byte) ([]*types.Evidence, error) {
	r := newReader(MsgEvidence, b)
	n := int(r.U16("count"))
	if r.Err() == nil && (n < 1 || n > engine.MaxGossipEvidence) {
		r.Fail("count", ErrMalformed, nil, fmt.Sprintf("%d not in 1..%d", n, engine.MaxGossipEvidence))
	}
	if r.Err() != nil {
		return nil, r.Err()
	}
	out := make([]*types.Evidence, 0, n)
	for i := 0; i < n; i++ {
		raw := r.Bytes32("evidence_len", maxEvidenceBytes)
		if r.Err() != nil {
			return nil, r.Err()
		}
		ev, err := types.DecodeEvidence(raw)
		if err != nil {
			return nil, &FrameError{Type: MsgEvidence, Field: fmt.Sprintf("evidence[%d]", i), Err: ErrMalformed, Cause: err}
		}
		out = append(out, ev)
	}
	return out, r.Finish()
}
