package gossip

import (
	"bytes"
	"errors"
	"testing"

	"aitbc/engine"
	"aitbc/engine/types"
)

const fuzzMaxFrame = 1 << 16

// splitAll splits a whole stream into frames the way onTraffic does,
// feeding it in chunks of cut bytes (0: all at once). It returns the
// frames found and the first stream error.
func splitAll(b []byte, cut int) (frames [][]byte, err error) {
	var buf []byte
	for len(b) > 0 || len(buf) > 0 {
		n := len(b)
		if cut > 0 {
			n = min(n, cut)
		}
		buf = append(buf, b[:n]...)
		b = b[n:]
		for {
			typ, p, used, err := splitFrame(buf, fuzzMaxFrame)
			if err != nil {
				return frames, err
			}
			if used == 0 {
				break
			}
			frames = append(frames, append([]byte{byte(typ)}, p...))
			buf = buf[used:]
		}
		if len(b) == 0 {
			break // what is left is a partial frame
		}
	}
	return frames, nil
}

// FuzzDecodeFrame: arbitrary bytes, delivered in arbitrary chunks, either
// split into frames or end in a typed length error; never a panic, and
// the frames never depend on how the bytes were chunked.
func FuzzDecodeFrame(f *testing.F) {
	for typ, p := range samplePayloads(f) {
		f.Add(frameOf(typ, p), uint16(1))
	}
	f.Add(append(statusFrame(1, types.Hash{1}), pingFrame(MsgPing, 3)...), uint16(7))
	f.Add([]byte{0, 0, 0, 0}, uint16(0))
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 1}, uint16(2))
	f.Add([]byte("GET / HTTP/1.1\r\n\r\n"), uint16(3))
	f.Fuzz(func(t *testing.T, b []byte, cut uint16) {
		whole, errWhole := splitAll(b, 0)
		chunked, errChunked := splitAll(b, int(cut))
		if (errWhole == nil) != (errChunked == nil) || len(whole) != len(chunked) {
			t.Fatalf("chunking changed the result: %d frames %v vs %d frames %v", len(whole), errWhole, len(chunked), errChunked)
		}
		for i := range whole {
			if !bytes.Equal(whole[i], chunked[i]) {
				t.Fatalf("frame %d differs when chunked", i)
			}
		}
		if errWhole != nil {
			var fe *FrameError
			if !errors.As(errWhole, &fe) || !errors.Is(errWhole, ErrFrameSize) {
				t.Fatalf("untyped stream error %v", errWhole)
			}
		}
		total := 0
		for _, fr := range whole {
			total += lenPrefix + len(fr)
			checkMessage(t, MsgType(fr[0]), fr[1:])
		}
		if total > len(b) {
			t.Fatalf("frames hold %d bytes of %d", total, len(b))
		}
	})
}

// FuzzDecodeMessage: every payload decoder either rejects with a typed
// error or accepts exactly the canonical encoding of what it returns.
func FuzzDecodeMessage(f *testing.F) {
	for typ, p := range samplePayloads(f) {
		f.Add(byte(typ), p)
	}
	f.Add(byte(MsgTxs), []byte{0, 1, 0, 0, 0, 0})
	f.Add(byte(MsgBlocks), []byte{0, 0})
	f.Add(byte(0x7f), []byte{})
	f.Fuzz(func(t *testing.T, typ byte, p []byte) {
		checkMessage(t, MsgType(typ), p)
	})
}

func checkMessage(t *testing.T, typ MsgType, p []byte) {
	m, err := decodeMessage(typ, p)
	if err != nil {
		var fe *FrameError
		if !errors.As(err, &fe) && !errors.Is(err, ErrVersion) {
			t.Fatalf("%s: untyped error %v", typ, err)
		}
		return
	}
	if got := encodeMessage(typ, m); !bytes.Equal(got, p) {
		t.Fatalf("%s: accepted a non-canonical payload\n in  %x\n out %x", typ, p, got)
	}
}

// FuzzDecodeEvidence: an EVIDENCE payload is either refused with a
// *FrameError of class ErrMalformed or holds 1..engine.MaxGossipEvidence
// pieces that pass ValidateBasic and re-encode to exactly the payload.
func FuzzDecodeEvidence(f *testing.F) {
	evs := newChainFixture(f).evidence(f)
	f.Add(evidenceFrame(evs)[frameHeader:])
	f.Add(evidenceFrame(evs[:1])[frameHeader:])
	f.Add([]byte{0, 0})
	f.Add([]byte{0, engine.MaxGossipEvidence + 1})
	f.Add([]byte{0, 1, 0xff, 0xff, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, p []byte) {
		got, err := decodeEvidence(p)
		if err != nil {
			var fe *FrameError
			if !errors.As(err, &fe) || !errors.Is(err, ErrMalformed) || fe.Type != MsgEvidence {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		if len(got) < 1 || len(got) > engine.MaxGossipEvidence {
			t.Fatalf("accepted %d pieces", len(got))
		}
		for i, ev := range got {
			if err := ev.ValidateBasic(); err != nil {
				t.Fatalf("piece %d: %v", i, err)
			}
		}
		if out := evidenceFrame(got)[frameHeader:]; !bytes.Equal(out, p) {
			t.Fatalf("accepted a non-canonical payload\n in  %x\n out %x", p, out)
		}
	})
}

// FuzzProposalKey: proposalKey reads a peer's PROPOSAL payload before any
// decoding; whatever the bytes, it never panics, and whenever the payload
// decodes as a proposal the key is the one the relay gives it.
func FuzzProposalKey(f *testing.F) {
	fx := newChainFixture(f)
	frame := proposalFrame(fx.proposal(0).Proposal, fx.proposal(0).Block)
	f.Add(frame[frameHeader:])
	f.Add([]byte{})
	f.Add([]byte{0, 0, 0, 3, 1, 2})
	f.Add([]byte{0xff, 0xff, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, payload []byte) {
		key, ok := proposalKey(payload)
		m, err := decodeProposal(payload)
		if err != nil {
			return
		}
		if !ok {
			t.Fatal("a payload that decodes as a proposal has no key")
		}
		_, _, want, _, rok := relayFrame(m)
		if rok && key != types.Hash(want) {
			t.Fatalf("key %x, relay key %x", key[:4], want[:4])
		}
	})
}
