package bls

import (
	"bytes"
	"errors"
	"testing"
)

// FuzzPublicKeyFromBytes: any input either decodes to a key that
// re-encodes to the same bytes, or fails with a *DecodeError.
func FuzzPublicKeyFromBytes(f *testing.F) {
	f.Add(make([]byte, PublicKeySize))
	for _, k := range testKeys(f, 2) {
		pk := k.PublicKey()
		f.Add(pk[:])
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		pk, err := PublicKeyFromBytes(b)
		if err != nil {
			var de *DecodeError
			if !errors.As(err, &de) {
				t.Fatalf("error %T is not a *DecodeError: %v", err, err)
			}
			return
		}
		if !bytes.Equal(pk[:], b) {
			t.Fatalf("decoded %x re-encodes as %x", b, pk)
		}
		if _, err := AggregatePublicKeys([]PublicKey{pk}); err != nil {
			t.Fatalf("valid key does not aggregate: %v", err)
		}
	})
}

// FuzzSignatureFromBytes: as FuzzPublicKeyFromBytes, and a decoded
// signature never verifies for an unrelated key and message.
func FuzzSignatureFromBytes(f *testing.F) {
	f.Add(make([]byte, SignatureSize))
	sk := testKeys(f, 1)[0]
	sig := Sign(sk, []byte("fuzz"))
	f.Add(sig[:])
	pk := sk.PublicKey()
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := SignatureFromBytes(b)
		if err != nil {
			var de *DecodeError
			if !errors.As(err, &de) {
				t.Fatalf("error %T is not a *DecodeError: %v", err, err)
			}
			return
		}
		if !bytes.Equal(s[:], b) {
			t.Fatalf("decoded %x re-encodes as %x", b, s)
		}
		if Verify(pk, []byte("not the fuzz message"), s) {
			t.Fatalf("signature %x verifies an unsigned message", b)
		}
	})
}
