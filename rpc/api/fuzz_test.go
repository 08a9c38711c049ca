package api_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"aitbc/rpc/api"
	"aitbc/rpc/internal/rpctest"
)

// FuzzTxFromJSON: any JSON either fails with a *FieldError or yields a tx
// whose canonical JSON reads back to the same tx.
func FuzzTxFromJSON(f *testing.F) {
	fx := rpctest.NewTxs()
	f.Add([]byte(rpctest.TxBody(f, fx.Committed)))
	f.Add([]byte(`{"chain_id":"c","type":"STAKE","sender":"0x` + strings.Repeat("00", 32) + `","nonce":1,"amount":"1","fee":"0","signature":"0x` + strings.Repeat("ff", 64) + `"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var j api.TxJSON
		if json.Unmarshal(data, &j) != nil {
			return
		}
		tx, err := api.TxFromJSON(j)
		if err != nil {
			var fe *api.FieldError
			if !errors.As(err, &fe) || fe.Field == "" {
				t.Fatalf("error %v is not a *FieldError", err)
			}
			return
		}
		again, err := api.TxFromJSON(api.TxToJSON(tx))
		if err != nil {
			t.Fatalf("canonical JSON of an accepted tx rejected: %v", err)
		}
		if again.Hash() != tx.Hash() {
			t.Fatalf("round trip changed the tx")
		}
	})
}
