package types

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// Every decoder: no panic, errors are typed, and whatever decodes
// re-encodes to exactly the input bytes (one valid encoding per value).

func fuzzDecoder[T any](f *testing.F, seeds [][]byte, dec func([]byte) (T, error), enc func(T) []byte) {
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		v, err := dec(b)
		if err != nil {
			var de *DecodeError
			if !errors.As(err, &de) {
				t.Fatalf("error %v (%T) is not a *DecodeError", err, err)
			}
			if !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrOversize) && !errors.Is(err, ErrNonCanonical) {
				t.Fatalf("error %v wraps no decode sentinel", err)
			}
			return
		}
		if out := enc(v); !bytes.Equal(out, b) {
			t.Fatalf("decoded but re-encodes differently:\n in  %x\n out %x", b, out)
		}
	})
}

func FuzzDecodeTx(f *testing.F) {
	fuzzDecoder(f, [][]byte{specTransfer().Encode(), specTransfer2().Encode()}, DecodeTx, (*Tx).Encode)
}

func FuzzDecodeHeader(f *testing.F) {
	fuzzDecoder(f, [][]byte{specBlock().Header.Encode(), evidenceBlock(specEvidence()).Header.Encode()}, DecodeHeader, (*Header).Encode)
}

func FuzzDecodeBlock(f *testing.F) {
	fuzzDecoder(f, [][]byte{specBlock().Encode(), evidenceBlock(specEvidence()).Encode()}, DecodeBlock, func(b *Block) []byte {
		if len(b.Txs) > MaxBlockTxs {
			panic("decoded more than MaxBlockTxs txs")
		}
		if len(b.Evidence) > MaxBlockEvidence {
			panic("decoded more than MaxBlockEvidence pieces of evidence")
		}
		for _, ev := range b.Evidence {
			if err := ev.ValidateBasic(); err != nil {
				panic(fmt.Sprintf("decoded block evidence fails ValidateBasic: %v", err))
			}
		}
		return b.Encode()
	})
}

// evidenceBlock is a small block (the spec header, no txs, no commit)
// carrying evs, with evidence_hash = EvidenceRoot(evs): a fuzz seed.
func evidenceBlock(evs ...*Evidence) *Block {
	h := specBlock().Header
	h.EvidenceHash = EvidenceRoot(evs)
	return &Block{Header: h, Evidence: evs}
}

func FuzzDecodeVote(f *testing.F) {
	fuzzDecoder(f, [][]byte{specVote().Encode()}, DecodeVote, (*Vote).Encode)
}

func FuzzDecodeCommit(f *testing.F) {
	fuzzDecoder(f, [][]byte{specCommit().Encode()}, DecodeCommit, func(c *CommitCert) []byte {
		if c.Signers.N == 0 || c.Signers.N > MaxValidators || len(c.Signers.Bits) != int(c.Signers.N+7)/8 {
			panic(fmt.Sprintf("decoded an inconsistent bitmap %+v", c.Signers))
		}
		if c.Signers.Count() > int(c.Signers.N) {
			panic("more signers than bits")
		}
		return c.Encode()
	})
}

func FuzzDecodeProposal(f *testing.F) {
	fuzzDecoder(f, [][]byte{specProposal().Encode()}, DecodeProposal, func(p *Proposal) []byte {
		if p.POLRound < -1 || p.POLRound >= 0 && uint32(p.POLRound) >= p.Round {
			panic(fmt.Sprintf("decoded pol_round %d with round %d", p.POLRound, p.Round))
		}
		return p.Encode()
	})
}

// FuzzDecodeEvidence: whatever decodes is valid evidence in canonical order.
func FuzzDecodeEvidence(f *testing.F) {
	fuzzDecoder(f, [][]byte{specEvidence().Encode(), specProposalEvidence().Encode()}, DecodeEvidence, func(ev *Evidence) []byte {
		if err := ev.ValidateBasic(); err != nil {
			panic(fmt.Sprintf("decoded evidence fails ValidateBasic: %v", err))
		}
		return ev.Encode()
	})
}

// FuzzParseAddress: accepted text is ASCII and is the canonical bech32 or
// the 0x hex of the parsed address, up to letter case.
func FuzzParseAddress(f *testing.F) {
	a := AddressFromPubKey(pubOf(specKey1()))
	for _, s := range []string{a.String(), strings.ToUpper(a.String()), a.Hex(), "0X" + strings.ToUpper(a.Hex()[2:])} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, err := ParseAddress(s)
		if err != nil {
			if !errors.Is(err, ErrBadAddress) {
				t.Fatalf("error %v does not wrap ErrBadAddress", err)
			}
			return
		}
		for i := 0; i < len(s); i++ {
			if s[i] >= 0x80 {
				t.Fatalf("accepted non-ASCII text %q", s)
			}
		}
		if low := strings.ToLower(s); low != a.String() && low != a.Hex() {
			t.Fatalf("accepted %q as %s / %s", s, a.String(), a.Hex())
		}
		if s != strings.ToLower(s) && s != strings.ToUpper(s) && !strings.HasPrefix(s, "0") {
			t.Fatalf("accepted mixed-case bech32 %q", s)
		}
	})
}

// FuzzParseHash: accepted text is 0x + 64 hex of the parsed hash, up to case.
func FuzzParseHash(f *testing.F) {
	f.Add(specBlock().Hash().String())
	f.Fuzz(func(t *testing.T, s string) {
		h, err := ParseHash(s)
		if err != nil {
			if !errors.Is(err, ErrBadHash) {
				t.Fatalf("error %v does not wrap ErrBadHash", err)
			}
			return
		}
		if strings.ToLower(s) != h.String() {
			t.Fatalf("accepted %q as %s", s, h)
		}
	})
}

// FuzzParseAmount: accepted text is exactly the canonical decimal.
func FuzzParseAmount(f *testing.F) {
	for _, s := range []string{"0", "1", "18446744073709551615", "18446744073709551616", "007", "-1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := ParseAmount(s)
		if err != nil {
			if !errors.Is(err, ErrBadAmount) {
				t.Fatalf("error %v does not wrap ErrBadAmount", err)
			}
			return
		}
		if strconv.FormatUint(v, 10) != s {
			t.Fatalf("accepted %q as %d", s, v)
		}
	})
}

var genCorpus = flag.Bool("gen-corpus", false, "rewrite the checked-in seed corpus under testdata/fuzz")

// TestGenCorpus writes the seed corpus (go test fuzz v1 files) when run with
// -gen-corpus; otherwise it checks that every fuzzer has checked-in seeds.
func TestGenCorpus(t *testing.T) {
	// Seeds stay small: the fuzzer minimizes every new input it finds, and
	// kilobyte-sized seeds stall it for its whole minimization budget. The
	// size limits themselves are covered by TestRoundTripEdges and the
	// rejection table.
	r := rand.New(rand.NewPCG(1, 2)) // fixed: the corpus is checked in
	smallTx := func() *Tx {
		tx := randTx(r)
		if len(tx.Payload) > 8 {
			tx.Payload = tx.Payload[:8]
		}
		return tx
	}
	edgeTx := &Tx{ChainID: strings.Repeat("z", MaxChainIDLen), Type: TxUnstake, Nonce: 1<<64 - 1,
		Amount: 1<<64 - 1, Fee: 1<<64 - 1, Payload: []byte{0xee}}
	bigBlock := &Block{Header: *randHeader(r), LastCommit: randCommit(r)}
	bigBlock.LastCommit.Signers = NewBitmap(20)
	for i := 0; i < 4; i++ {
		bigBlock.Txs = append(bigBlock.Txs, smallTx())
	}
	bigCommit := randCommit(r)
	bigCommit.Signers = NewBitmap(67)
	bigCommit.Signers.Set(66)
	bytesCorpus := map[string][][]byte{
		"FuzzDecodeTx":     {specTransfer().Encode(), specTransfer2().Encode(), edgeTx.Encode(), smallTx().Encode(), specTransfer().Encode()[:40]},
		"FuzzDecodeHeader": {specBlock().Header.Encode(), randHeader(r).Encode(), evidenceBlock(specEvidence()).Header.Encode()},
		"FuzzDecodeBlock": {specBlock().Encode(), (&Block{Header: specBlock().Header}).Encode(), bigBlock.Encode(),
			// evidence: the spec pair (two real signed votes), and a
			// proposal pair before it.
			evidenceBlock(specEvidence()).Encode(), evidenceBlock(specProposalEvidence(), specEvidence()).Encode()},
		"FuzzDecodeVote":     {specVote().Encode(), (&Vote{Type: Prevote, Height: 9, ValidatorIndex: MaxValidators - 1}).Encode()},
		"FuzzDecodeCommit":   {specCommit().Encode(), bigCommit.Encode(), (&CommitCert{Height: 1, Signers: Bitmap{N: 1, Bits: []byte{1}}}).Encode()},
		"FuzzDecodeProposal": {specProposal().Encode(), (&Proposal{Height: 5, Round: 7, POLRound: 6}).Encode()},
		"FuzzDecodeEvidence": {specEvidence().Encode(), specProposalEvidence().Encode(), evidenceReversed(), specEvidence().Encode()[:80]},
	}
	a := AddressFromPubKey(pubOf(specKey1()))
	stringCorpus := map[string][]string{
		"FuzzParseAddress": {a.String(), strings.ToUpper(a.String()), a.Hex(), "0X" + strings.ToUpper(a.Hex()[2:]),
			"AIT1" + a.String()[4:], bech32Encode("ait", make([]byte, 21)), "ait1qqqqqq"},
		"FuzzParseHash":   {specBlock().Hash().String(), "0X" + strings.ToUpper(specBlock().Hash().String()[2:]), "0x"},
		"FuzzParseAmount": {"0", "18446744073709551615", "18446744073709551616", "0012", "+5"},
	}
	for name, seeds := range bytesCorpus {
		for i, s := range seeds {
			corpusFile(t, name, i, fmt.Sprintf("[]byte(%q)", s))
		}
	}
	for name, seeds := range stringCorpus {
		for i, s := range seeds {
			corpusFile(t, name, i, fmt.Sprintf("string(%q)", s))
		}
	}
}

// evidenceReversed is the spec evidence with its votes swapped: valid
// except for the order (a non-canonical seed).
func evidenceReversed() []byte {
	b := specEvidence().Encode()
	const a = evidenceHeaderLen
	return cat(b[:a], b[a+VoteLen:], b[a:a+VoteLen])
}

func corpusFile(t *testing.T, fuzzer string, i int, value string) {
	t.Helper()
	dir := filepath.Join("testdata", "fuzz", fuzzer)
	path := filepath.Join(dir, fmt.Sprintf("seed-%02d", i))
	if !*genCorpus {
		if _, err := os.Stat(path); err != nil {
			t.Fatalf("missing seed corpus file (run with -gen-corpus): %v", err)
		}
		return
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte("go test fuzz v1\n"+value+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
}

func FuzzDecodeStakePayload(f *testing.F) {
	f.Add(make([]byte, StakePayloadLen))
	f.Add(make([]byte, StakePayloadLen-1))
	f.Add(make([]byte, StakePayloadLen+1))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := DecodeStakePayload(b)
		if err != nil {
			var de *DecodeError
			if !errors.As(err, &de) || (!errors.Is(err, ErrMalformed) && !errors.Is(err, ErrOversize)) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		if !bytes.Equal(p.Encode(), b) {
			t.Fatalf("round trip: %x -> %x", b, p.Encode())
		}
	})
}
