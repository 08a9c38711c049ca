package types

import (
	"crypto/ed25519"
	"fmt"
)

// ReceiptClaim is the payload of a RECEIPT_CLAIM tx: a miner (the tx
// sender) claims payment for an AI compute job that a coordinator attests.
// The tx signature is the miner's signature; CoordinatorSig is the
// coordinator's Ed25519 signature over ReceiptAttestBytes. Minted amount =
// Units × params.mint_per_unit, credited to the miner; a job id can be
// claimed once.
type ReceiptClaim struct {
	JobID          []byte // 1..MaxJobIDLen bytes, opaque to the chain
	Units          uint64 // compute units performed (> 0)
	Coordinator    [PubKeyLen]byte
	CoordinatorSig [SigLen]byte
}

const (
	// MaxJobIDLen bounds a job id.
	MaxJobIDLen     = 64
	receiptVersion  = 1
	maxReceiptBytes = 1 + 4 + MaxJobIDLen + 8 + PubKeyLen + SigLen
)

// ReceiptAttestDomain prefixes the bytes a coordinator signs.
const ReceiptAttestDomain = "AITBC/receipt/v1\x00"

// ReceiptAttestBytes is what the coordinator signs: the domain, the chain,
// the job, the miner's address and the units.
func ReceiptAttestBytes(chainID string, jobID []byte, miner Address, units uint64) []byte {
	e := encoder{b: make([]byte, 0, len(ReceiptAttestDomain)+4+len(chainID)+4+len(jobID)+AddressLen+8)}
	e.raw([]byte(ReceiptAttestDomain))
	e.bytes([]byte(chainID))
	e.bytes(jobID)
	e.raw(miner[:])
	e.u64(units)
	return e.b
}

// ReceiptID identifies a claim: SHA-256 of its attestation bytes.
func ReceiptID(chainID string, jobID []byte, miner Address, units uint64) Hash {
	return Sum256(ReceiptAttestBytes(chainID, jobID, miner, units))
}

// ReceiptJobHash is the key of a job id in the ledger's claimed set:
// SHA-256(job_id). The state root commits to the set of these hashes.
func ReceiptJobHash(jobID []byte) Hash { return Sum256(jobID) }

// NewReceiptClaim builds the payload for miner's claim of jobID and signs
// the attestation with the coordinator's key (for tools and tests; a real
// coordinator signs ReceiptAttestBytes on its own machine).
func NewReceiptClaim(chainID string, jobID []byte, units uint64, miner Address, coordinator ed25519.PrivateKey) *ReceiptClaim {
	r := &ReceiptClaim{JobID: append([]byte(nil), jobID...), Units: units}
	copy(r.Coordinator[:], coordinator.Public().(ed25519.PublicKey))
	copy(r.CoordinatorSig[:], ed25519.Sign(coordinator, ReceiptAttestBytes(chainID, jobID, miner, units)))
	return r
}

// Encode returns the canonical payload encoding:
// u8 version || u32 len || job_id || u64 units || coordinator[32] || coordinator_sig[64].
func (r *ReceiptClaim) Encode() []byte {
	e := encoder{b: make([]byte, 0, maxReceiptBytes)}
	e.u8(receiptVersion)
	e.bytes(r.JobID)
	e.u64(r.Units)
	e.raw(r.Coordinator[:])
	e.raw(r.CoordinatorSig[:])
	return e.b
}

// DecodeReceiptClaim parses a canonical RECEIPT_CLAIM payload.
func DecodeReceiptClaim(b []byte) (*ReceiptClaim, error) {
	if len(b) > maxReceiptBytes {
		return nil, &DecodeError{What: "receipt", Field: "input", Err: ErrOversize, Info: fmt.Sprintf("%d bytes > %d", len(b), maxReceiptBytes)}
	}
	d := newDecoder("receipt", b)
	r := new(ReceiptClaim)
	if v := d.u8("version"); d.err == nil && v != receiptVersion {
		d.fail("version", ErrMalformed, fmt.Sprintf("unknown version %d", v))
	}
	r.JobID = d.bytes("job_id", 1, MaxJobIDLen)
	r.Units = d.u64("units")
	if d.err == nil && r.Units == 0 {
		d.fail("units", ErrMalformed, "units must be > 0")
	}
	d.fixed("coordinator", r.Coordinator[:])
	d.fixed("coordinator_sig", r.CoordinatorSig[:])
	if err := d.finish(); err != nil {
		return nil, err
	}
	return r, nil
}
