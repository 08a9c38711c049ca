package types

import (
	"math/rand/v2"
	"testing"
)

// benchTx is a typical transfer: short chain id, no payload, ~190 bytes.
func benchTx() *Tx { return specTransfer() }

func benchBlock(n int) *Block {
	r := rand.New(rand.NewPCG(7, 7))
	b := &Block{Header: specBlock().Header, LastCommit: specCommit()}
	b.Txs = make([]*Tx, n)
	for i := range b.Txs {
		tx := *benchTx()
		tx.Nonce = uint64(i + 1)
		randBytes(r, tx.Sig[:])
		b.Txs[i] = &tx
	}
	return b
}

func BenchmarkTxEncode(b *testing.B) {
	tx := benchTx()
	buf := make([]byte, 0, tx.Size())
	b.SetBytes(int64(tx.Size()))
	b.ReportAllocs()
	for b.Loop() {
		buf = tx.AppendEncode(buf[:0])
	}
}

func BenchmarkTxDecode(b *testing.B) {
	enc := benchTx().Encode()
	b.SetBytes(int64(len(enc)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := DecodeTx(enc); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkTxHash(b *testing.B) {
	tx := benchTx()
	b.SetBytes(int64(tx.Size()))
	b.ReportAllocs()
	for b.Loop() {
		_ = tx.Hash()
	}
}

func BenchmarkBlockEncode5000(b *testing.B) {
	blk := benchBlock(5000)
	b.SetBytes(int64(len(blk.Encode())))
	b.ReportAllocs()
	for b.Loop() {
		_ = blk.Encode()
	}
}

func BenchmarkBlockDecode5000(b *testing.B) {
	enc := benchBlock(5000).Encode()
	b.SetBytes(int64(len(enc)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := DecodeBlock(enc); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkMerkleRoot5000(b *testing.B) {
	hashes := benchBlock(5000).TxHashes()
	b.ReportAllocs()
	for b.Loop() {
		_ = MerkleRoot(hashes)
	}
}

func BenchmarkAddressString(b *testing.B) {
	a := AddressFromPubKey(pubOf(specKey1()))
	b.ReportAllocs()
	for b.Loop() {
		_ = a.String()
	}
}

func BenchmarkParseAddress(b *testing.B) {
	s := AddressFromPubKey(pubOf(specKey1())).String()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseAddress(s); err != nil {
			b.Fatal(err)
		}
	}
}
