package state

import (
	"encoding/binary"
	"math/rand/v2"
	"testing"

	"aitbc/engine/types"
)

// benchSenders returns n distinct sender public keys. Apply does not check
// signatures (the pipeline did), so the keys need no private half: a
// benchmark of 100k accounts should not spend its setup in key generation.
func benchSenders(n int) [][types.PubKeyLen]byte {
	out := make([][types.PubKeyLen]byte, n)
	for i := range out {
		binary.BigEndian.PutUint64(out[i][:], uint64(i)+1)
		copy(out[i][8:], "aitbc-bench-sender")
	}
	return out
}

func BenchmarkApplyTransfer(b *testing.B) {
	p := testParams()
	s := New(p)
	k := key(0)
	s.Set(addrOf(k), Account{Balance: 1 << 62})
	to := addr(1)
	tx := transfer(p, k, 1, to, 1, 0)
	batch := s.Begin(BlockInfo{Proposer: addr(2)})
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		tx.Nonce = uint64(i) + 1
		if err := batch.Apply(tx); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkBlock5000Root: one block of 5000 transfers from distinct
// senders to random accounts over a state of 100 000 accounts:
// Begin + Apply×5000 + Root + Commit.
func BenchmarkBlock5000Root(b *testing.B) {
	const accounts, txs = 100_000, 5000
	p := testParams()
	s := New(p)
	senders := benchSenders(txs)
	addrs := make([]types.Address, 0, accounts)
	for i := range senders {
		addrs = append(addrs, types.AddressFromPubKey(senders[i][:]))
	}
	for len(addrs) < accounts {
		addrs = append(addrs, addr(len(addrs)))
	}
	for _, a := range addrs {
		s.Set(a, Account{Balance: 1 << 50})
	}
	s.Root()
	r := rand.New(rand.NewPCG(1, 2))
	block := make([]*types.Tx, txs)
	for i := range block {
		block[i] = &types.Tx{ChainID: testChain, Type: types.TxTransfer, Sender: senders[i],
			Recipient: addrs[r.IntN(accounts)], Amount: 1 + uint64(r.IntN(1000))}
		block[i].Fee = s.MinFee(block[i])
	}
	proposer := addrs[accounts-1]
	b.ReportAllocs()
	b.ResetTimer()
	for n := 0; n < b.N; n++ {
		for _, tx := range block {
			tx.Nonce = uint64(n) + 1
		}
		batch := s.Begin(BlockInfo{Proposer: proposer})
		for _, tx := range block {
			if err := batch.Apply(tx); err != nil {
				b.Fatal(err)
			}
		}
		if err := batch.End(); err != nil {
			b.Fatal(err)
		}
		batch.Root()
		if err := s.Commit(batch); err != nil {
			b.Fatal(err)
		}
	}
}
