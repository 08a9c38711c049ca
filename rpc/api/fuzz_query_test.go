package api_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"

	"aitbc/engine/types"
	"aitbc/rpc/api"
	"aitbc/rpc/internal/rpctest"
)

// FuzzParseJobID: accepted ids are 1..MaxJobIDLen bytes, and the 0x-hex
// form of an accepted id reads back to the same bytes.
func FuzzParseJobID(f *testing.F) {
	for _, s := range []string{"job-1", "0x6a6f62", "0x", "0xzz", "", "0x0"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		b, err := api.ParseJobID(s)
		if err != nil {
			var fe *api.FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("ParseJobID(%q) = %v, not a *FieldError", s, err)
			}
			return
		}
		if len(b) == 0 || len(b) > types.MaxJobIDLen {
			t.Fatalf("ParseJobID(%q) accepted %d bytes", s, len(b))
		}
		again, err := api.ParseJobID(types.HexBytes(b).String())
		if err != nil || !bytes.Equal(again, b) {
			t.Fatalf("hex form of %q reads back as %x, %v", s, again, err)
		}
	})
}

// FuzzSubmitReceiptBody: any body either fails with a *FieldError or gives
// a RECEIPT_CLAIM tx whose send_tx form is accepted as the same tx.
func FuzzSubmitReceiptBody(f *testing.F) {
	fx := rpctest.NewTxs()
	claim := &types.Tx{ChainID: rpctest.ChainID, Type: types.TxReceiptClaim, Nonce: 1, Fee: 500,
		Payload: types.NewReceiptClaim(rpctest.ChainID, []byte("job"), 3, rpctest.Addr(fx.Bob), rpctest.Key(9)).Encode()}
	claim.Sign(fx.Bob)
	f.Add([]byte(rpctest.TxBody(f, claim)))
	f.Add([]byte(`{"chain_id":"aitbc-test","sender":"0x` + string(bytes.Repeat([]byte("00"), 32)) + `","nonce":1,"fee":"1","signature":"0x` +
		string(bytes.Repeat([]byte("11"), 64)) + `","payload":{"job_id":"j","units":5,"coordinator":"0x` + string(bytes.Repeat([]byte("22"), 32)) +
		`","coordinator_sig":"0x` + string(bytes.Repeat([]byte("33"), 64)) + `"}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var j api.SubmitReceiptJSON
		if json.Unmarshal(data, &j) != nil {
			return
		}
		tx, err := j.Tx()
		if err != nil {
			var fe *api.FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("SubmitReceiptJSON.Tx error %v is not a *FieldError", err)
			}
			return
		}
		if tx.Type != types.TxReceiptClaim {
			t.Fatalf("SubmitReceiptJSON.Tx accepted type %s", tx.Type)
		}
		again, err := api.TxFromJSON(api.TxToJSON(tx))
		if err != nil || again.Hash() != tx.Hash() {
			t.Fatalf("send_tx form of the claim: %v", err)
		}
	})
}
