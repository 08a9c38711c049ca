package validators_test

import (
	"fmt"
	"math/bits"
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

// stakeWeights are stake-like weights: a long period (3,000,026 picks).
var stakeWeights = []uint64{1_000_003, 999_983, 1_000_033, 7}

// BenchmarkProposer looks up the proposer of consecutive heights, as
// consensus does.
func BenchmarkProposer(b *testing.B) {
	s, _ := valtest.Set(stakeWeights...)
	h := uint64(1)
	for b.Loop() {
		s.Proposer(h, 0)
		h++
	}
}

// BenchmarkProposerFarRound is the cost of the proposer of a far round, as
// an unsigned proposal at that round asks for: rule=sainte-lague is this
// package's rotation; rule=priority-walk is the CometBFT priority walk it
// replaced (walkedProposer, one step per round from zero, which is what a
// node paid for a round it had not reached), side by side in one run.
func BenchmarkProposerFarRound(b *testing.B) {
	s, _ := valtest.Set(stakeWeights...)
	for _, round := range []uint32{1 << 25, 1 << 31} {
		b.Run(fmt.Sprintf("rule=sainte-lague/round=2^%d", bits.Len32(round)-1), func(b *testing.B) {
			for b.Loop() {
				s.Proposer(1, round)
			}
		})
		b.Run(fmt.Sprintf("rule=priority-walk/round=2^%d", bits.Len32(round)-1), func(b *testing.B) {
			for b.Loop() {
				walkedProposer(stakeWeights, 1+uint64(round))
			}
		})
	}
}

// walkedProposer is the rotation before Sainte-Laguë: CometBFT proposer
// priorities walked step by step from all zeros to step k.
func walkedProposer(weights []uint64, k uint64) int {
	p := make([]int64, len(weights))
	var total int64
	for _, w := range weights {
		total += int64(w)
	}
	best := 0
	for ; k > 0; k-- {
		best = 0
		for i := range p {
			p[i] += int64(weights[i])
			if p[i] > p[best] {
				best = i
			}
		}
		p[best] -= total
	}
	return best
}
