package validators

import (
	"math/rand/v2"
	"sync"
	"testing"
)

// fakeSet builds a set whose rotation uses the given weights; proposer
// rotation depends only on weights and order, so keys are irrelevant.
func fakeRotation(weights ...uint64) *rotation {
	vals := make([]Validator, len(weights))
	var total uint64
	for i, w := range weights {
		vals[i] = Validator{Weight: w}
		total += w
	}
	return newRotation(vals, total)
}

// naive replays the rule literally: k steps from all zeros.
func naive(weights []uint64, steps int) []int {
	p := make([]int64, len(weights))
	var total int64
	for _, w := range weights {
		total += int64(w)
	}
	picks := make([]int, steps)
	for k := range picks {
		best := 0
		for i := range p {
			p[i] += int64(weights[i])
			if p[i] > p[best] {
				best = i
			}
		}
		p[best] -= total
		picks[k] = best
	}
	return picks
}

func TestProposerSequences(t *testing.T) {
	cases := []struct {
		name    string
		weights []uint64
		want    []int // picks of steps 1, 2, …: (height 1, round 0), (2, 0), …
	}{
		{"single", []uint64{5}, []int{0, 0, 0}},
		{"equal", []uint64{1, 1, 1, 1}, []int{0, 1, 2, 3, 0, 1, 2, 3}},
		{"three to one", []uint64{3, 1}, []int{0, 0, 1, 0, 0, 0, 1, 0}},
		{"one to three", []uint64{1, 3}, []int{1, 0, 1, 1, 1, 0, 1, 1}},
		{"smooth 5 1 1", []uint64{5, 1, 1}, []int{0, 0, 1, 0, 2, 0, 0}},
		{"equal large weights", []uint64{1e15, 1e15, 1e15}, []int{0, 1, 2, 0, 1, 2}},
	}
	for _, c := range cases {
		r := fakeRotation(c.weights...)
		for k, want := range c.want {
			if got := r.proposer(uint64(k+1), 0); got != want {
				t.Errorf("%s: step %d picks %d, want %d", c.name, k+1, got, want)
			}
		}
	}
}

func TestProposerHeightRoundEquivalence(t *testing.T) {
	r := fakeRotation(3, 2, 2, 1)
	for h := uint64(1); h < 20; h++ {
		for round := uint32(0); round < 5; round++ {
			if r.proposer(h, round) != r.proposer(h+uint64(round), 0) {
				t.Fatalf("(%d,%d) differs from (%d,0)", h, round, h+uint64(round))
			}
		}
	}
	// Far heights and rounds do not overflow.
	_ = r.proposer(^uint64(0), ^uint32(0))
}

// TestProposerPeriod checks the property the memoization rests on: from
// all zeros, priorities return to zero after total/gcd steps, with each
// validator picked weight/gcd times, and stay within ±total throughout.
func TestProposerPeriod(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for trial := 0; trial < 200; trial++ {
		n := 1 + rng.IntN(7)
		weights := make([]uint64, n)
		var total, g uint64
		for i := range weights {
			weights[i] = 1 + rng.Uint64N(40)
			total += weights[i]
			g = gcd(g, weights[i])
		}
		r := fakeRotation(weights...)
		p := make([]int64, n)
		counts := make([]uint64, n)
		for k := uint64(0); k < total/g; k++ {
			counts[r.step(p)]++
			for _, v := range p {
				if v > int64(total) || v < -int64(total) {
					t.Fatalf("weights %v: priority %d outside ±%d", weights, v, total)
				}
			}
		}
		for i := range p {
			if p[i] != 0 || counts[i] != weights[i]/g {
				t.Fatalf("weights %v: after a period priorities %v counts %v", weights, p, counts)
			}
		}
		if r.period != total/g {
			t.Fatalf("weights %v: period %d, want %d", weights, r.period, total/g)
		}
	}
}

// TestProposerMemo compares the memoized walk (a period too long to
// tabulate) with the literal rule, querying in a shuffled order so the
// cursor moves both ways and through checkpoints.
func TestProposerMemo(t *testing.T) {
	weights := []uint64{1_000_003, 999_983, 1_000_033, 7}
	r := fakeRotation(weights...)
	if r.table != nil {
		t.Fatal("expected the memoized path")
	}
	const steps = 5000
	want := naive(weights, steps)
	order := rand.New(rand.NewPCG(3, 4)).Perm(steps)
	for _, k := range order {
		if got := r.proposer(uint64(k+1), 0); got != want[k] {
			t.Fatalf("step %d: memo picks %d, literal rule %d", k+1, got, want[k])
		}
	}
	for k := 0; k < steps; k++ { // and sequentially, like consensus
		if got := r.proposer(uint64(k)+1-uint64(k%3), uint32(k%3)); got != want[k] {
			t.Fatalf("step %d sequential: %d, want %d", k+1, got, want[k])
		}
	}
	if len(r.marks) == 0 {
		t.Fatal("no checkpoints recorded")
	}
}

func TestProposerTableMatchesRule(t *testing.T) {
	weights := []uint64{4, 3, 2, 2, 1}
	r := fakeRotation(weights...)
	if r.table == nil {
		t.Fatal("expected a table")
	}
	want := naive(weights, 60)
	for k := range want {
		if got := r.proposer(uint64(k+1), 0); got != want[k] {
			t.Fatalf("step %d: %d, want %d", k+1, got, want[k])
		}
	}
}

func TestProposerConcurrent(t *testing.T) {
	r := fakeRotation(1_000_003, 999_983, 1_000_033)
	want := naive([]uint64{1_000_003, 999_983, 1_000_033}, 3000)
	var wg sync.WaitGroup
	errs := make(chan int, 4)
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := g * 700; k < g*700+700; k++ {
				if r.proposer(uint64(k+1), 0) != want[k] {
					errs <- k
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for k := range errs {
		t.Errorf("step %d wrong under concurrency", k+1)
	}
}
