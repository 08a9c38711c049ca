package validators

import (
	"sync"
)

// Proposer returns the index of the proposer of (height, round).
//
// It is weighted round-robin by proposer priority, as in CometBFT: start
// with every priority at 0; one step adds each validator's weight to its
// priority, picks the highest priority (ties: lowest index) and subtracts
// the total weight from the pick. The proposer of (height, round) is the
// pick of step height+round (heights start at 1, so step 1 chooses the
// proposer of (1, 0)). Advancing one round and advancing one height are
// the same step, exactly as CometBFT's per-height and per-round increments.
//
// Priorities sum to zero after every step and, starting from all zeros,
// return to all zeros after P = total/gcd(weights) steps, during which
// validator i is picked exactly weight_i/gcd times (the smooth weighted
// round-robin property); so step k has the pick of step ((k-1) mod P) + 1.
// Short periods are tabulated; long ones are walked from a memoized cursor
// with periodic checkpoints, so consecutive heights cost O(n) each.
func (s *Set) Proposer(height uint64, round uint32) int {
	return s.rotator.proposer(height, round)
}

// rotation computes proposer picks; it memoizes under a mutex.
type rotation struct {
	weights []int64
	total   int64
	period  uint64
	table   []uint16 // table[j] = pick of step j+1, when the period is short

	mu    sync.Mutex
	cur   priorities
	marks []priorities // checkpoints at multiples of markStride, ascending
}

// priorities is the state after k steps from all zeros.
type priorities struct {
	k    uint64
	prio []int64
}

const (
	maxTableSteps = 1 << 22 // period × size bound for tabulating
	markStride    = 1024
	maxMarks      = 64
)

func newRotation(vals []Validator, total uint64) *rotation {
	r := &rotation{weights: make([]int64, len(vals)), total: int64(total)}
	var g uint64
	for i, v := range vals {
		r.weights[i] = int64(v.Weight)
		g = gcd(g, v.Weight)
	}
	r.period = total / g
	r.cur = priorities{prio: make([]int64, len(vals))}
	if r.period <= maxTableSteps/uint64(len(vals)) {
		r.table = make([]uint16, r.period)
		p := make([]int64, len(vals))
		for j := range r.table {
			r.table[j] = uint16(r.step(p))
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

// step advances p by one step and returns the pick.
func (r *rotation) step(p []int64) int {
	best := 0
	for i := range p {
		p[i] += r.weights[i]
		if p[i] > p[best] {
			best = i
		}
	}
	p[best] -= r.total
	return best
}

func (r *rotation) proposer(height uint64, round uint32) int {
	k := (height%r.period + uint64(round)%r.period) % r.period
	j := (k + r.period - 1) % r.period // steps before the one that picks
	if r.table != nil {
		return int(r.table[j])
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	st := r.seek(j)
	// Pick without mutating the cursor: argmax of prio + weight.
	best := 0
	for i := range st.prio {
		if st.prio[i]+r.weights[i] > st.prio[best]+r.weights[best] {
			best = i
		}
	}
	return best
}

// seek moves the cursor to the state after j steps and returns it.
func (r *rotation) seek(j uint64) *priorities {
	if j < r.cur.k {
		r.cur.k = 0
		clear(r.cur.prio)
		for m := len(r.marks) - 1; m >= 0; m-- {
			if r.marks[m].k <= j {
				r.cur.k = r.marks[m].k
				copy(r.cur.prio, r.marks[m].prio)
				break
			}
		}
	}
	for r.cur.k < j {
		r.step(r.cur.prio)
		r.cur.k++
		if r.cur.k%markStride == 0 && (len(r.marks) == 0 || r.marks[len(r.marks)-1].k < r.cur.k) {
			if len(r.marks) == maxMarks {
				r.marks = append(r.marks[:0], r.marks[1:]...)
			}
			r.marks = append(r.marks, priorities{k: r.cur.k, prio: append([]int64(nil), r.cur.prio...)})
		}
	}
	return &r.cur
}
