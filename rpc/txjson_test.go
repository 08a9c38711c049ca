package rpc

import (
	"errors"
	"strings"
	"testing"

	"aitbc/engine/types"
)

func TestTxJSONRoundTrip(t *testing.T) {
	f := newFixture(t)
	stake := &types.Tx{ChainID: testChainID, Type: types.TxStake, Nonce: 9, Amount: 1 << 40, Fee: 1}
	stake.Sign(f.bob)
	big := signedTx(f.alice, f.bob, ^uint64(0), ^uint64(0))
	big.Payload = make([]byte, types.MaxPayloadLen)
	big.Sign(f.alice)
	for _, tx := range []*types.Tx{f.pending, f.committed, stake, big} {
		j := TxToJSON(tx)
		got, err := TxFromJSON(j)
		if err != nil {
			t.Fatalf("TxFromJSON(TxToJSON(%+v)): %v", j, err)
		}
		if got.Hash() != tx.Hash() {
			t.Fatalf("round trip changed the tx: %+v vs %+v", got, tx)
		}
	}
	j := TxToJSON(stake)
	if j.Recipient != (types.Address{}).String() || j.Payload != "" || j.Type != "STAKE" {
		t.Fatalf("stake JSON %+v", j)
	}
}

func TestTxFromJSONAccepts(t *testing.T) {
	f := newFixture(t)
	base := TxToJSON(f.committed)
	tests := []struct {
		name string
		mut  func(*TxJSON)
	}{
		{"uppercase hex", func(j *TxJSON) {
			j.Sender = "0X" + strings.ToUpper(j.Sender[2:])
			j.Signature = strings.ToUpper(j.Signature)
		}},
		{"0x recipient", func(j *TxJSON) { j.Recipient = addrOf(f.bob).Hex() }},
		{"uppercase bech32 recipient", func(j *TxJSON) { j.Recipient = strings.ToUpper(j.Recipient) }},
	}
	for _, tt := range tests {
		j := base
		tt.mut(&j)
		tx, err := TxFromJSON(j)
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if tx.Hash() != f.committed.Hash() {
			t.Errorf("%s: different tx", tt.name)
		}
	}
	// An empty recipient is the zero address (STAKE and UNSTAKE have none).
	j := base
	j.Recipient = ""
	if tx, err := TxFromJSON(j); err != nil || !tx.Recipient.IsZero() {
		t.Errorf("empty recipient: %v %v", tx, err)
	}
}

func TestTxFromJSONRejects(t *testing.T) {
	f := newFixture(t)
	base := TxToJSON(f.committed)
	tests := []struct {
		name  string
		mut   func(*TxJSON)
		field string
		err   error
	}{
		{"no chain id", func(j *TxJSON) { j.ChainID = "" }, "chain_id", ErrMissingField},
		{"chain id charset", func(j *TxJSON) { j.ChainID = "chain/1" }, "chain_id", ErrBadChainID},
		{"chain id too long", func(j *TxJSON) { j.ChainID = strings.Repeat("c", 65) }, "chain_id", ErrBadChainID},
		{"no type", func(j *TxJSON) { j.Type = "" }, "type", ErrMissingField},
		{"lowercase type", func(j *TxJSON) { j.Type = "transfer" }, "type", ErrUnknownTxType},
		{"unknown type", func(j *TxJSON) { j.Type = "TxType(9)" }, "type", ErrUnknownTxType},
		{"no sender", func(j *TxJSON) { j.Sender = "" }, "sender", ErrMissingField},
		{"sender no prefix", func(j *TxJSON) { j.Sender = j.Sender[2:] }, "sender", ErrBadHex},
		{"sender short", func(j *TxJSON) { j.Sender = j.Sender[:64] }, "sender", ErrBadLength},
		{"sender long", func(j *TxJSON) { j.Sender += "00" }, "sender", ErrBadLength},
		{"sender not hex", func(j *TxJSON) { j.Sender = "0x" + strings.Repeat("g", 64) }, "sender", ErrBadHex},
		{"recipient garbage", func(j *TxJSON) { j.Recipient = "bob" }, "recipient", types.ErrBadAddress},
		{"recipient bad checksum", func(j *TxJSON) { j.Recipient = j.Recipient[:len(j.Recipient)-1] + "q" }, "recipient", types.ErrBadAddress},
		{"no amount", func(j *TxJSON) { j.Amount = "" }, "amount", ErrMissingField},
		{"amount leading zero", func(j *TxJSON) { j.Amount = "0200" }, "amount", types.ErrBadAmount},
		{"amount decimal point", func(j *TxJSON) { j.Amount = "2.5" }, "amount", types.ErrBadAmount},
		{"amount overflow", func(j *TxJSON) { j.Amount = "18446744073709551616" }, "amount", types.ErrBadAmount},
		{"fee negative", func(j *TxJSON) { j.Fee = "-1" }, "fee", types.ErrBadAmount},
		{"no fee", func(j *TxJSON) { j.Fee = "" }, "fee", ErrMissingField},
		{"payload odd", func(j *TxJSON) { j.Payload = "0xabc" }, "payload", ErrBadHex},
		{"payload no prefix", func(j *TxJSON) { j.Payload = "abcd" }, "payload", ErrBadHex},
		{"payload too long", func(j *TxJSON) { j.Payload = "0x" + strings.Repeat("00", types.MaxPayloadLen+1) }, "payload", ErrBadLength},
		{"no signature", func(j *TxJSON) { j.Signature = "" }, "signature", ErrMissingField},
		{"signature short", func(j *TxJSON) { j.Signature = j.Signature[:100] }, "signature", ErrBadLength},
		{"signature not hex", func(j *TxJSON) { j.Signature = "0x" + strings.Repeat("x", 128) }, "signature", ErrBadHex},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			j := base
			tt.mut(&j)
			_, err := TxFromJSON(j)
			var fe *FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("err = %v, want a *FieldError", err)
			}
			if fe.Field != tt.field || !errors.Is(err, tt.err) {
				t.Fatalf("err = %v (field %q), want field %q wrapping %v", err, fe.Field, tt.field, tt.err)
			}
			if !strings.HasPrefix(err.Error(), tt.field+": ") {
				t.Fatalf("message %q does not start with the field", err)
			}
		})
	}
}

func TestEstimateFeeSignatureOptional(t *testing.T) {
	f := newFixture(t)
	j := TxToJSON(f.pending)
	j.Signature = ""
	if _, err := txFromJSON(j, false); err != nil {
		t.Fatalf("unsigned estimate: %v", err)
	}
	j.Signature = "0x12"
	if _, err := txFromJSON(j, false); !errors.Is(err, ErrBadLength) {
		t.Fatalf("a present signature is still checked: %v", err)
	}
}
