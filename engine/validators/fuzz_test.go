package validators_test

import (
	"testing"

	"aitbc/engine/types"
	"aitbc/engine/validators/valtest"
)

// FuzzVerifyCommit decodes a commit certificate from bytes and verifies it
// against a fixed set: it must never panic, and only a certificate for the
// one block the set signed can pass.
func FuzzVerifyCommit(f *testing.F) {
	s, keys := valtest.Set(valtest.Equal(4)...)
	c, err := s.MakeCommit(9, 1, blockA, precommits(keys, 9, 1, blockA, 0, 1, 2))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(c.Encode())
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		d, err := types.DecodeCommit(b)
		if err != nil {
			return
		}
		if s.VerifyCommit(chainID, d) == nil && (d.BlockHash != blockA || d.Height != 9 || d.Round != 1) {
			t.Fatalf("forged commit verified: %+v", d)
		}
	})
}
