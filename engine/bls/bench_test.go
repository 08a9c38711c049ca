package bls

import (
	"fmt"

	bls12381 "github.com/consensys/gnark-crypto/ecc/bls12-381"
	"testing"
)

func BenchmarkSign(b *testing.B) {
	sk := testKeys(b, 1)[0]
	msg := make([]byte, 100)
	for b.Loop() {
		Sign(sk, msg)
	}
}

func BenchmarkVerify(b *testing.B) {
	sk := testKeys(b, 1)[0]
	msg := make([]byte, 100)
	sig := Sign(sk, msg)
	pk := sk.PublicKey()
	for b.Loop() {
		if !Verify(pk, msg, sig) {
			b.Fatal("verify failed")
		}
	}
}

func BenchmarkVerifyAggregate(b *testing.B) {
	for _, n := range []int{4, 100} {
		b.Run(fmt.Sprintf("signers=%d", n), func(b *testing.B) {
			sks := testKeys(b, n)
			msg := make([]byte, 100)
			pks := make([]PublicKey, n)
			sigs := make([]Signature, n)
			for i, sk := range sks {
				pks[i], sigs[i] = sk.PublicKey(), Sign(sk, msg)
			}
			agg, err := AggregateSignatures(sigs)
			if err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				if !VerifyAggregate(pks, msg, agg) {
					b.Fatal("verify failed")
				}
			}
		})
	}
}

func BenchmarkAggregateSignatures100(b *testing.B) {
	sks := testKeys(b, 100)
	sigs := make([]Signature, len(sks))
	for i, sk := range sks {
		sigs[i] = Sign(sk, []byte("m"))
	}
	for b.Loop() {
		if _, err := AggregateSignatures(sigs); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkPrepare(b *testing.B) {
	pk := testKeys(b, 1)[0].PublicKey()
	for b.Loop() {
		if _, err := pk.Prepare(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerifySlot verifies the four votes of one slot (four signers,
// one message), hashing the message for every vote (nocache) or through
// the verify path's hash cache (cached: one hash per slot), side by side:
// go test ./engine/bls -run '^$' -bench VerifySlot
func BenchmarkVerifySlot(b *testing.B) {
	const n = 4
	sks := testKeys(b, n)
	keys := preparedKeys(b, sks)
	slot := func(i int) ([]byte, []Signature) {
		msg := fmt.Appendf(nil, "vote slot %d", i)
		sigs := make([]Signature, n)
		for j, sk := range sks {
			sigs[j] = Sign(sk, msg)
		}
		return msg, sigs
	}
	const slots = 64 // fresh messages, so the cached run hashes each once
	msgs := make([][]byte, slots)
	sigs := make([][]Signature, slots)
	for i := range slots {
		msgs[i], sigs[i] = slot(i)
	}
	b.Run("nocache", func(b *testing.B) {
		i := 0
		for b.Loop() {
			m := msgs[i%slots]
			for j, k := range keys {
				s, err := decodeSignature(sigs[i%slots][j])
				if err != nil || !verifyHashed(&k.p, hashToG2(m, SigDST), s) {
					b.Fatal("verify failed")
				}
			}
			i++
		}
	})
	b.Run("cached", func(b *testing.B) {
		i := 0
		for b.Loop() {
			clear(verifyHashes.m) // each slot's first vote misses, as live
			for j, k := range keys {
				if !k.Verify(msgs[i%slots], sigs[i%slots][j]) {
					b.Fatal("verify failed")
				}
			}
			i++
		}
	})
}

// BenchmarkSignAndVerifySlot is one validator's BLS work on one slot of a
// four-validator set: sign its vote, then verify its three peers' votes
// of the same bytes. nocache hashes the message apart for the signature
// (as Sign did before it shared the verify path's cache); cached is
// Sign as it is. Side by side:
// go test ./engine/bls -run '^$' -bench SignAndVerifySlot
func BenchmarkSignAndVerifySlot(b *testing.B) {
	const n = 4
	sks := testKeys(b, n)
	keys := preparedKeys(b, sks)
	const slots = 64
	msgs := make([][]byte, slots)
	sigs := make([][]Signature, slots)
	for i := range slots {
		msgs[i] = fmt.Appendf(nil, "vote slot %d", i)
		sigs[i] = make([]Signature, n)
		for j, sk := range sks {
			sigs[i][j] = Sign(sk, msgs[i])
		}
	}
	run := func(b *testing.B, signSlot func(msg []byte) Signature) {
		i := 0
		for b.Loop() {
			clear(verifyHashes.m) // a fresh slot, as live
			m := msgs[i%slots]
			if signSlot(m) != sigs[i%slots][0] {
				b.Fatal("signature differs")
			}
			for j := 1; j < n; j++ {
				if !keys[j].Verify(m, sigs[i%slots][j]) {
					b.Fatal("verify failed")
				}
			}
			i++
		}
	}
	b.Run("nocache", func(b *testing.B) {
		run(b, func(msg []byte) Signature {
			h := hashToG2(msg, SigDST)
			var s bls12381.G2Affine
			s.ScalarMultiplication(&h, &sks[0].s)
			return Signature(s.Bytes())
		})
	})
	b.Run("cached", func(b *testing.B) {
		run(b, func(msg []byte) Signature { return Sign(sks[0], msg) })
	})
}

// preparedKeys prepares the public keys of sks.
func preparedKeys(t testing.TB, sks []*SecretKey) []*PreparedKey {
	t.Helper()
	keys := make([]*PreparedKey, len(sks))
	for i, sk := range sks {
		k, err := sk.PublicKey().Prepare()
		if err != nil {
			t.Fatal(err)
		}
		keys[i] = k
	}
	return keys
}
