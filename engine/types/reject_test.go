package types

import (
	"bytes"
	"encoding/binary"
	"errors"
	"strings"
	"testing"
)

type decodeFunc func([]byte) error

var decoders = map[string]decodeFunc{
	"tx":       func(b []byte) error { _, err := DecodeTx(b); return err },
	"header":   func(b []byte) error { _, err := DecodeHeader(b); return err },
	"block":    func(b []byte) error { _, err := DecodeBlock(b); return err },
	"vote":     func(b []byte) error { _, err := DecodeVote(b); return err },
	"commit":   func(b []byte) error { _, err := DecodeCommit(b); return err },
	"proposal": func(b []byte) error { _, err := DecodeProposal(b); return err },
	"evidence": func(b []byte) error { _, err := DecodeEvidence(b); return err },
}

func validEncodings() map[string][]byte {
	return map[string][]byte{
		"tx":       specTransfer2().Encode(),
		"header":   specBlock().Header.Encode(),
		"block":    specBlock().Encode(),
		"vote":     specVote().Encode(),
		"commit":   specCommit().Encode(),
		"proposal": specProposal().Encode(),
		"evidence": specEvidence().Encode(),
	}
}

func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

func u32(v uint32) []byte { return binary.BigEndian.AppendUint32(nil, v) }

// patch returns a copy of b with b[off:] overwritten by v.
func patch(b []byte, off int, v ...byte) []byte {
	out := bytes.Clone(b)
	copy(out[off:], v)
	return out
}

func TestRejectTruncated(t *testing.T) {
	for what, enc := range validEncodings() {
		dec := decoders[what]
		if err := dec(enc); err != nil {
			t.Fatalf("%s fixture: %v", what, err)
		}
		for i := 0; i < len(enc); i++ {
			err := dec(enc[:i])
			var de *DecodeError
			if !errors.As(err, &de) || !errors.Is(err, ErrMalformed) || de.What != what {
				t.Fatalf("%s truncated to %d of %d bytes: %v, want a %s *DecodeError wrapping ErrMalformed", what, i, len(enc), err, what)
			}
		}
		err := dec(append(bytes.Clone(enc), 0))
		checkDecodeError(t, err, ErrMalformed, "end")
	}
}

func TestRejectTable(t *testing.T) {
	tx := func(mut func(*Tx)) []byte { x := specTransfer(); mut(x); return x.Encode() }
	hdr := func(mut func(*Header)) []byte { h := specBlock().Header; mut(&h); return h.Encode() }
	commit := func(mut func(*CommitCert)) []byte { c := specCommit(); mut(c); return c.Encode() }
	prop := func(mut func(*Proposal)) []byte { p := specProposal(); mut(p); return p.Encode() }
	vote := func(mut func(*Vote)) []byte { v := specVote(); mut(v); return v.Encode() }
	// block assembles a block encoding from a header, raw tx section and raw commit section.
	okHeader := specBlock().Header.Encode()
	okTx := specTransfer().Encode()
	okCommit := specCommit().Encode()
	txSection := func(txs ...[]byte) []byte {
		out := u32(uint32(len(txs)))
		for _, t := range txs {
			out = append(append(out, u32(uint32(len(t)))...), t...)
		}
		return out
	}
	withCommit := append([]byte{1}, okCommit...)
	okEv := specEvidence().Encode()
	evSection := func(evs ...[]byte) []byte {
		out := u32(uint32(len(evs)))
		for _, e := range evs {
			out = append(append(out, u32(uint32(len(e)))...), e...)
		}
		return out
	}
	txEnc := specTransfer().Encode()
	chainOff := 1 // u32 chain_id length follows the version byte
	payloadOff := len(txEnc) - SigLen - 4

	tests := []struct {
		name, what string
		in         []byte
		sentinel   error
		field      string
	}{
		// tx
		{"tx version 0", "tx", patch(txEnc, 0, 0), ErrMalformed, "version"},
		{"tx version 2", "tx", patch(txEnc, 0, 2), ErrMalformed, "version"},
		{"tx type 0", "tx", tx(func(x *Tx) { x.Type = 0 }), ErrMalformed, "type"},
		{"tx type 6", "tx", tx(func(x *Tx) { x.Type = 6 }), ErrMalformed, "type"},
		{"tx chain_id empty", "tx", tx(func(x *Tx) { x.ChainID = "" }), ErrMalformed, "chain_id"},
		{"tx chain_id 65 chars", "tx", tx(func(x *Tx) { x.ChainID = strings.Repeat("a", 65) }), ErrOversize, "chain_id"},
		{"tx chain_id length 2^32-1", "tx", patch(txEnc, chainOff, 0xff, 0xff, 0xff, 0xff), ErrOversize, "chain_id"},
		{"tx chain_id space", "tx", tx(func(x *Tx) { x.ChainID = "aitbc devnet" }), ErrMalformed, "chain_id"},
		{"tx chain_id slash", "tx", tx(func(x *Tx) { x.ChainID = "aitbc/devnet" }), ErrMalformed, "chain_id"},
		{"tx chain_id non-ascii", "tx", tx(func(x *Tx) { x.ChainID = "aitbc-dévnet" }), ErrMalformed, "chain_id"},
		{"tx chain_id nul", "tx", tx(func(x *Tx) { x.ChainID = "aitbc\x00" }), ErrMalformed, "chain_id"},
		{"tx payload over max", "tx", tx(func(x *Tx) { x.Payload = make([]byte, MaxPayloadLen+1) }), ErrOversize, "payload"},
		{"tx payload length 2^32-1", "tx", patch(txEnc, payloadOff, 0xff, 0xff, 0xff, 0xff), ErrOversize, "payload"},
		{"tx payload length past end", "tx", patch(txEnc, payloadOff, 0, 0, 0, SigLen+1), ErrMalformed, "payload"},
		{"tx input over MaxTxBytes", "tx", make([]byte, MaxTxBytes+1), ErrOversize, "input"},
		{"tx empty input", "tx", nil, ErrMalformed, "version"},

		// header
		{"header version 1 (before next_validators_hash)", "header", patch(okHeader, 0, 1), ErrMalformed, "version"},
		{"header version 2 (before evidence_hash)", "header", patch(okHeader, 0, 2), ErrMalformed, "version"},
		{"header version 2 as version 2 encoded it", "header", patch(okHeader[:len(okHeader)-HashLen], 0, 2), ErrMalformed, "version"},
		{"header version 4", "header", patch(okHeader, 0, 4), ErrMalformed, "version"},
		{"header without evidence_hash", "header", okHeader[:len(okHeader)-HashLen], ErrMalformed, "evidence_hash"},
		{"header height 0", "header", hdr(func(h *Header) { h.Height = 0 }), ErrMalformed, "height"},
		{"header chain_id empty", "header", hdr(func(h *Header) { h.ChainID = "" }), ErrMalformed, "chain_id"},
		{"header chain_id too long", "header", hdr(func(h *Header) { h.ChainID = strings.Repeat("x", 65) }), ErrOversize, "chain_id"},
		{"header chain_id bad char", "header", hdr(func(h *Header) { h.ChainID = "a+b" }), ErrMalformed, "chain_id"},

		// block
		{"block height 0", "block", cat(hdr(func(h *Header) { h.Height = 0 }), txSection(), []byte{0}), ErrMalformed, "height"},
		{"block tx_count over MaxBlockTxs", "block", cat(okHeader, u32(MaxBlockTxs+1)), ErrOversize, "tx_count"},
		{"block tx_count 2^32-1", "block", cat(okHeader, u32(0xffffffff)), ErrOversize, "tx_count"},
		{"block tx_count beyond txs", "block", cat(okHeader, u32(1), []byte{0}), ErrMalformed, "tx_len"},
		{"block tx_len over MaxTxBytes", "block", cat(okHeader, u32(1), u32(MaxTxBytes+1)), ErrOversize, "tx_len"},
		{"block tx_len past end", "block", cat(okHeader, u32(1), u32(uint32(len(okTx)+1)), okTx), ErrMalformed, "tx"},
		{"block tx_len short", "block", cat(okHeader, u32(1), u32(uint32(len(okTx)-1)), okTx, []byte{0}), ErrMalformed, "txs[0].sig"},
		{"block tx_len long", "block", cat(okHeader, u32(1), u32(uint32(len(okTx)+1)), okTx, []byte{0}), ErrMalformed, "txs[0].end"},
		{"block tx bad type", "block", cat(okHeader, txSection(okTx, tx(func(x *Tx) { x.Type = 9 })), []byte{0}), ErrMalformed, "txs[1].type"},
		{"block tx payload over max", "block", cat(okHeader, txSection(tx(func(x *Tx) { x.Payload = make([]byte, MaxPayloadLen+1) })), []byte{0}), ErrOversize, "txs[0].payload"},
		{"block has_commit 2", "block", cat(okHeader, txSection(), []byte{2}), ErrMalformed, "has_commit"},
		{"block has_commit 255", "block", cat(okHeader, txSection(), []byte{255}, okCommit), ErrMalformed, "has_commit"},
		{"block has_commit missing", "block", cat(okHeader, txSection()), ErrMalformed, "has_commit"},
		{"block has_commit 1 without commit", "block", cat(okHeader, txSection(), []byte{1}), ErrMalformed, "height"},
		{"block has_commit 0 with commit", "block", cat(okHeader, txSection(), []byte{0}, okCommit), ErrMalformed, "end"},
		{"block commit padding bits", "block", cat(okHeader, txSection(), []byte{1}, commit(func(c *CommitCert) { c.Signers.Bits[1] |= 0x80 })), ErrNonCanonical, "signers"},
		{"block without evidence section", "block", cat(okHeader, txSection(okTx), withCommit), ErrMalformed, "evidence_count"},
		{"block evidence_count short", "block", cat(okHeader, txSection(okTx), withCommit, []byte{0}), ErrMalformed, "evidence_count"},
		{"block trailing", "block", cat(okHeader, txSection(okTx), withCommit, u32(0), []byte{0}), ErrMalformed, "end"},
		{"block evidence_count over MaxBlockEvidence", "block", cat(okHeader, txSection(), []byte{0}, u32(MaxBlockEvidence+1)), ErrOversize, "evidence_count"},
		{"block evidence_count 2^32-1", "block", cat(okHeader, txSection(), []byte{0}, u32(0xffffffff)), ErrOversize, "evidence_count"},
		{"block evidence_count beyond evidence", "block", cat(okHeader, txSection(), []byte{0}, u32(1)), ErrMalformed, "evidence_len"},
		{"block evidence_len over max", "block", cat(okHeader, txSection(), []byte{0}, u32(1), u32(DuplicateVoteEvidenceLen+1), okEv, []byte{0}), ErrOversize, "evidence_len"},
		{"block evidence_len past end", "block", cat(okHeader, txSection(), []byte{0}, u32(1), u32(uint32(len(okEv))), okEv[:len(okEv)-1]), ErrMalformed, "evidence"},
		{"block evidence_len short", "block", cat(okHeader, txSection(), []byte{0}, u32(1), u32(uint32(len(okEv)-1)), okEv), ErrMalformed, "evidence[0].vote_b"},
		{"block evidence bad kind", "block", cat(okHeader, txSection(), []byte{0}, evSection(patch(okEv, 1, 9))), ErrMalformed, "evidence[0].kind"},
		{"block evidence bad version", "block", cat(okHeader, txSection(), []byte{0}, evSection(okEv, patch(okEv, 0, 2))), ErrMalformed, "evidence[1].version"},
		{"block evidence no conflict", "block", cat(okHeader, txSection(), []byte{0}, evSection(evidenceSameVotes())), ErrMalformed, "evidence[0].pair"},
		{"block evidence reversed pair", "block", cat(okHeader, txSection(), []byte{0}, evSection(evidenceReversed())), ErrNonCanonical, "evidence[0].pair"},
		{"block evidence then trailing", "block", cat(okHeader, txSection(), []byte{0}, evSection(okEv), []byte{0}), ErrMalformed, "end"},
		{"block input over MaxBlockBytes", "block", make([]byte, MaxBlockBytes+1), ErrOversize, "input"},

		// vote
		{"vote version 0", "vote", patch(specVote().Encode(), 0, 0), ErrMalformed, "version"},
		{"vote type 0", "vote", vote(func(v *Vote) { v.Type = 0 }), ErrMalformed, "type"},
		{"vote type 3", "vote", vote(func(v *Vote) { v.Type = 3 }), ErrMalformed, "type"},
		{"vote validator_index MaxValidators", "vote", vote(func(v *Vote) { v.ValidatorIndex = MaxValidators }), ErrOversize, "validator_index"},
		{"vote validator_index 2^32-1", "vote", vote(func(v *Vote) { v.ValidatorIndex = 0xffffffff }), ErrOversize, "validator_index"},

		{"vote height 0", "vote", vote(func(v *Vote) { v.Height = 0 }), ErrMalformed, "height"},

		// commit
		{"commit height 0", "commit", commit(func(c *CommitCert) { c.Height = 0 }), ErrMalformed, "height"},
		{"commit bitmap N=0", "commit", commit(func(c *CommitCert) { c.Signers = Bitmap{} }), ErrMalformed, "signers_len"},
		{"commit bitmap N=MaxValidators+1", "commit", commit(func(c *CommitCert) { c.Signers = NewBitmap(MaxValidators + 1) }), ErrOversize, "signers_len"},
		{"commit bitmap N=2^32-1", "commit", commit(func(c *CommitCert) { c.Signers.N = 0xffffffff }), ErrOversize, "signers_len"},
		{"commit bitmap padding bit 10", "commit", commit(func(c *CommitCert) { c.Signers.Bits[1] |= 1 << 2 }), ErrNonCanonical, "signers"},
		{"commit bitmap padding bit 15", "commit", commit(func(c *CommitCert) { c.Signers.Bits[1] |= 1 << 7 }), ErrNonCanonical, "signers"},
		{"commit bitmap padding N=1", "commit", commit(func(c *CommitCert) { c.Signers = Bitmap{N: 1, Bits: []byte{0x03}} }), ErrNonCanonical, "signers"},
		{"commit bitmap short", "commit", commit(func(c *CommitCert) { c.Signers.Bits = c.Signers.Bits[:1] }), ErrMalformed, "agg_sig"},
		{"commit bitmap long", "commit", commit(func(c *CommitCert) { c.Signers.Bits = append(c.Signers.Bits, 0) }), ErrMalformed, "end"},

		// proposal
		{"proposal version 2", "proposal", patch(specProposal().Encode(), 0, 2), ErrMalformed, "version"},
		{"proposal height 0", "proposal", prop(func(p *Proposal) { p.Height = 0 }), ErrMalformed, "height"},
		{"proposal pol_round -2", "proposal", prop(func(p *Proposal) { p.POLRound = -2 }), ErrMalformed, "pol_round"},
		{"proposal pol_round min int32", "proposal", prop(func(p *Proposal) { p.POLRound = -1 << 31 }), ErrMalformed, "pol_round"},
		{"proposal pol_round 0 in round 0", "proposal", prop(func(p *Proposal) { p.Round, p.POLRound = 0, 0 }), ErrMalformed, "pol_round"},
		{"proposal pol_round == round", "proposal", prop(func(p *Proposal) { p.Round, p.POLRound = 3, 3 }), ErrMalformed, "pol_round"},
		{"proposal pol_round > round", "proposal", prop(func(p *Proposal) { p.Round, p.POLRound = 3, 7 }), ErrMalformed, "pol_round"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := decoders[tc.what](tc.in)
			checkDecodeError(t, err, tc.sentinel, tc.field)
			var de *DecodeError
			errors.As(err, &de)
			if de.What != tc.what {
				t.Fatalf("error %v says %q, want %q", err, de.What, tc.what)
			}
			if !strings.Contains(err.Error(), tc.what) || !strings.Contains(err.Error(), de.Field) {
				t.Fatalf("message %q names neither value nor field", err)
			}
		})
	}
}

// Every sentinel stays distinguishable: a *DecodeError wraps exactly one.
func TestDecodeErrorWrapsOneSentinel(t *testing.T) {
	sentinels := []error{ErrMalformed, ErrOversize, ErrNonCanonical, ErrBadAddress, ErrBadHash}
	e := &DecodeError{What: "tx", Field: "type", Err: ErrMalformed, Info: "unknown type 9"}
	n := 0
	for _, s := range sentinels {
		if errors.Is(e, s) {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("wraps %d sentinels", n)
	}
	if got := e.Error(); got != "decode tx: type: malformed encoding (unknown type 9)" {
		t.Fatalf("message %q", got)
	}
}

// evidenceSameVotes is the spec evidence with vote b's block hash set to
// vote a's (nil): no conflict, so DecodeEvidence refuses it.
func evidenceSameVotes() []byte {
	b := specEvidence().Encode()
	const hashOff = evidenceHeaderLen + VoteLen + 1 + 1 + 8 + 4
	return patch(b, hashOff, make([]byte, HashLen)...)
}
