package validators_test

import (
	"fmt"
	"testing"

	"aitbc/engine/validators/valtest"
)

func BenchmarkVerifyCommit(b *testing.B) {
	for _, n := range []int{4, 100} {
		b.Run(fmt.Sprintf("validators=%d", n), func(b *testing.B) {
			s, keys := valtest.Set(valtest.Equal(n)...)
			idx := make([]int, n)
			for i := range idx {
				idx[i] = i
			}
			c, err := s.MakeCommit(9, 1, blockA, precommits(keys, 9, 1, blockA, idx...))
			if err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				if err := s.VerifyCommit(chainID, c); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkProposer(b *testing.B) {
	s, _ := valtest.Set(1_000_003, 999_983, 1_000_033, 7) // too long a period to tabulate
	h := uint64(1)
	for b.Loop() {
		s.Proposer(h, 0)
		h++
	}
}
