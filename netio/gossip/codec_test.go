package gossip

import (
	"bytes"
	"encoding/binary"
	"errors"
	"testing"

	"aitbc/engine"
	"aitbc/engine/consensus"
	"aitbc/engine/types"
)

// encodeMessage is the inverse of decodeMessage, for round-trip checks.
func encodeMessage(typ MsgType, m any) []byte {
	var f []byte
	switch m := m.(type) {
	case uint64:
		f = pingFrame(typ, m)
	case statusMsg:
		f = statusFrame(m.height, m.hash)
	case blockReqMsg:
		f = blockReqFrame(m.from, uint16(m.count))
	case *consensus.VoteMsg:
		f = voteFrame(m.Vote)
	case *consensus.ProposalMsg:
		f = proposalFrame(m.Proposal, m.Block)
	case []*types.Tx:
		enc := make([][]byte, len(m))
		for i, tx := range m {
			enc[i] = tx.Encode()
		}
		f = txsFrame(enc)
	case []engine.SyncedBlock:
		bs, cs := make([][]byte, len(m)), make([][]byte, len(m))
		for i, sb := range m {
			bs[i], cs[i] = sb.Block.Encode(), sb.Cert.Encode()
		}
		f = blocksFrame(bs, cs)
	case []*types.Evidence:
		f = evidenceFrame(m)
	default:
		panic("unknown message")
	}
	return f[frameHeader:]
}

// decodeMessage decodes any payload by type (what onMessage does,
// without the side effects). A HANDSHAKE frame's Noise message and the
// identity in it are the noise package's (its FuzzDecodeIdentity).
func decodeMessage(typ MsgType, p []byte) (any, error) {
	switch typ {
	case MsgPing, MsgPong:
		return decodePing(typ, p)
	case MsgStatus:
		return decodeStatus(p)
	case MsgBlockReq:
		return decodeBlockReq(p)
	case MsgVote:
		return decodeVote(p)
	case MsgProposal:
		return decodeProposal(p)
	case MsgTxs:
		txs, _, err := decodeTxs(p)
		return txs, err
	case MsgBlocks:
		return decodeBlocks(p)
	case MsgEvidence:
		return decodeEvidence(p)
	}
	return nil, &FrameError{Type: typ, Field: "type", Err: ErrUnknownType}
}

// samplePayloads returns one valid payload of every type.
func samplePayloads(t testing.TB) map[MsgType][]byte {
	f := newChainFixture(t)
	return map[MsgType][]byte{
		MsgPing:     pingFrame(MsgPing, 1)[frameHeader:],
		MsgPong:     pingFrame(MsgPong, 2)[frameHeader:],
		MsgStatus:   statusFrame(2, f.b2.Hash())[frameHeader:],
		MsgBlockReq: blockReqFrame(1, engine.MaxSyncBlocks)[frameHeader:],
		MsgVote:     voteFrame(f.vote(0, 3).Vote)[frameHeader:],
		MsgProposal: proposalFrame(f.proposal(1).Proposal, f.b2)[frameHeader:],
		MsgTxs:      encodeMessage(MsgTxs, testTxs(3, 1)),
		MsgBlocks:   encodeMessage(MsgBlocks, []engine.SyncedBlock{{Block: f.b1, Cert: f.c1}, {Block: f.b2, Cert: f.c2}}),
		MsgEvidence: encodeMessage(MsgEvidence, f.evidence(t)),
	}
}

func TestPayloadsRoundTrip(t *testing.T) {
	for typ, p := range samplePayloads(t) {
		m, err := decodeMessage(typ, p)
		if err != nil {
			t.Errorf("%s: %v", typ, err)
			continue
		}
		if got := encodeMessage(typ, m); !bytes.Equal(got, p) {
			t.Errorf("%s: re-encoding differs", typ)
		}
	}
	empty := encodeMessage(MsgBlocks, []engine.SyncedBlock{})
	if m, err := decodeMessage(MsgBlocks, empty); err != nil || len(m.([]engine.SyncedBlock)) != 0 {
		t.Errorf("empty BLOCKS answer: %v %v", m, err)
	}
}

// Every strict prefix and every one-byte extension of a valid payload is
// rejected with a *FrameError (or ErrVersion for a HELLO cut inside its
// version), never accepted or panicking.
func TestPayloadsRejectTruncationAndTrailingBytes(t *testing.T) {
	for typ, p := range samplePayloads(t) {
		step := 1
		if len(p) > 4096 {
			step = 97
		}
		for n := 0; n < len(p); n += step {
			if _, err := decodeMessage(typ, p[:n]); !isFrameError(err) {
				t.Fatalf("%s cut at %d: err %v", typ, n, err)
			}
		}
		if _, err := decodeMessage(typ, append(bytes.Clone(p), 0)); !isFrameError(err) {
			t.Errorf("%s with a trailing byte: err %v", typ, err)
		}
	}
}

func isFrameError(err error) bool {
	var fe *FrameError
	return errors.As(err, &fe) && (errors.Is(err, ErrMalformed) || errors.Is(err, ErrUnknownType))
}

func TestPayloadLimits(t *testing.T) {
	txs := testTxs(1, 1)
	enc := txs[0].Encode()
	many := make([][]byte, engine.MaxGossipTxs+1)
	for i := range many {
		many[i] = enc
	}
	cases := []struct {
		name string
		typ  MsgType
		p    []byte
	}{
		{"txs over MaxGossipTxs", MsgTxs, txsFrame(many)[frameHeader:]},
		{"tx length over MaxTxBytes", MsgTxs, append([]byte{0, 1}, binary.BigEndian.AppendUint32(nil, types.MaxTxBytes+1)...)},
		{"blocks over MaxSyncBlocks", MsgBlocks, []byte{0, engine.MaxSyncBlocks + 1}},
		{"evidence count 0", MsgEvidence, []byte{0, 0}},
		{"evidence over MaxGossipEvidence", MsgEvidence, []byte{0, engine.MaxGossipEvidence + 1}},
		{"evidence length over the largest piece", MsgEvidence, append([]byte{0, 1}, binary.BigEndian.AppendUint32(nil, maxEvidenceBytes+1)...)},
		{"block request count 0", MsgBlockReq, blockReqFrame(1, 0)[frameHeader:]},
		{"block request from 0", MsgBlockReq, blockReqFrame(0, 1)[frameHeader:]},
		{"unknown type", 0x42, nil},
	}
	for _, tc := range cases {
		if _, err := decodeMessage(tc.typ, tc.p); !isFrameError(err) {
			t.Errorf("%s: err %v", tc.name, err)
		}
	}
	// An engine/types rejection keeps its *types.DecodeError.
	bad := voteFrame(newChainFixture(t).vote(0, 0).Vote)[frameHeader:]
	bad[1] = 9 // vote type
	_, err := decodeMessage(MsgVote, bad)
	var de *types.DecodeError
	if !errors.As(err, &de) || !errors.Is(err, ErrMalformed) || !errors.Is(err, types.ErrMalformed) {
		t.Errorf("vote with a bad type: %v", err)
	}
}

// An evidence batch round-trips piece by piece, in order, whatever the
// kinds; a piece the engine/types decoder refuses (here a pair out of
// canonical order) keeps its *types.DecodeError, and a full batch of
// engine.MaxGossipEvidence pieces is the limit, not over it.
func TestEvidenceFrame(t *testing.T) {
	evs := newChainFixture(t).evidence(t)
	got, err := decodeEvidence(evidenceFrame(evs)[frameHeader:])
	if err != nil || len(got) != len(evs) {
		t.Fatalf("decoded %d pieces of %d: %v", len(got), len(evs), err)
	}
	for i := range evs {
		if got[i].Hash() != evs[i].Hash() || got[i].Kind != evs[i].Kind {
			t.Fatalf("piece %d: %s kind %s, sent %s kind %s", i, got[i].Hash(), got[i].Kind, evs[i].Hash(), evs[i].Kind)
		}
	}
	full := make([]*types.Evidence, engine.MaxGossipEvidence)
	for i := range full {
		full[i] = evs[i%len(evs)]
	}
	if got, err := decodeEvidence(evidenceFrame(full)[frameHeader:]); err != nil || len(got) != engine.MaxGossipEvidence {
		t.Fatalf("a full batch: %d pieces, %v", len(got), err)
	}
	swapped := *evs[0]
	swapped.VoteA, swapped.VoteB = evs[0].VoteB, evs[0].VoteA
	_, err = decodeEvidence(evidenceFrame([]*types.Evidence{&swapped})[frameHeader:])
	var de *types.DecodeError
	if !errors.As(err, &de) || !errors.Is(err, ErrMalformed) || !errors.Is(err, types.ErrNonCanonical) {
		t.Fatalf("a pair out of canonical order: %v", err)
	}
}

func TestSplitFrame(t *testing.T) {
	a, b := statusFrame(1, types.Hash{1}), pingFrame(MsgPing, 7)
	stream := append(bytes.Clone(a), b...)
	typ, p, n, err := splitFrame(stream, 1<<20)
	if err != nil || n != len(a) || typ != MsgStatus || !bytes.Equal(p, a[frameHeader:]) {
		t.Fatalf("first frame: %v %x %d %v", typ, p, n, err)
	}
	typ, _, n, err = splitFrame(stream[n:], 1<<20)
	if err != nil || n != len(b) || typ != MsgPing {
		t.Fatalf("second frame: %v %d %v", typ, n, err)
	}
	for i := 0; i < len(a); i++ {
		if _, _, n, err := splitFrame(a[:i], 1<<20); n != 0 || err != nil {
			t.Errorf("prefix %d: n %d err %v", i, n, err)
		}
	}
	for _, hdr := range [][]byte{{0, 0, 0, 0}, {0, 0x10, 0, 1}} {
		if _, _, _, err := splitFrame(hdr, 1<<20); !errors.Is(err, ErrFrameSize) {
			t.Errorf("length %x: err %v", hdr, err)
		}
	}
}
