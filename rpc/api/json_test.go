package api_test

import (
	"testing"

	"aitbc/engine/types"
	"aitbc/rpc/api"
)

// A malformed certificate in an answer is an error, not a certificate.
func TestCommitJSONCertRefusesMalformed(t *testing.T) {
	good := api.CommitJSON{Height: 1, SignersLen: 10, Signers: make(types.HexBytes, 2), AggSig: make(types.HexBytes, types.BLSSigLen)}
	if _, err := good.Cert(); err != nil {
		t.Fatal(err)
	}
	for name, mut := range map[string]func(*api.CommitJSON){
		"short agg_sig":  func(c *api.CommitJSON) { c.AggSig = c.AggSig[:95] },
		"short bitmap":   func(c *api.CommitJSON) { c.Signers = c.Signers[:1] },
		"long bitmap":    func(c *api.CommitJSON) { c.Signers = make(types.HexBytes, 3) },
		"bits, no count": func(c *api.CommitJSON) { c.SignersLen = 0 },
	} {
		c := good
		mut(&c)
		if _, err := c.Cert(); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}
