package validators

import (
	"cmp"
	"math/bits"
	"slices"
	"sync/atomic"
)

// Proposer returns the index of the proposer of (height, round).
//
// The rotation is the Sainte-Laguë (Webster) order of the weights, also
// known as stride scheduling: validator i with weight w_i owns the pick
// times (2j+1)/(2·w_i) for j = 0, 1, 2, …; all validators' pick times
// merged in increasing order, equal times by lowest index, give the
// sequence of picks. The proposer of (height, round) is pick number
// height+round (heights start at 1, so pick 1 chooses the proposer of
// (1, 0)); moving one round and moving one height advance it equally.
//
// Over every P = total/gcd(weights) consecutive picks validator i is
// picked exactly w_i/gcd times, its picks spread evenly over the period
// (one every total/w_i picks, the first after half that). Pick k is found without walking the k-1 before it:
// a binary search over the pick times counts the picks before a time in
// one pass over the validators (exact 128-bit integer arithmetic), so one
// lookup costs O(n·log n) for n validators, independent of height and
// round. Short periods are tabulated at construction. docs/spec.md §14.4
// specifies the rule with vectors.
func (s *Set) Proposer(height uint64, round uint32) int {
	return s.rotator.proposer(height, round)
}

// rotation holds what proposer lookups need; it is immutable after
// construction apart from the passes counter.
type rotation struct {
	weights []uint64
	total   uint64
	period  uint64
	table   []uint16 // table[k-1] = pick k, when the period is short

	// passes counts passes over the validators by lookups (countBefore and
	// the final pass), so tests can bound a lookup's work without timing it.
	passes atomic.Uint64
}

// maxTableSteps bounds the periods that are tabulated (2 bytes a step):
// equal and small-integer weights hit the table; stake-like weights,
// whose period can reach 2^60, are computed per lookup.
const maxTableSteps = 1 << 16

func newRotation(vals []Validator, total uint64) *rotation {
	r := &rotation{weights: make([]uint64, len(vals)), total: total}
	var g uint64
	for i, v := range vals {
		r.weights[i] = v.Weight
		g = gcd(g, v.Weight)
	}
	r.period = total / g
	if r.period <= maxTableSteps {
		picks := make([]pick, 0, r.period)
		for i, w := range r.weights {
			for j := uint64(0); j < w/g; j++ {
				picks = append(picks, pick{i: i, j: j})
			}
		}
		slices.SortFunc(picks, r.compare)
		r.table = make([]uint16, len(picks))
		for k, p := range picks {
			r.table[k] = uint16(p.i)
		}
	}
	return r
}

func gcd(a, b uint64) uint64 {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

// pick is validator i's pick number j (0-based), at time (2j+1)/(2·w_i).
type pick struct {
	i int
	j uint64
}

// compare orders picks by time, then by validator index. Times compare by
// cross-multiplication: (2a.j+1)·w_b against (2b.j+1)·w_a. With j below
// the period (≤ 2^60) and weights below 2^60 both products fit in 128 bits.
func (r *rotation) compare(a, b pick) int {
	ah, al := bits.Mul64(2*a.j+1, r.weights[b.i])
	bh, bl := bits.Mul64(2*b.j+1, r.weights[a.i])
	if c := cmp.Compare(ah, bh); c != 0 {
		return c
	}
	if c := cmp.Compare(al, bl); c != 0 {
		return c
	}
	return cmp.Compare(a.i, b.i)
}

// step is the pick number, in 1..period, of (height, round) reduced
// modulo the period (height+round itself may not fit in 64 bits).
func (r *rotation) step(height uint64, round uint32) uint64 {
	k := (height%r.period + uint64(round)%r.period) % r.period
	if k == 0 {
		k = r.period
	}
	return k
}

func (r *rotation) proposer(height uint64, round uint32) int {
	k := r.step(height, round)
	if r.table != nil {
		return int(r.table[k-1])
	}
	return r.pickAt(k).i
}

// picksBefore counts validator i's picks at times before a/total:
// #{j ≥ 0 : (2j+1)·total < 2·w_i·a} = floor((2·w_i·a + total − 1) / (2·total)).
// a never exceeds the period (≤ total), so the quotient is at most w_i
// and Div64 cannot overflow.
func (r *rotation) picksBefore(i int, a uint64) uint64 {
	hi, lo := bits.Mul64(2*r.weights[i], a)
	var carry uint64
	lo, carry = bits.Add64(lo, r.total-1, 0)
	hi += carry
	q, _ := bits.Div64(hi, lo, 2*r.total)
	return q
}

// countBefore counts all picks at times before a/total.
func (r *rotation) countBefore(a uint64) uint64 {
	r.passes.Add(1)
	var c uint64
	for i := range r.weights {
		c += r.picksBefore(i, a)
	}
	return c
}

// pickAt returns pick k (1 ≤ k ≤ period).
//
// Each validator's count before a/total lies within ½ of w_i·a/total, so
// countBefore(a) lies in [a − n/2, a + n/2): the k-th pick's time is in
// [lo/total, hi/total) with lo = k−n−1 and hi = k+n (clamped to
// [0, period]), and a binary search narrows that to one interval
// [a/total, (a+1)/total) holding it. No validator has two picks in an
// interval that short (its picks are 1/w_i ≥ 1/total apart), so the
// interval's picks are at most one per validator, sorted in a last pass.
func (r *rotation) pickAt(k uint64) pick {
	n := uint64(len(r.weights))
	lo, hi := uint64(0), min(r.period, k+n)
	if k > n+1 {
		lo = k - n - 1
	}
	// Invariant: countBefore(lo) < k ≤ countBefore(hi).
	for hi-lo > 1 {
		mid := lo + (hi-lo)/2
		if r.countBefore(mid) < k {
			lo = mid
		} else {
			hi = mid
		}
	}
	r.passes.Add(1)
	var before uint64
	in := make([]pick, 0, 8)
	for i := range r.weights {
		c0, c1 := r.picksBefore(i, lo), r.picksBefore(i, lo+1)
		before += c0
		if c1 > c0 {
			in = append(in, pick{i: i, j: c0})
		}
	}
	slices.SortFunc(in, r.compare)
	return in[k-before-1]
}
