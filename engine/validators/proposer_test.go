package validators

import (
	"bufio"
	"bytes"
	"math/big"
	"math/bits"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// fakeRotation builds the rotation of the given weights; proposer rotation
// depends only on weights and order, so keys are irrelevant.
func fakeRotation(weights ...uint64) *rotation {
	vals := make([]Validator, len(weights))
	var total uint64
	for i, w := range weights {
		vals[i] = Validator{Weight: w}
		total += w
	}
	return newRotation(vals, total)
}

// referencePicks states the rule literally: every validator's pick times
// (2j+1)/(2·w_i) over one period as exact rationals, sorted by time and
// then index. It shares no code with the implementation.
func referencePicks(weights []uint64) []int {
	var g, total uint64
	for _, w := range weights {
		g = gcd(g, w)
		total += w
	}
	type ev struct {
		t *big.Rat
		i int
	}
	var evs []ev
	for i, w := range weights {
		for j := uint64(0); j < w/g; j++ {
			evs = append(evs, ev{new(big.Rat).SetFrac(new(big.Int).SetUint64(2*j+1), new(big.Int).SetUint64(2*w)), i})
		}
	}
	slices.SortFunc(evs, func(a, b ev) int {
		if c := a.t.Cmp(b.t); c != 0 {
			return c
		}
		return a.i - b.i
	})
	out := make([]int, len(evs))
	for k, e := range evs {
		out[k] = e.i
	}
	if uint64(len(out)) != total/g {
		panic("reference: period length")
	}
	return out
}

// The binary search (pickAt) and the table agree with the reference rule
// on every pick of the period, for random small weight vectors; every
// validator is picked weight/gcd times per period; pick k+P is pick k.
func TestProposerMatchesReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for trial := 0; trial < 300; trial++ {
		n := 1 + rng.IntN(9)
		weights := make([]uint64, n)
		for i := range weights {
			weights[i] = 1 + rng.Uint64N(30)
			if rng.IntN(4) == 0 {
				weights[i] *= 6 // common factors, so gcd > 1 happens
			}
		}
		want := referencePicks(weights)
		r := fakeRotation(weights...)
		if r.period != uint64(len(want)) || r.table == nil {
			t.Fatalf("weights %v: period %d, want %d (tabulated)", weights, r.period, len(want))
		}
		counts := make([]uint64, n)
		for k := range want {
			if got := r.pickAt(uint64(k + 1)).i; got != want[k] {
				t.Fatalf("weights %v: pick %d is %d by search, %d by the rule", weights, k+1, got, want[k])
			}
			if got := r.proposer(uint64(k+1), 0); got != want[k] {
				t.Fatalf("weights %v: pick %d is %d by table, %d by the rule", weights, k+1, got, want[k])
			}
			p := uint64(len(want))
			if got := r.proposer(uint64(k+1)+p, 0); got != want[k] {
				t.Fatalf("weights %v: pick %d+P is %d, want %d", weights, k+1, got, want[k])
			}
			counts[want[k]]++
		}
		g := uint64(0)
		for _, w := range weights {
			g = gcd(g, w)
		}
		for i, w := range weights {
			if counts[i] != w/g {
				t.Fatalf("weights %v: validator %d picked %d times per period, want %d", weights, i, counts[i], w/g)
			}
		}
	}
}

// Large weights with a long period: the search agrees with the reference
// over the first picks (the reference enumerates only those times).
func TestProposerLargeWeightsMatchReferencePrefix(t *testing.T) {
	weights := []uint64{1_000_003, 999_983, 1_000_033, 7}
	r := fakeRotation(weights...)
	if r.table != nil {
		t.Fatal("expected the search, not a table")
	}
	// The first 5000 picks all come before time 5000/total, so the first
	// 2000 picks of each large validator and the first of the small one
	// cover them.
	var evs []pick
	for i, w := range weights {
		for j := uint64(0); j < min(w, 2000); j++ {
			evs = append(evs, pick{i, j})
		}
	}
	slices.SortFunc(evs, r.compare)
	order := rand.New(rand.NewPCG(3, 4)).Perm(5000)
	for _, k := range order {
		if got := r.proposer(uint64(k+1), 0); got != evs[k].i {
			t.Fatalf("pick %d: %d, want %d", k+1, got, evs[k].i)
		}
	}
}

// Far picks of long periods, which no enumeration reaches, are checked by
// their rank: pick k = (i, j) at time t = (2j+1)/(2·w_i) must have exactly
// k−1 picks before it (all picks at times < t, and those at t of a lower
// index), counted per validator in big integers.
func TestProposerFarPicksHaveTheirRank(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, weights := range [][]uint64{
		{1_000_003, 999_983, 1_000_033, 7},
		{1 << 59, 3, 1<<58 + 1},
		{6, 10, 15, 1_000_000_007 * 30},
	} {
		r := fakeRotation(weights...)
		for trial := 0; trial < 200; trial++ {
			k := 1 + rng.Uint64N(r.period)
			if trial == 0 {
				k = r.period
			}
			p := r.pickAt(k)
			if got := rankOf(weights, p); got != k-1 {
				t.Fatalf("weights %v: pick %d is (%d, %d), which has %d picks before it", weights, k, p.i, p.j, got)
			}
		}
	}
}

func rankOf(weights []uint64, p pick) uint64 {
	num := new(big.Int).SetUint64(2*p.j + 1) // t = num / (2·w_p)
	var rank uint64
	for l, w := range weights {
		// Picks of l before t: odd o with o·w_p < num·w_l, so
		// o ≤ q = floor((num·w_l − 1) / w_p), and there are floor((q+1)/2).
		x := new(big.Int).Mul(num, new(big.Int).SetUint64(w))
		q := new(big.Int).Div(new(big.Int).Sub(x, big.NewInt(1)), new(big.Int).SetUint64(weights[p.i]))
		before := new(big.Int).Rsh(q.Add(q, big.NewInt(1)), 1)
		rank += before.Uint64()
		// A pick of l exactly at t: num·w_l = o·w_p with o odd.
		o, rem := new(big.Int).QuoRem(x, new(big.Int).SetUint64(weights[p.i]), new(big.Int))
		if l < p.i && rem.Sign() == 0 && o.Bit(0) == 1 {
			rank++
		}
	}
	return rank
}

func TestProposerHeightRoundEquivalence(t *testing.T) {
	for _, r := range []*rotation{fakeRotation(3, 2, 2, 1), fakeRotation(1_000_003, 999_983, 1_000_033, 7)} {
		for h := uint64(1); h < 20; h++ {
			for round := uint32(0); round < 5; round++ {
				if r.proposer(h, round) != r.proposer(h+uint64(round), 0) {
					t.Fatalf("(%d,%d) differs from (%d,0)", h, round, h+uint64(round))
				}
			}
		}
		// height + round past 2^64 wraps modulo the period, not modulo 2^64.
		h, round := ^uint64(0), ^uint32(0)
		sum, carry := bits.Add64(h, uint64(round), 0)
		_, rem := bits.Div64(carry, sum, r.period)
		if rem == 0 {
			rem = r.period
		}
		if got, want := r.proposer(h, round), r.proposer(rem, 0); got != want {
			t.Fatalf("(2^64-1, 2^32-1) picks %d, pick %d is %d", got, rem, want)
		}
	}
}

// A lookup costs a bounded number of passes over the validators whatever
// the round: log2(2n+1) search steps and one final pass. The walking
// rotation this replaced stepped once per round (about 2^31 steps for the
// last lookup here), so an unsigned proposal at a huge round cost seconds.
func TestProposerWorkIndependentOfRound(t *testing.T) {
	weights := []uint64{1_000_003, 999_983, 1_000_033, 7, 1 << 40, 3 << 33}
	r := fakeRotation(weights...)
	if r.table != nil {
		t.Fatal("expected the search, not a table")
	}
	limit := uint64(bits.Len(uint(2*len(weights)+1))) + 1
	for _, q := range []struct {
		h     uint64
		round uint32
	}{{1, 0}, {2, 1 << 10}, {1, 1 << 25}, {1, 1 << 31}, {1 << 62, ^uint32(0)}, {^uint64(0), 0}} {
		before := r.passes.Load()
		r.proposer(q.h, q.round)
		if used := r.passes.Load() - before; used > limit {
			t.Fatalf("(%d,%d): %d passes over the validators, limit %d", q.h, q.round, used, limit)
		}
	}
}

func TestProposerConcurrent(t *testing.T) {
	weights := []uint64{1_000_003, 999_983, 1_000_033}
	r := fakeRotation(weights...)
	want := make([]int, 2800)
	for k := range want {
		want[k] = r.pickAt(uint64(k + 1)).i
	}
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
		t.Errorf("pick %d wrong under concurrency", k+1)
	}
}

// The vector tables of docs/spec.md §14.4 hold: rows
// "| `w1,w2,…` | `p1,p2,…` |" list picks 1, 2, … and rows
// "| `w1,w2,…` | height | round | proposer |" single lookups.
func TestProposerSpecVectors(t *testing.T) {
	doc, err := os.ReadFile("../../docs/spec.md")
	if err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(bytes.NewReader(doc))
	in, sequences, lookups := false, 0, 0
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "### ") {
			in = strings.HasPrefix(line, "### 14.4 ")
			continue
		}
		if !in || !strings.HasPrefix(line, "| `") {
			continue
		}
		cells := strings.Split(strings.Trim(line, "| "), "|")
		for i := range cells {
			cells[i] = strings.Trim(strings.TrimSpace(cells[i]), "`")
		}
		weights := parseList(t, cells[0])
		r := fakeRotation(weights...)
		switch len(cells) {
		case 2:
			for k, want := range parseList(t, cells[1]) {
				if got := r.proposer(uint64(k+1), 0); uint64(got) != want {
					t.Errorf("spec vector %v: pick %d is %d, spec says %d", weights, k+1, got, want)
				}
			}
			sequences++
		case 4:
			h, round, want := parseUint(t, cells[1]), parseUint(t, cells[2]), parseUint(t, cells[3])
			if got := r.proposer(h, uint32(round)); uint64(got) != want {
				t.Errorf("spec vector %v (%d, %d): %d, spec says %d", weights, h, round, got, want)
			}
			lookups++
		default:
			t.Fatalf("spec vector row %q", line)
		}
	}
	if sequences < 4 || lookups < 2 {
		t.Fatalf("found %d sequence and %d lookup vectors in §14.4", sequences, lookups)
	}
}

func parseList(t *testing.T, s string) []uint64 {
	var out []uint64
	for _, f := range strings.Split(strings.TrimSuffix(s, ",…"), ",") {
		out = append(out, parseUint(t, f))
	}
	return out
}

func parseUint(t *testing.T, s string) uint64 {
	v, err := strconv.ParseUint(strings.ReplaceAll(strings.TrimSpace(s), "_", ""), 10, 64)
	if err != nil {
		t.Fatalf("spec vector: %v", err)
	}
	return v
}
