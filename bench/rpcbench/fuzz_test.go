package rpcbench

import (
	"errors"
	"testing"
)

// FuzzRPCCheck feeds arbitrary answers to every kind's check: a check
// never panics, and whatever it rejects is ErrWrongAnswer (counted as an
// error of the node, never a failure of the bench).
func FuzzRPCCheck(f *testing.F) {
	f.Add(uint8(0), []byte(`{"height":4,"hash":"0x01"}`), "")
	f.Add(uint8(1), []byte(`{"chain_id":"c","head":{"height":1}}`), "c")
	f.Add(uint8(5), []byte(`{"height":12,"hash":"0x02","txs":[]}`), "12")
	f.Add(uint8(8), []byte(`{"from":3,"to":12,"blocks":[]}`), "3-12")
	f.Add(uint8(7), []byte(`{"address":"ait1x","txs":null}`), "ait1x")
	f.Fuzz(func(t *testing.T, kind uint8, body []byte, want string) {
		k := Kinds[int(kind)%len(Kinds)]
		if err := rpcChecks[k](body, want); err != nil && !errors.Is(err, ErrWrongAnswer) {
			t.Fatalf("%s: %v is not ErrWrongAnswer", k, err)
		}
	})
}
