package bls

import (
	"errors"
	"testing"
)

// TestSigMemoChangesNoVerdict: every check and aggregate through a memo
// answers as the plain function does, for good, forged, malformed and
// identity signatures, before and after the memo holds them; only
// signatures that decoded are remembered, and a nil memo works.
func TestSigMemoChangesNoVerdict(t *testing.T) {
	sks := testKeys(t, 4)
	msg := []byte("slot")
	keys := make([]*PreparedKey, len(sks))
	sigs := make([]Signature, len(sks))
	for i, sk := range sks {
		k, err := sk.PublicKey().Prepare()
		if err != nil {
			t.Fatal(err)
		}
		keys[i], sigs[i] = k, Sign(sk, msg)
	}
	other := Sign(sks[0], []byte("another slot")) // valid point, wrong message
	var malformed Signature
	malformed[0] = compressedFlag | 0x1f
	identity := Signature{0xc0}
	candidates := []Signature{sigs[0], sigs[1], other, malformed, identity}

	for _, memo := range []*SigMemo{nil, NewSigMemo()} {
		for round := range 2 { // the second round reads the memo
			for i, sig := range candidates {
				if got, want := memo.Verify(keys[0], msg, sig), keys[0].Verify(msg, sig); got != want {
					t.Fatalf("memo %v round %d candidate %d: Verify %v, plain %v", memo != nil, round, i, got, want)
				}
			}
			if !memo.VerifySameMessage(keys, msg, sigs) {
				t.Fatalf("memo %v round %d: a good batch failed", memo != nil, round)
			}
			bad := append([]Signature(nil), sigs...)
			bad[2] = other
			if memo.VerifySameMessage(keys, msg, bad) {
				t.Fatalf("memo %v round %d: a batch with a forged signature passed", memo != nil, round)
			}
			agg, err := memo.Aggregate(sigs)
			want, werr := AggregateSignatures(sigs)
			if err != nil || werr != nil || agg != want {
				t.Fatalf("memo %v round %d: aggregate %x (%v), plain %x (%v)", memo != nil, round, agg[:4], err, want[:4], werr)
			}
			if !memo.VerifyAggregatePrepared(keys, msg, agg) || memo.VerifyAggregatePrepared(keys[:3], msg, agg) {
				t.Fatalf("memo %v round %d: aggregate verdicts differ from the plain ones", memo != nil, round)
			}
			if _, err := memo.Aggregate([]Signature{sigs[0], malformed}); !errors.Is(err, ErrInvalidPoint) {
				t.Fatalf("memo %v round %d: aggregating a malformed signature: %v", memo != nil, round, err)
			}
		}
		if memo != nil {
			memo.mu.Lock()
			_, bad := memo.m[malformed]
			_, id := memo.m[identity]
			memo.mu.Unlock()
			// Four votes, the wrong-message one and the aggregate.
			if bad || id || memo.Len() != len(sigs)+2 {
				t.Fatalf("memo holds %d signatures (malformed %v, identity %v), want %d valid ones", memo.Len(), bad, id, len(sigs)+2)
			}
		}
	}
}

// TestSigMemoBounded: a memo never holds more than sigMemoSize signatures.
func TestSigMemoBounded(t *testing.T) {
	sk := testKeys(t, 1)[0]
	memo := NewSigMemo()
	k, err := sk.PublicKey().Prepare()
	if err != nil {
		t.Fatal(err)
	}
	for i := range sigMemoSize + 10 {
		msg := []byte{byte(i), byte(i >> 8)}
		if !memo.Verify(k, msg, Sign(sk, msg)) {
			t.Fatal("a good signature failed")
		}
		if memo.Len() > sigMemoSize {
			t.Fatalf("memo holds %d, bound %d", memo.Len(), sigMemoSize)
		}
	}
}

// BenchmarkAggregateRemembered: aggregating a certificate's four
// signatures that were checked through the same memo, against decoding
// them again (run with -bench AggregateRemembered and compare the two).
func BenchmarkAggregateRemembered(b *testing.B) {
	sks := testKeys(b, 4)
	sigs := make([]Signature, len(sks))
	for i, sk := range sks {
		sigs[i] = Sign(sk, []byte("m"))
	}
	b.Run("memo", func(b *testing.B) {
		memo := NewSigMemo()
		for _, s := range sigs {
			if _, err := memo.decode(s); err != nil {
				b.Fatal(err)
			}
		}
		for b.Loop() {
			if _, err := memo.Aggregate(sigs); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("decode", func(b *testing.B) {
		for b.Loop() {
			if _, err := AggregateSignatures(sigs); err != nil {
				b.Fatal(err)
			}
		}
	})
}
