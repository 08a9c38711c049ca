package gpu

import (
	"context"
	"crypto/ed25519"
	"testing"

	"github.com/hdevalence/ed25519consensus"
)

// FuzzVerifyAgree: for arbitrary key, message and signature bytes, the
// single check, the batch backend (alone and inside a batch of valid
// signatures, so the batch equation runs) and the ZIP-215 reference all
// agree, and nothing panics. Seeds live in testdata/fuzz/FuzzVerifyAgree.
func FuzzVerifyAgree(f *testing.F) {
	seed := ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize))
	msg := []byte("aitbc")
	f.Add([]byte(seed.Public().(ed25519.PublicKey)), msg, ed25519.Sign(seed, msg))
	f.Add([]byte{}, []byte{}, []byte{})

	s := newSigner(f, 40)
	fillers := s.items(3)
	cpu := NewCPU(1)
	f.Fuzz(func(t *testing.T, pub, msg, sig []byte) {
		single := Verify(pub, msg, sig)
		if ref := ed25519consensus.Verify(pub, msg, sig); ref != single {
			t.Fatalf("Verify %v, ed25519consensus %v\npk=%x msg=%x sig=%x", single, ref, pub, msg, sig)
		}
		it := Item{PubKey: pub, Msg: msg, Sig: sig}
		alone, err := cpu.VerifyBatch(context.Background(), []Item{it})
		if err != nil {
			t.Fatal(err)
		}
		mixed, err := cpu.VerifyBatch(context.Background(), append([]Item{it}, fillers...))
		if err != nil {
			t.Fatal(err)
		}
		if alone[0] != single || mixed[0] != single || !mixed[1] || !mixed[2] || !mixed[3] {
			t.Fatalf("single %v, batch alone %v, batch mixed %v\npk=%x msg=%x sig=%x", single, alone[0], mixed, pub, msg, sig)
		}
	})
}
