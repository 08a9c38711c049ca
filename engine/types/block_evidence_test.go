package types

import (
	"bytes"
	"errors"
	"runtime"
	"testing"

	"aitbc/internal/seedtest"
)

// specBlockWithEvidence is the spec block carrying evs, its header's
// evidence_hash set to their root.
func specBlockWithEvidence(evs ...*Evidence) *Block {
	b := specBlock()
	b.Evidence = evs
	b.Header.EvidenceHash = EvidenceRoot(evs)
	return b
}

func TestEvidenceRoot(t *testing.T) {
	if EvidenceRoot(nil) != ZeroHash || EvidenceRoot([]*Evidence{}) != ZeroHash {
		t.Fatal("the root of no evidence is not the zero hash")
	}
	a, b := specEvidence(), specProposalEvidence()
	if got, want := EvidenceRoot([]*Evidence{a}), MerkleRoot([]Hash{a.Hash()}); got != want {
		t.Fatalf("root of one = %s, want the Merkle leaf %s", got, want)
	}
	ab, ba := EvidenceRoot([]*Evidence{a, b}), EvidenceRoot([]*Evidence{b, a})
	if ab != MerkleRoot([]Hash{a.Hash(), b.Hash()}) || ab == ba {
		t.Fatalf("root of two: %s (reversed %s): not the Merkle root in block order", ab, ba)
	}
}

func TestBlockEvidenceRoundTrip(t *testing.T) {
	r := seedtest.Rand(t)
	several := []*Evidence{specEvidence(), specProposalEvidence()}
	for range 5 {
		several = append(several, randEvidence(r))
	}
	full := make([]*Evidence, MaxBlockEvidence)
	for i := range full {
		full[i] = randEvidence(r)
	}
	plainHash := specBlock().Hash()
	for _, tc := range []struct {
		name string
		evs  []*Evidence
	}{{"none", nil}, {"one", []*Evidence{specEvidence()}}, {"several", several}, {"MaxBlockEvidence", full}} {
		b := specBlockWithEvidence(tc.evs...)
		roundTrip(t, tc.name, b, (*Block).Encode, DecodeBlock)
		enc := b.Encode()
		if b.EncodedSize() != len(enc) {
			t.Fatalf("%s: EncodedSize() %d, encoding %d bytes", tc.name, b.EncodedSize(), len(enc))
		}
		// The evidence section is the encoding's tail.
		sec := u32(uint32(len(tc.evs)))
		for _, ev := range tc.evs {
			sec = cat(sec, u32(uint32(len(ev.Encode()))), ev.Encode())
		}
		if !bytes.HasSuffix(enc, sec) || len(enc) != len(specBlock().Encode())+len(sec)-4 {
			t.Fatalf("%s: the encoding does not end with the evidence section", tc.name)
		}
		if (len(tc.evs) == 0) != (b.Hash() == plainHash) {
			t.Fatalf("%s: block hash %s, without evidence %s: evidence_hash is not bound to the hash", tc.name, b.Hash(), plainHash)
		}
		d, _ := DecodeBlock(enc)
		if d.Header.EvidenceHash != EvidenceRoot(d.Evidence) {
			t.Fatalf("%s: decoded evidence_hash %s, root %s", tc.name, d.Header.EvidenceHash, EvidenceRoot(d.Evidence))
		}
	}

	// evidence_hash is covered by the header hash whatever its value, and
	// the decoder leaves its match with the evidence to block validation.
	h := specBlock().Header
	h.EvidenceHash = Hash{0x01}
	if h.Hash() == plainHash {
		t.Fatal("the header hash ignores evidence_hash")
	}
	roundTrip(t, "header with evidence_hash", &h, (*Header).Encode, DecodeHeader)
	mismatch := specBlockWithEvidence(specEvidence())
	mismatch.Header.EvidenceHash = ZeroHash
	roundTrip(t, "evidence_hash mismatch", mismatch, (*Block).Encode, DecodeBlock)
}

// A huge evidence_count is refused from its four bytes, before anything
// proportional to it is allocated.
func TestBlockEvidenceCountBoundBeforeAllocation(t *testing.T) {
	prefix := cat(specBlock().Header.Encode(), u32(0), []byte{0})
	for _, n := range []uint32{MaxBlockEvidence + 1, 1 << 20, 1<<31 - 1, 0xffffffff} {
		in := cat(prefix, u32(n))
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		_, err := DecodeBlock(in)
		runtime.ReadMemStats(&after)
		checkDecodeError(t, err, ErrOversize, "evidence_count")
		if got := after.TotalAlloc - before.TotalAlloc; got > 64<<10 {
			t.Fatalf("count %d: decoding allocated %d bytes before refusing", n, got)
		}
	}
	// The bound itself is accepted as a count (then the input is short).
	_, err := DecodeBlock(cat(prefix, u32(MaxBlockEvidence)))
	checkDecodeError(t, err, ErrMalformed, "evidence_len")
}

// A bad evidence payload fails the block, naming the piece and its field
// and keeping the evidence decoder's class.
func TestBlockEvidenceBadPayload(t *testing.T) {
	good := specBlockWithEvidence(specEvidence(), specProposalEvidence())
	enc := good.Encode()
	evLen := len(specProposalEvidence().Encode())
	second := len(enc) - evLen // offset of evidence[1]

	bad := patch(enc, second+1, 7) // kind 7
	_, err := DecodeBlock(bad)
	checkDecodeError(t, err, ErrMalformed, "evidence[1].kind")

	bad = patch(enc, second+2, 0xff, 0xff, 0xff, 0xff) // validator_index
	_, err = DecodeBlock(bad)
	checkDecodeError(t, err, ErrOversize, "evidence[1].validator_index")

	// The spec evidence with its votes swapped: valid but out of order.
	rev := specBlock()
	enc = cat(rev.Encode()[:len(rev.Encode())-4], u32(1), u32(uint32(len(evidenceReversed()))), evidenceReversed())
	_, err = DecodeBlock(enc)
	checkDecodeError(t, err, ErrNonCanonical, "evidence[0].pair")
	var de *DecodeError
	if !errors.As(err, &de) || de.What != "block" {
		t.Fatalf("error %v is not a block decode error", err)
	}
}
