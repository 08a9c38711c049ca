package api

import (
	"encoding/hex"
	"fmt"
	"strconv"

	"aitbc/engine/types"
)

// TxJSON is the JSON form of a transaction, as send_tx and estimate_fee
// read it and get_tx, get_block and mempool write it.
type TxJSON struct {
	ChainID   string `json:"chain_id"`
	Type      string `json:"type"`      // TRANSFER, RECEIPT_CLAIM, STAKE, UNSTAKE
	Sender    string `json:"sender"`    // 0x + 64 hex: the Ed25519 public key
	Nonce     uint64 `json:"nonce"`     // account nonce + 1
	Recipient string `json:"recipient"` // ait1… or 0x + 40 hex; "" reads as the zero address
	Amount    string `json:"amount"`    // decimal
	Fee       string `json:"fee"`       // decimal
	Payload   string `json:"payload,omitempty"`
	Signature string `json:"signature"` // 0x + 128 hex
}

// TxToJSON writes tx in the canonical JSON form (lowercase hex, bech32
// recipient), which TxFromJSON reads back to an identical tx.
func TxToJSON(tx *types.Tx) TxJSON {
	j := TxJSON{
		ChainID:   tx.ChainID,
		Type:      tx.Type.String(),
		Sender:    "0x" + hex.EncodeToString(tx.Sender[:]),
		Nonce:     tx.Nonce,
		Recipient: tx.Recipient.String(),
		Amount:    strconv.FormatUint(tx.Amount, 10),
		Fee:       strconv.FormatUint(tx.Fee, 10),
		Signature: "0x" + hex.EncodeToString(tx.Sig[:]),
	}
	if len(tx.Payload) > 0 {
		j.Payload = "0x" + hex.EncodeToString(tx.Payload)
	}
	return j
}

// TxFromJSON checks every field of j and builds the tx. Errors are
// *FieldError naming the field. It checks form only: chain, nonce order,
// balances and the signature are the backend's business.
func TxFromJSON(j TxJSON) (*types.Tx, error) { return txFromJSON(j, true) }

// UnsignedTxFromJSON is TxFromJSON for a tx that may not be signed yet: a
// missing signature reads as zeros, a present one is still checked
// (estimate_fee prices unsigned txs; the signature's size is fixed).
func UnsignedTxFromJSON(j TxJSON) (*types.Tx, error) { return txFromJSON(j, false) }

// txFromJSON reads j; without requireSig a missing signature reads as zeros.
func txFromJSON(j TxJSON, requireSig bool) (*types.Tx, error) {
	tx := &types.Tx{Nonce: j.Nonce}
	switch {
	case j.ChainID == "":
		return nil, &FieldError{Field: "chain_id", Err: ErrMissingField}
	case len(j.ChainID) > types.MaxChainIDLen:
		return nil, &FieldError{Field: "chain_id", Err: ErrBadChainID, Info: fmt.Sprintf("%d characters > %d", len(j.ChainID), types.MaxChainIDLen)}
	}
	if err := types.ValidateChainID(j.ChainID); err != nil {
		return nil, &FieldError{Field: "chain_id", Err: ErrBadChainID, Info: err.Error()}
	}
	tx.ChainID = j.ChainID

	if j.Type == "" {
		return nil, &FieldError{Field: "type", Err: ErrMissingField}
	}
	t, ok := types.ParseTxType(j.Type)
	if !ok {
		return nil, &FieldError{Field: "type", Err: ErrUnknownTxType, Info: fmt.Sprintf("%.32q: want TRANSFER, RECEIPT_CLAIM, STAKE, UNSTAKE or UNJAIL", j.Type)}
	}
	tx.Type = t

	if err := decodeHexInto("sender", j.Sender, tx.Sender[:]); err != nil {
		return nil, err
	}
	if j.Recipient != "" {
		a, err := types.ParseAddress(j.Recipient)
		if err != nil {
			return nil, &FieldError{Field: "recipient", Err: err}
		}
		tx.Recipient = a
	}
	var err error
	if tx.Amount, err = parseAmountField("amount", j.Amount); err != nil {
		return nil, err
	}
	if tx.Fee, err = parseAmountField("fee", j.Fee); err != nil {
		return nil, err
	}
	if tx.Payload, err = decodeHexVar("payload", j.Payload, types.MaxPayloadLen); err != nil {
		return nil, err
	}
	if j.Signature != "" || requireSig {
		if err := decodeHexInto("signature", j.Signature, tx.Sig[:]); err != nil {
			return nil, err
		}
	}
	return tx, nil
}

func parseAmountField(field, s string) (uint64, error) {
	if s == "" {
		return 0, &FieldError{Field: field, Err: ErrMissingField}
	}
	v, err := types.ParseAmount(s)
	if err != nil {
		return 0, &FieldError{Field: field, Err: err}
	}
	return v, nil
}

// hexDigits strips the mandatory 0x prefix.
func hexDigits(field, s string) (string, error) {
	if s == "" {
		return "", &FieldError{Field: field, Err: ErrMissingField}
	}
	if len(s) < 2 || s[0] != '0' || (s[1] != 'x' && s[1] != 'X') {
		return "", &FieldError{Field: field, Err: ErrBadHex, Info: "missing 0x prefix"}
	}
	return s[2:], nil
}

// decodeHexInto reads exactly len(dst) bytes of 0x-prefixed hex.
func decodeHexInto(field, s string, dst []byte) error {
	digits, err := hexDigits(field, s)
	if err != nil {
		return err
	}
	if len(digits) != 2*len(dst) {
		return &FieldError{Field: field, Err: ErrBadLength, Info: fmt.Sprintf("%d hex digits, want %d", len(digits), 2*len(dst))}
	}
	if _, err := hex.Decode(dst, []byte(digits)); err != nil {
		return &FieldError{Field: field, Err: ErrBadHex, Info: err.Error()}
	}
	return nil
}

// decodeHexVar reads up to max bytes of 0x-prefixed hex; "" and "0x" are nil.
func decodeHexVar(field, s string, max int) ([]byte, error) {
	if s == "" {
		return nil, nil
	}
	digits, err := hexDigits(field, s)
	if err != nil {
		return nil, err
	}
	if len(digits) > 2*max {
		return nil, &FieldError{Field: field, Err: ErrBadLength, Info: fmt.Sprintf("%d hex digits > %d", len(digits), 2*max)}
	}
	if len(digits)%2 != 0 {
		return nil, &FieldError{Field: field, Err: ErrBadHex, Info: "odd number of hex digits"}
	}
	if len(digits) == 0 {
		return nil, nil
	}
	b := make([]byte, len(digits)/2)
	if _, err := hex.Decode(b, []byte(digits)); err != nil {
		return nil, &FieldError{Field: field, Err: ErrBadHex, Info: err.Error()}
	}
	return b, nil
}
