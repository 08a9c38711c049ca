package api_test

import (
	"testing"

	"aitbc/rpc/api"
	"aitbc/rpc/internal/rpctest"
)

func BenchmarkTxFromJSON(b *testing.B) {
	f := rpctest.NewTxs()
	j := api.TxToJSON(f.Committed)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := api.TxFromJSON(j); err != nil {
			b.Fatal(err)
		}
	}
}
