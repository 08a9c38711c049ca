package api_test

import (
	"errors"
	"strings"
	"testing"

	"aitbc/engine/types"
	"aitbc/rpc/api"
	"aitbc/rpc/internal/rpctest"
)

func TestTxJSONRoundTrip(t *testing.T) {
	f := rpctest.NewTxs()
	stake := &types.Tx{ChainID: rpctest.ChainID, Type: types.TxStake, Nonce: 9, Amount: 1 << 40, Fee: 1}
	stake.Sign(f.Bob)
	big := rpctest.SignedTx(f.Alice, f.Bob, ^uint64(0), ^uint64(0))
	big.Payload = make([]byte, types.MaxPayloadLen)
	big.Sign(f.Alice)
	for _, tx := range []*types.Tx{f.Pending, f.Committed, stake, big} {
		j := api.TxToJSON(tx)
		got, err := api.TxFromJSON(j)
		if err != nil {
			t.Fatalf("TxFromJSON(TxToJSON(%+v)): %v", j, err)
		}
		if got.Hash() != tx.Hash() {
			t.Fatalf("round trip changed the tx: %+v vs %+v", got, tx)
		}
	}
	j := api.TxToJSON(stake)
	if j.Recipient != (types.Address{}).String() || j.Payload != "" || j.Type != "STAKE" {
		t.Fatalf("stake JSON %+v", j)
	}
}

func TestTxFromJSONAccepts(t *testing.T) {
	f := rpctest.NewTxs()
	base := api.TxToJSON(f.Committed)
	tests := []struct {
		name string
		mut  func(*api.TxJSON)
	}{
		{"uppercase hex", func(j *api.TxJSON) {
			j.Sender = "0X" + strings.ToUpper(j.Sender[2:])
			j.Signature = strings.ToUpper(j.Signature)
		}},
		{"0x recipient", func(j *api.TxJSON) { j.Recipient = rpctest.Addr(f.Bob).Hex() }},
		{"uppercase bech32 recipient", func(j *api.TxJSON) { j.Recipient = strings.ToUpper(j.Recipient) }},
	}
	for _, tt := range tests {
		j := base
		tt.mut(&j)
		tx, err := api.TxFromJSON(j)
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if tx.Hash() != f.Committed.Hash() {
			t.Errorf("%s: different tx", tt.name)
		}
	}
	// An empty recipient is the zero address (STAKE and UNSTAKE have none).
	j := base
	j.Recipient = ""
	if tx, err := api.TxFromJSON(j); err != nil || !tx.Recipient.IsZero() {
		t.Errorf("empty recipient: %v %v", tx, err)
	}
}

func TestTxFromJSONRejects(t *testing.T) {
	f := rpctest.NewTxs()
	base := api.TxToJSON(f.Committed)
	tests := []struct {
		name  string
		mut   func(*api.TxJSON)
		field string
		err   error
	}{
		{"no chain id", func(j *api.TxJSON) { j.ChainID = "" }, "chain_id", api.ErrMissingField},
		{"chain id charset", func(j *api.TxJSON) { j.ChainID = "chain/1" }, "chain_id", api.ErrBadChainID},
		{"chain id too long", func(j *api.TxJSON) { j.ChainID = strings.Repeat("c", 65) }, "chain_id", api.ErrBadChainID},
		{"no type", func(j *api.TxJSON) { j.Type = "" }, "type", api.ErrMissingField},
		{"lowercase type", func(j *api.TxJSON) { j.Type = "transfer" }, "type", api.ErrUnknownTxType},
		{"unknown type", func(j *api.TxJSON) { j.Type = "TxType(9)" }, "type", api.ErrUnknownTxType},
		{"no sender", func(j *api.TxJSON) { j.Sender = "" }, "sender", api.ErrMissingField},
		{"sender no prefix", func(j *api.TxJSON) { j.Sender = j.Sender[2:] }, "sender", api.ErrBadHex},
		{"sender short", func(j *api.TxJSON) { j.Sender = j.Sender[:64] }, "sender", api.ErrBadLength},
		{"sender long", func(j *api.TxJSON) { j.Sender += "00" }, "sender", api.ErrBadLength},
		{"sender not hex", func(j *api.TxJSON) { j.Sender = "0x" + strings.Repeat("g", 64) }, "sender", api.ErrBadHex},
		{"recipient garbage", func(j *api.TxJSON) { j.Recipient = "bob" }, "recipient", types.ErrBadAddress},
		{"recipient bad checksum", func(j *api.TxJSON) { j.Recipient = j.Recipient[:len(j.Recipient)-1] + "q" }, "recipient", types.ErrBadAddress},
		{"no amount", func(j *api.TxJSON) { j.Amount = "" }, "amount", api.ErrMissingField},
		{"amount leading zero", func(j *api.TxJSON) { j.Amount = "0200" }, "amount", types.ErrBadAmount},
		{"amount decimal point", func(j *api.TxJSON) { j.Amount = "2.5" }, "amount", types.ErrBadAmount},
		{"amount overflow", func(j *api.TxJSON) { j.Amount = "18446744073709551616" }, "amount", types.ErrBadAmount},
		{"fee negative", func(j *api.TxJSON) { j.Fee = "-1" }, "fee", types.ErrBadAmount},
		{"no fee", func(j *api.TxJSON) { j.Fee = "" }, "fee", api.ErrMissingField},
		{"payload odd", func(j *api.TxJSON) { j.Payload = "0xabc" }, "payload", api.ErrBadHex},
		{"payload no prefix", func(j *api.TxJSON) { j.Payload = "abcd" }, "payload", api.ErrBadHex},
		{"payload too long", func(j *api.TxJSON) { j.Payload = "0x" + strings.Repeat("00", types.MaxPayloadLen+1) }, "payload", api.ErrBadLength},
		{"no signature", func(j *api.TxJSON) { j.Signature = "" }, "signature", api.ErrMissingField},
		{"signature short", func(j *api.TxJSON) { j.Signature = j.Signature[:100] }, "signature", api.ErrBadLength},
		{"signature not hex", func(j *api.TxJSON) { j.Signature = "0x" + strings.Repeat("x", 128) }, "signature", api.ErrBadHex},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			j := base
			tt.mut(&j)
			_, err := api.TxFromJSON(j)
			var fe *api.FieldError
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
	f := rpctest.NewTxs()
	j := api.TxToJSON(f.Pending)
	j.Signature = ""
	if _, err := api.UnsignedTxFromJSON(j); err != nil {
		t.Fatalf("unsigned estimate: %v", err)
	}
	j.Signature = "0x12"
	if _, err := api.UnsignedTxFromJSON(j); !errors.Is(err, api.ErrBadLength) {
		t.Fatalf("a present signature is still checked: %v", err)
	}
}
