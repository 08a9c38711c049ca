package api

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"aitbc/engine/types"
)

// SubmitReceiptJSON is the body of POST /rpc/submitReceipt: a signed
// RECEIPT_CLAIM tx in the send_tx form, whose payload is either the
// canonical encoding as 0x-hex (a string) or a ReceiptClaimJSON object.
// type may be omitted (it must be RECEIPT_CLAIM); amount and recipient may
// be omitted (they must be 0 and the zero address). The signature covers
// the tx with the canonical payload encoding, so both forms of one claim
// are the same tx.
type SubmitReceiptJSON struct {
	ChainID   string          `json:"chain_id"`
	Type      string          `json:"type"`
	Sender    string          `json:"sender"`
	Nonce     uint64          `json:"nonce"`
	Recipient string          `json:"recipient"`
	Amount    string          `json:"amount"`
	Fee       string          `json:"fee"`
	Payload   json.RawMessage `json:"payload"`
	Signature string          `json:"signature"`
}

// ReceiptClaimJSON is the structured form of a RECEIPT_CLAIM payload.
// job_id follows ParseJobID; units is a JSON number or decimal string.
type ReceiptClaimJSON struct {
	JobID          string      `json:"job_id"`
	Units          json.Number `json:"units"`
	Coordinator    string      `json:"coordinator"`     // 0x + 64 hex
	CoordinatorSig string      `json:"coordinator_sig"` // 0x + 128 hex
}

// ParseJobID reads a job id as the query routes and submitReceipt take it:
// "0x" + hex for arbitrary bytes, any other text as its UTF-8 bytes;
// 1..types.MaxJobIDLen bytes either way.
func ParseJobID(s string) ([]byte, error) {
	var b []byte
	if digits, ok := strings.CutPrefix(s, "0x"); ok {
		var err error
		if b, err = hex.DecodeString(digits); err != nil {
			return nil, &FieldError{Field: "job_id", Err: ErrBadHex, Info: "0x-prefixed job ids are hex; hex-encode a text id that starts with 0x"}
		}
	} else {
		b = []byte(s)
	}
	if len(b) == 0 || len(b) > types.MaxJobIDLen {
		return nil, &FieldError{Field: "job_id", Err: ErrBadLength, Info: "want 1.." + strconv.Itoa(types.MaxJobIDLen) + " bytes"}
	}
	return b, nil
}

// ClaimFromJSON builds the payload of a structured claim.
func ClaimFromJSON(j ReceiptClaimJSON) (*types.ReceiptClaim, error) {
	job, err := ParseJobID(j.JobID)
	if err != nil {
		return nil, err
	}
	units, err := strconv.ParseUint(j.Units.String(), 10, 64)
	if err != nil || units == 0 {
		return nil, &FieldError{Field: "payload.units", Err: ErrMissingField, Info: fmt.Sprintf("%.40q: want an integer 1..2^64-1", j.Units.String())}
	}
	rc := &types.ReceiptClaim{JobID: job, Units: units}
	if err := decodeHexInto("payload.coordinator", j.Coordinator, rc.Coordinator[:]); err != nil {
		return nil, err
	}
	if err := decodeHexInto("payload.coordinator_sig", j.CoordinatorSig, rc.CoordinatorSig[:]); err != nil {
		return nil, err
	}
	return rc, nil
}

// Tx turns a submitReceipt body into the RECEIPT_CLAIM tx it stands for.
// Errors are *FieldError naming the field; like TxFromJSON it checks form
// only.
func (j SubmitReceiptJSON) Tx() (*types.Tx, error) {
	tj := TxJSON{ChainID: j.ChainID, Type: j.Type, Sender: j.Sender, Nonce: j.Nonce, Recipient: j.Recipient,
		Amount: j.Amount, Fee: j.Fee, Signature: j.Signature}
	switch tj.Type {
	case "":
		tj.Type = types.TxReceiptClaim.String()
	case types.TxReceiptClaim.String():
	default:
		return nil, &FieldError{Field: "type", Err: ErrUnknownTxType, Info: fmt.Sprintf("%.32q: submitReceipt takes RECEIPT_CLAIM only", j.Type)}
	}
	if tj.Amount == "" {
		tj.Amount = "0"
	}
	p := bytes.TrimSpace(j.Payload)
	switch {
	case len(p) == 0 || bytes.Equal(p, []byte("null")):
		return nil, &FieldError{Field: "payload", Err: ErrMissingField}
	case p[0] == '"':
		if err := json.Unmarshal(p, &tj.Payload); err != nil {
			return nil, &FieldError{Field: "payload", Err: ErrBadHex, Info: "not a JSON string"}
		}
	case p[0] == '{':
		var cj ReceiptClaimJSON
		dec := json.NewDecoder(bytes.NewReader(p))
		dec.DisallowUnknownFields()
		dec.UseNumber()
		if err := dec.Decode(&cj); err != nil {
			return nil, &FieldError{Field: "payload", Err: ErrMissingField, Info: err.Error()}
		}
		rc, err := ClaimFromJSON(cj)
		if err != nil {
			return nil, err
		}
		tj.Payload = types.HexBytes(rc.Encode()).String()
	default:
		return nil, &FieldError{Field: "payload", Err: ErrBadHex, Info: "want a 0x-hex string or a {job_id, units, coordinator, coordinator_sig} object"}
	}
	tx, err := TxFromJSON(tj)
	if err != nil {
		return nil, err
	}
	return tx, nil
}
