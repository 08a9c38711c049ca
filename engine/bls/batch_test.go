package bls

import (
	"fmt"
	"testing"

	bls12381 "github.com/consensys/gnark-crypto/ecc/bls12-381"
)

// slot returns n prepared keys and their signatures over msg.
func slot(t testing.TB, n int, msg []byte) ([]*PreparedKey, []Signature) {
	t.Helper()
	sks := testKeys(t, n)
	sigs := make([]Signature, n)
	for i, sk := range sks {
		sigs[i] = Sign(sk, msg)
	}
	return preparedKeys(t, sks), sigs
}

func TestVerifySameMessage(t *testing.T) {
	msg := []byte("prevote h=7 r=0")
	keys, sigs := slot(t, 4, msg)
	for n := 1; n <= 4; n++ {
		if !VerifySameMessage(keys[:n], msg, sigs[:n]) {
			t.Fatalf("%d valid signatures refused", n)
		}
	}
	other := Sign(testKeys(t, 1)[0], []byte("another message"))
	for i := range sigs {
		bad := append([]Signature(nil), sigs...)
		bad[i] = other
		if VerifySameMessage(keys, msg, bad) {
			t.Fatalf("signature %d over another message accepted", i)
		}
		swapped := append([]*PreparedKey(nil), keys...)
		swapped[i], swapped[(i+1)%4] = swapped[(i+1)%4], swapped[i]
		if VerifySameMessage(swapped, msg, sigs) {
			t.Fatalf("keys %d and %d swapped accepted", i, (i+1)%4)
		}
	}
	if VerifySameMessage(keys, []byte("other"), sigs) {
		t.Fatal("wrong message accepted")
	}
	if VerifySameMessage(nil, msg, nil) || VerifySameMessage(keys, msg, sigs[:3]) {
		t.Fatal("empty or mismatched lengths accepted")
	}
	var garbage Signature
	garbage[0] = 0xff
	if VerifySameMessage(keys[:2], msg, []Signature{sigs[0], garbage}) {
		t.Fatal("malformed signature accepted")
	}
}

// TestVerifySameMessageRefusesCancellingPair: two signers who shift their
// signatures by +Δ and −Δ pass a plain aggregate check (the sum is
// unchanged), so a batch check that only summed would accept two invalid
// votes. The coefficients stop it.
func TestVerifySameMessageRefusesCancellingPair(t *testing.T) {
	msg := []byte("precommit h=9 r=1")
	keys, sigs := slot(t, 3, msg)
	_, _, _, g2 := bls12381.Generators()
	p0, err := decodeSignature(sigs[0])
	if err != nil {
		t.Fatal(err)
	}
	p1, err := decodeSignature(sigs[1])
	if err != nil {
		t.Fatal(err)
	}
	var a, b bls12381.G2Affine
	a.Add(p0, &g2)
	b.Sub(p1, &g2)
	shifted := []Signature{Signature(a.Bytes()), Signature(b.Bytes()), sigs[2]}
	agg, err := AggregateSignatures(shifted)
	if err != nil {
		t.Fatal(err)
	}
	pks := []PublicKey{keys[0].Bytes(), keys[1].Bytes(), keys[2].Bytes()}
	if !VerifyAggregate(pks, msg, agg) {
		t.Fatal("test setup: the shifted pair should pass a plain aggregate check")
	}
	if Verify(pks[0], msg, shifted[0]) || Verify(pks[1], msg, shifted[1]) {
		t.Fatal("test setup: each shifted signature should be invalid on its own")
	}
	if VerifySameMessage(keys, msg, shifted) {
		t.Fatal("a cancelling pair of invalid signatures passed the batch check")
	}
}

// BenchmarkVoteBatch verifies the votes of one slot one by one (single)
// and as one batch, side by side:
// go test ./engine/bls -run '^$' -bench VoteBatch
func BenchmarkVoteBatch(b *testing.B) {
	msg := make([]byte, 100)
	for _, n := range []int{2, 3, 4, 10} {
		keys, sigs := slot(b, n, msg)
		b.Run(fmt.Sprintf("votes=%d/single", n), func(b *testing.B) {
			for b.Loop() {
				for i := range keys {
					if !keys[i].Verify(msg, sigs[i]) {
						b.Fatal("verify failed")
					}
				}
			}
		})
		b.Run(fmt.Sprintf("votes=%d/batch", n), func(b *testing.B) {
			for b.Loop() {
				if !VerifySameMessage(keys, msg, sigs) {
					b.Fatal("verify failed")
				}
			}
		})
	}
}
