package state

import (
	"encoding/binary"
	"testing"

	"aitbc/engine/types"
)

// claimTxs builds n RECEIPT_CLAIMs from n distinct senders (nonce 1), for
// jobs "bench-<round>-<i>". Apply checks no signature, so neither the tx
// nor the attestation is signed: setup stays cheap.
func claimTxs(p types.Params, senders [][types.PubKeyLen]byte, round int) []*types.Tx {
	txs := make([]*types.Tx, len(senders))
	var coordinator [types.PubKeyLen]byte
	copy(coordinator[:], p.Coordinators[0])
	for i := range txs {
		job := binary.BigEndian.AppendUint64(binary.BigEndian.AppendUint32([]byte("bench-"), uint32(round)), uint64(i))
		rc := &types.ReceiptClaim{JobID: job, Units: 100, Coordinator: coordinator}
		tx := &types.Tx{ChainID: testChain, Type: types.TxReceiptClaim, Sender: senders[i], Nonce: 1, Payload: rc.Encode()}
		tx.Fee = uint64(p.BaseFee) + uint64(p.FeePerByte)*uint64(tx.Size())
		txs[i] = tx
	}
	return txs
}

// BenchmarkApplyReceiptClaim: one claim (decode, coordinator and
// claimed-set checks, mint, fee) into a batch; a new batch every 8192.
func BenchmarkApplyReceiptClaim(b *testing.B) {
	const pool = 8192
	p := claimParams()
	s := New(p)
	txs := claimTxs(p, benchSenders(pool), 0)
	var batch *Batch
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if i%pool == 0 {
			batch = s.Begin(BlockInfo{Proposer: addr(1)})
		}
		if err := batch.Apply(txs[i%pool]); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkBlock5000ClaimsRoot: one block of 5000 claims from distinct
// miners over a state of 100 000 accounts and 100 000 claimed jobs:
// Begin + Apply×5000 + Root + Commit.
func BenchmarkBlock5000ClaimsRoot(b *testing.B) {
	const accounts, claimed, txs = 100_000, 100_000, 5000
	p := claimParams()
	s := New(p)
	senders := benchSenders(txs)
	for i := 0; i < accounts; i++ {
		s.Set(addr(i), Account{Balance: 1 << 40})
	}
	for i := 0; i < claimed; i++ {
		s.AddClaimed(types.ReceiptJobHash(binary.BigEndian.AppendUint64([]byte("old-"), uint64(i))))
	}
	s.Root()
	b.ReportAllocs()
	b.ResetTimer()
	for n := 0; n < b.N; n++ {
		b.StopTimer()
		block := claimTxs(p, senders, n+1)
		for _, tx := range block {
			tx.Nonce = uint64(n) + 1
		}
		b.StartTimer()
		batch := s.Begin(BlockInfo{Proposer: addr(accounts - 1)})
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
	b.ReportMetric(float64(txs*b.N)/b.Elapsed().Seconds(), "claims/s")
}
