package bls

import (
	"fmt"
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
