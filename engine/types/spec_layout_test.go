package types

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"strings"
)

// Annotated layouts for the vectors in docs/spec.md. Each rebuilds a value's
// bytes field by field, independently of the encoder, and check() refuses to
// render unless the result equals the encoder's output.

// hexLines writes b as lowercase hex, 32 bytes per line.
func hexLines(b []byte) string {
	var lines []string
	for len(b) > 32 {
		lines = append(lines, hex.EncodeToString(b[:32]))
		b = b[32:]
	}
	return strings.Join(append(lines, hex.EncodeToString(b)), "\n")
}

// layout is an annotated byte layout: each field's bytes and what they are.
type layout struct{ fields []layoutField }

type layoutField struct {
	b    []byte
	note string
}

func (l *layout) add(b []byte, format string, a ...any) {
	l.fields = append(l.fields, layoutField{b, fmt.Sprintf(format, a...)})
}

func (l *layout) u8(v uint8, what string) { l.add([]byte{v}, "%s = %d", what, v) }
func (l *layout) u32(v uint32, what string) {
	l.add(binary.BigEndian.AppendUint32(nil, v), "%s = %d", what, v)
}
func (l *layout) u64(v uint64, what string) {
	l.add(binary.BigEndian.AppendUint64(nil, v), "%s = %d", what, v)
}
func (l *layout) lenPrefixed(b []byte, what string) {
	l.add(binary.BigEndian.AppendUint32(nil, uint32(len(b))), "%s length = %d", what, len(b))
	if len(b) > 0 {
		l.add(b, "%s %q", what, b)
	}
}

// check renders the layout after verifying its bytes equal the encoder's.
func (l *layout) check(enc []byte) (string, error) {
	var all []byte
	var lines []string
	for _, f := range l.fields {
		all = append(all, f.b...)
		b := f.b
		first := true
		for len(b) > 0 {
			n := min(len(b), 32)
			chunk := hex.EncodeToString(b[:n])
			if first {
				lines = append(lines, fmt.Sprintf("%-64s  # %s", chunk, f.note))
				first = false
			} else {
				lines = append(lines, chunk)
			}
			b = b[n:]
		}
	}
	if !bytes.Equal(all, enc) {
		return "", fmt.Errorf("annotated layout disagrees with the encoder:\n layout  %x\n encoder %x", all, enc)
	}
	return strings.Join(lines, "\n"), nil
}

func txLayout(tx *Tx) *layout {
	l := &layout{}
	l.u8(1, "version")
	l.lenPrefixed([]byte(tx.ChainID), "chain_id")
	l.add([]byte{byte(tx.Type)}, "type = %d (%s)", tx.Type, tx.Type)
	l.add(tx.Sender[:], "sender (Ed25519 public key, 32 bytes)")
	l.u64(tx.Nonce, "nonce")
	l.add(tx.Recipient[:], "recipient (20 bytes) = %s", tx.Recipient)
	l.u64(tx.Amount, "amount")
	l.u64(tx.Fee, "fee")
	l.lenPrefixed(tx.Payload, "payload")
	l.add(tx.Sig[:], "sig (Ed25519, 64 bytes)")
	return l
}

func headerLayout(h *Header) *layout {
	l := &layout{}
	l.u8(headerVersion, "version")
	l.lenPrefixed([]byte(h.ChainID), "chain_id")
	l.u64(h.Height, "height")
	l.u64(h.Time, "time (Unix ms)")
	l.add(h.ParentHash[:], "parent_hash")
	l.add(h.Proposer[:], "proposer = %s", h.Proposer)
	l.add(h.TxRoot[:], "tx_root")
	l.add(h.StateRoot[:], "state_root")
	l.add(h.ValidatorsHash[:], "validators_hash")
	l.add(h.NextValidatorsHash[:], "next_validators_hash")
	l.add(h.LastCommitHash[:], "last_commit_hash")
	l.add(h.EvidenceHash[:], "evidence_hash")
	return l
}

func commitLayout(c *CommitCert) *layout {
	l := &layout{}
	l.u64(c.Height, "height")
	l.u32(c.Round, "round")
	l.add(c.BlockHash[:], "block_hash")
	l.u32(c.Signers.N, "signers N (bits)")
	l.add(c.Signers.Bits, "signers bitmap, ceil(N/8) = %d bytes, bit i = byte i/8, mask 1<<(i%%8)", len(c.Signers.Bits))
	l.add(c.AggSig[:], "agg_sig (BLS12-381 G2 compressed, 96 bytes)")
	return l
}

// blockLayout shows the block's framing; tx and commit bodies are one line each.
func blockLayout(b *Block) *layout {
	l := &layout{}
	l.add(b.Header.Encode(), "header (%d bytes, see header.encoding)", len(b.Header.Encode()))
	l.u32(uint32(len(b.Txs)), "tx_count")
	for i, tx := range b.Txs {
		l.u32(uint32(tx.Size()), fmt.Sprintf("txs[%d] length", i))
		l.add(tx.Encode(), "txs[%d] (%d bytes)", i, tx.Size())
	}
	if b.LastCommit == nil {
		l.u8(0, "has_commit")
	} else {
		l.u8(1, "has_commit")
		l.add(b.LastCommit.Encode(), "last_commit (see commit.encoding)")
	}
	l.u32(uint32(len(b.Evidence)), "evidence_count")
	for i, ev := range b.Evidence {
		l.u32(uint32(ev.EncodedSize()), fmt.Sprintf("evidence[%d] length", i))
		l.add(ev.Encode(), "evidence[%d] (%d bytes, see evidence.encoding)", i, ev.EncodedSize())
	}
	return l
}

func voteLayout(v *Vote) *layout {
	l := &layout{}
	l.u8(1, "version")
	l.add([]byte{byte(v.Type)}, "type = %d (%s)", v.Type, v.Type)
	l.u64(v.Height, "height")
	l.u32(v.Round, "round")
	l.add(v.BlockHash[:], "block_hash (zero = nil vote)")
	l.u32(v.ValidatorIndex, "validator_index")
	l.add(v.Sig[:], "sig (BLS12-381 G2 compressed, 96 bytes)")
	return l
}

func voteSignLayout(v *Vote) *layout {
	l := &layout{}
	l.add([]byte(VoteSignDomain), "domain %q", VoteSignDomain)
	l.lenPrefixed([]byte(specChainID), "chain_id")
	l.add([]byte{byte(v.Type)}, "type = %d (%s)", v.Type, v.Type)
	l.u64(v.Height, "height")
	l.u32(v.Round, "round")
	l.add(v.BlockHash[:], "block_hash")
	return l
}

func proposalLayout(p *Proposal) *layout {
	l := &layout{}
	l.u8(1, "version")
	l.u64(p.Height, "height")
	l.u32(p.Round, "round")
	l.add(binary.BigEndian.AppendUint32(nil, uint32(p.POLRound)), "pol_round = %d (int32, two's complement)", p.POLRound)
	l.add(p.BlockHash[:], "block_hash")
	l.add(p.Sig[:], "sig (BLS12-381 G2 compressed, 96 bytes)")
	return l
}

func proposalSignLayout(p *Proposal) *layout {
	l := &layout{}
	l.add([]byte(ProposalSignDomain), "domain %q", ProposalSignDomain)
	l.lenPrefixed([]byte(specChainID), "chain_id")
	l.u64(p.Height, "height")
	l.u32(p.Round, "round")
	l.add(binary.BigEndian.AppendUint32(nil, uint32(p.POLRound)), "pol_round = %d", p.POLRound)
	l.add(p.BlockHash[:], "block_hash")
	return l
}

// evidenceLayout annotates every field, the two votes' fields included.
func evidenceLayout(ev *Evidence) *layout {
	l := &layout{}
	l.u8(1, "version")
	l.add([]byte{byte(ev.Kind)}, "kind = %d (%s)", ev.Kind, ev.Kind)
	l.u32(ev.ValidatorIndex, "validator_index")
	l.add(ev.Validator[:], "validator = %s", ev.Validator)
	l.add(ev.BLSPubKey[:], "bls_pub_key (BLS12-381 G1 compressed, 48 bytes)")
	for _, p := range []struct {
		name string
		v    *Vote
	}{{"vote_a", ev.VoteA}, {"vote_b", ev.VoteB}} {
		for _, f := range voteLayout(p.v).fields {
			l.fields = append(l.fields, layoutField{f.b, p.name + "." + f.note})
		}
	}
	return l
}
