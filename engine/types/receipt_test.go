package types

import (
	"bytes"
	"crypto/ed25519"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"

	"aitbc/internal/seedtest"
)

// specReceipt is the docs/spec.md RECEIPT_CLAIM vector: key 2's address
// claims job "job-42" for 1000 units, attested by key 1 as coordinator.
func specReceipt() (*ReceiptClaim, Address) {
	miner := AddressFromPubKey(pubOf(specKey2()))
	return NewReceiptClaim(specChainID, []byte("job-42"), 1000, miner, specKey1()), miner
}

func TestReceiptClaimRoundTrip(t *testing.T) {
	r := seedtest.Rand(t)
	k := specKey1()
	cases := []*ReceiptClaim{
		NewReceiptClaim(specChainID, []byte{0}, 1, Address{}, k),
		NewReceiptClaim(specChainID, bytes.Repeat([]byte{0xff}, MaxJobIDLen), 1<<64-1, Address{1}, k),
	}
	for i := 0; i < 200; i++ {
		job := make([]byte, 1+r.IntN(MaxJobIDLen))
		randBytes(r, job)
		c := &ReceiptClaim{JobID: job, Units: 1 + randU64(r)%(1<<64-1)}
		randBytes(r, c.Coordinator[:])
		randBytes(r, c.CoordinatorSig[:])
		cases = append(cases, c)
	}
	for i, c := range cases {
		enc := c.Encode()
		if len(enc) != 1+4+len(c.JobID)+8+PubKeyLen+SigLen {
			t.Fatalf("case %d: %d bytes", i, len(enc))
		}
		got, err := DecodeReceiptClaim(enc)
		if err != nil {
			t.Fatalf("case %d: %v", i, err)
		}
		if !bytes.Equal(got.JobID, c.JobID) || got.Units != c.Units || got.Coordinator != c.Coordinator || got.CoordinatorSig != c.CoordinatorSig {
			t.Fatalf("case %d: decoded %+v, want %+v", i, got, c)
		}
		if !bytes.Equal(got.Encode(), enc) {
			t.Fatalf("case %d: re-encoding differs", i)
		}
	}
}

func TestReceiptClaimRejects(t *testing.T) {
	good, _ := specReceipt()
	enc := good.Encode()
	jobEnd := 5 + len(good.JobID)
	units := func(v uint64) []byte { return u64be(v) }
	tail := enc[jobEnd+8:] // coordinator || sig
	tests := []struct {
		name     string
		in       []byte
		sentinel error
		field    string
	}{
		{"empty", nil, ErrMalformed, "version"},
		{"version 0", patch(enc, 0, 0), ErrMalformed, "version"},
		{"version 2", patch(enc, 0, 2), ErrMalformed, "version"},
		{"empty job id", cat([]byte{1}, u32(0), units(1), tail), ErrMalformed, "job_id"},
		{"job id over 64", cat([]byte{1}, u32(MaxJobIDLen+1), make([]byte, MaxJobIDLen+1), units(1), tail), ErrOversize, "input"},
		{"job id length over 64", cat([]byte{1}, u32(MaxJobIDLen+1), []byte("x"), units(1), tail), ErrOversize, "job_id"},
		{"job id length past the end", cat([]byte{1}, u32(40), []byte("job"), units(1)), ErrMalformed, "job_id"},
		{"zero units", cat(enc[:jobEnd], units(0), tail), ErrMalformed, "units"},
		{"no signature", enc[:len(enc)-SigLen], ErrMalformed, "coordinator_sig"},
		{"short signature", enc[:len(enc)-1], ErrMalformed, "coordinator_sig"},
		{"no coordinator", enc[:jobEnd+8], ErrMalformed, "coordinator"},
		{"trailing byte", append(bytes.Clone(enc), 0), ErrMalformed, "end"},
		{"over the maximum size", make([]byte, maxReceiptBytes+1), ErrOversize, "input"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := DecodeReceiptClaim(tc.in)
			checkDecodeError(t, err, tc.sentinel, tc.field)
			if !strings.Contains(err.Error(), "receipt") {
				t.Fatalf("error %q does not say it is a receipt", err)
			}
		})
	}
	for i := 0; i < len(enc); i++ {
		if _, err := DecodeReceiptClaim(enc[:i]); err == nil {
			t.Fatalf("truncated to %d bytes decodes", i)
		}
	}
}

func u64be(v uint64) []byte {
	b := make([]byte, 8)
	for i := range b {
		b[i] = byte(v >> (56 - 8*i))
	}
	return b
}

// The attestation binds chain, job, miner and units, under its own domain.
func TestReceiptAttestation(t *testing.T) {
	rc, miner := specReceipt()
	coord := pubOf(specKey1())
	if !bytes.Equal(rc.Coordinator[:], coord) {
		t.Fatal("coordinator key not the signer's")
	}
	msg := ReceiptAttestBytes(specChainID, rc.JobID, miner, rc.Units)
	if !ed25519.Verify(coord, msg, rc.CoordinatorSig[:]) {
		t.Fatal("attestation does not verify")
	}
	if !bytes.HasPrefix(msg, []byte(ReceiptAttestDomain)) || bytes.HasPrefix(msg, []byte(TxSignDomain)) {
		t.Fatal("attestation not under its own domain")
	}
	for name, other := range map[string][]byte{
		"chain": ReceiptAttestBytes("aitbc-other", rc.JobID, miner, rc.Units),
		"job":   ReceiptAttestBytes(specChainID, []byte("job-43"), miner, rc.Units),
		"miner": ReceiptAttestBytes(specChainID, rc.JobID, Address{1}, rc.Units),
		"units": ReceiptAttestBytes(specChainID, rc.JobID, miner, rc.Units+1),
		// Moving a byte from the job id into the chain id must not collide.
		"boundary": ReceiptAttestBytes(specChainID+"j", []byte("ob-42"), miner, rc.Units),
	} {
		if ed25519.Verify(coord, other, rc.CoordinatorSig[:]) {
			t.Errorf("attestation also verifies with another %s", name)
		}
	}
	if ReceiptID(specChainID, rc.JobID, miner, rc.Units) != Sum256(msg) {
		t.Fatal("receipt id is not SHA-256 of the attestation bytes")
	}
	if ReceiptJobHash(rc.JobID) != Sum256([]byte("job-42")) {
		t.Fatal("job hash is not SHA-256 of the job id")
	}
}

// The values of the proposed docs/spec.md RECEIPT_CLAIM vector (also
// reproduced with Python hashlib and the cryptography package).
const (
	goldenReceiptEncoding = "01000000066a6f622d343200000000000003e8" +
		"79b5562e8fe654f94078b112e8a98ba7901f853ae695bed7e0e3910bad049664"
	goldenReceiptSig = "b102d64bfa3a547b349e4b478c7fa27dc07afc2cfbbed0a38010986303321d5f" +
		"6e7e22542d1536b9a4ff5c5903fd8ab5d8ba7734b2ed16c514d8a4ad62c5f208"
	goldenReceiptID      = "0xe3ef5bfa84072700c73e43f2e4b9ddb426b149e7ef6a37927ef0daa277269880"
	goldenReceiptJobHash = "0x5359ae12ca11e5d628161c38de88522b51cb30c79b1ad9ba67e4860c6119bfff"
)

func TestReceiptGolden(t *testing.T) {
	rc, miner := specReceipt()
	enc := hex.EncodeToString(rc.Encode())
	if !strings.HasPrefix(enc, goldenReceiptEncoding) || len(rc.Encode()) != 1+4+6+8+32+64 {
		t.Fatalf("encoding %s", enc)
	}
	msg := ReceiptAttestBytes(specChainID, rc.JobID, miner, rc.Units)
	wantMsg := hex.EncodeToString([]byte(ReceiptAttestDomain)) + "0000000c" + hex.EncodeToString([]byte(specChainID)) +
		"00000006" + hex.EncodeToString([]byte("job-42")) + hex.EncodeToString(miner[:]) + "00000000000003e8"
	if got := hex.EncodeToString(msg); got != wantMsg {
		t.Fatalf("attestation bytes\n got %s\nwant %s", got, wantMsg)
	}
	for name, c := range map[string]struct{ got, want string }{
		"signature":  {hex.EncodeToString(rc.CoordinatorSig[:]), goldenReceiptSig},
		"receipt id": {ReceiptID(specChainID, rc.JobID, miner, rc.Units).String(), goldenReceiptID},
		"job hash":   {ReceiptJobHash(rc.JobID).String(), goldenReceiptJobHash},
	} {
		if c.got != c.want {
			t.Errorf("%s %s, want %s", name, c.got, c.want)
		}
	}
}

func FuzzDecodeReceiptClaim(f *testing.F) {
	fuzzDecoder(f, receiptSeeds(), DecodeReceiptClaim, (*ReceiptClaim).Encode)
}

func receiptSeeds() [][]byte {
	rc, _ := specReceipt()
	long := NewReceiptClaim(specChainID, bytes.Repeat([]byte("j"), MaxJobIDLen), 1<<64-1, Address{}, specKey2())
	enc := rc.Encode()
	return [][]byte{enc, long.Encode(), enc[:20], patch(enc, 0, 2)}
}

// TestReceiptCorpus: the seeds are checked in (written with -gen-corpus).
func TestReceiptCorpus(t *testing.T) {
	for i, s := range receiptSeeds() {
		corpusFile(t, "FuzzDecodeReceiptClaim", i, fmt.Sprintf("[]byte(%q)", s))
	}
}
