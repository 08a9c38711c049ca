package mempool

import (
	"encoding/binary"
	"testing"

	"aitbc/engine/state"
	"aitbc/engine/types"
)

// benchTxs builds n unsigned transfers, perSender consecutive nonces per
// sender, with varied fees. The pool never checks signatures (its caller
// did), so the benchmark need not sign.
func benchTxs(n, perSender int) ([]*types.Tx, []types.Hash) {
	txs := make([]*types.Tx, n)
	hashes := make([]types.Hash, n)
	for i := range txs {
		tx := &types.Tx{ChainID: testChain, Type: types.TxTransfer, Nonce: uint64(i%perSender) + 1,
			Amount: 1, Fee: 200 + uint64(i*7919%1000), Recipient: types.Address{1}}
		binary.BigEndian.PutUint64(tx.Sender[:], uint64(i/perSender)+1)
		txs[i], hashes[i] = tx, tx.Hash()
	}
	return txs, hashes
}

func BenchmarkAdd(b *testing.B) {
	const n = 50_000
	txs, hashes := benchTxs(n, 4)
	acct := state.Account{Balance: 1 << 40}
	m := New(DefaultConfig())
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		k := i % n
		if k == 0 && i > 0 {
			b.StopTimer()
			m = New(DefaultConfig())
			b.StartTimer()
		}
		if err := m.Add(txs[k], hashes[k], acct, 200); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkReap5000: a block of 5000 from a full default pool of 50 000
// txs (12 500 senders × 4 nonces).
func BenchmarkReap5000(b *testing.B) {
	txs, hashes := benchTxs(50_000, 4)
	m := New(DefaultConfig())
	acct := state.Account{Balance: 1 << 40}
	for i := range txs {
		if err := m.Add(txs[i], hashes[i], acct, 200); err != nil {
			b.Fatal(err)
		}
	}
	nonceOf := func(types.Address) uint64 { return 0 }
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if got := m.Reap(5000, int(types.DefaultParams().MaxBlockBytes), nonceOf); len(got) != 5000 {
			b.Fatalf("reaped %d", len(got))
		}
	}
}
