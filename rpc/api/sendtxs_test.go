package api_test

import (
	"encoding/json"
	"errors"
	"testing"

	"aitbc/engine/types"
	"aitbc/rpc/api"
)

// TestSendTxsResultWire pins the wire form of a result and rejects one
// with both or neither of hash and error.
func TestSendTxsResultWire(t *testing.T) {
	h := types.Sum256([]byte("x"))
	b, err := json.Marshal(api.SendTxsResponse{Results: []api.SendTxsResult{{Hash: h}, {Error: &api.Error{Status: 400, Code: api.CodeBadNonce, Message: `a "quoted" <msg>`}}}})
	want := `{"results":[{"hash":"` + h.String() + `"},{"error":{"code":"bad_nonce","message":"a \"quoted\" \u003cmsg\u003e"}}]}`
	if err != nil || string(b) != want {
		t.Fatalf("wire %s, %v\nwant %s", b, err, want)
	}
	for _, raw := range []string{`{}`, `{"hash":"` + h.String() + `","error":{"code":"x","message":""}}`, `{"error":{}}`} {
		var r api.SendTxsResult
		if err := json.Unmarshal([]byte(raw), &r); !errors.Is(err, api.ErrBadResponse) {
			t.Errorf("%s: %v, want ErrBadResponse", raw, err)
		}
	}
}
