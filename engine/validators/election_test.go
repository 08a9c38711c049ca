package validators_test

import (
	"aitbc/engine/bls"
	"bytes"
	"errors"
	"fmt"
	"math/bits"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"

	"aitbc/engine/types"
	"aitbc/engine/validators"
	"aitbc/engine/validators/valtest"
)

// keyPool caches deterministic validator keys (BLS key generation is the
// slow part of building candidates).
var keyPool = struct {
	sync.Mutex
	vals map[int]validators.Validator
}{vals: map[int]validators.Validator{}}

func poolVal(i int) validators.Validator {
	keyPool.Lock()
	defer keyPool.Unlock()
	v, ok := keyPool.vals[i]
	if !ok {
		v, _ = valtest.Validator(i, 1)
		keyPool.vals[i] = v
	}
	return v
}

func staker(i int, stake uint64) validators.Candidate {
	v := poolVal(i)
	return validators.Candidate{Address: v.Address, PubKey: v.PubKey, BLSPubKey: v.BLSPubKey, Kind: validators.Staker, Stake: stake}
}

func authority(i int, power uint64) validators.Candidate {
	c := staker(i, 0)
	c.Kind, c.Power = validators.Authority, power
	return c
}

// setOf builds a set of pool validators i with weights w[i] (0: absent).
func setOf(t testing.TB, w map[int]uint64) *validators.Set {
	t.Helper()
	var vals []validators.Validator
	for i := range 2048 {
		if w[i] > 0 {
			v := poolVal(i)
			v.Weight = w[i]
			vals = append(vals, v)
		}
	}
	s, err := validators.NewSet(vals)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// powers maps pool index to power in s.
func powers(s *validators.Set, n int) map[int]uint64 {
	out := map[int]uint64{}
	for i := range n {
		if j, ok := s.IndexOf(poolVal(i).Address); ok {
			out[i] = s.Weight(j)
		}
	}
	return out
}

func posConfig() validators.ElectionConfig {
	return validators.ElectionConfig{Mode: "pos", MaxValidators: 10, MinSelfStake: 100, StakePerPower: 10, MaxStakerShareBps: 3333, ChurnBps: 3333}
}

// converge elects until nothing is deferred (at most limit epochs).
func converge(t *testing.T, cfg validators.ElectionConfig, prev *validators.Set, cands []validators.Candidate, limit int) (*validators.Set, int) {
	t.Helper()
	for e := 1; e <= limit; e++ {
		next, rep, err := validators.Elect(cfg, prev, cands)
		if err != nil {
			t.Fatal(err)
		}
		prev = next
		if rep.Deferred == 0 {
			return prev, e
		}
	}
	t.Fatalf("not converged in %d elections", limit)
	return nil, 0
}

func TestElectPoAKeepsTheSet(t *testing.T) {
	prev := setOf(t, map[int]uint64{0: 10, 1: 10})
	cfg := validators.ElectionConfig{Mode: "poa"}
	next, rep, err := validators.Elect(cfg, prev, []validators.Candidate{staker(5, 1<<40)})
	if err != nil || next != prev || rep.Deferred != 0 {
		t.Fatalf("poa: %v %+v %v", next, rep, err)
	}
}

func TestElectPoSTopByStake(t *testing.T) {
	cfg := posConfig()
	cfg.MaxValidators = 3
	prev := setOf(t, map[int]uint64{0: 50})
	cands := []validators.Candidate{
		staker(0, 500),  // power 50
		staker(1, 2000), // 200
		staker(2, 1009), // 100 (floor)
		staker(3, 1000), // 100: ties with 2, decided by address
		staker(4, 99),   // below min_self_stake
		staker(5, 3000), // jailed
		staker(6, 3000), // tombstoned
	}
	cands[5].Jailed, cands[6].Tombstoned = true, true
	got, _ := converge(t, cfg, prev, cands, 50)
	p := powers(got, 7)
	// Top 3 by (power desc, address asc): 1 (200), then 2 and 3 (100 each).
	want := map[int]uint64{1: 200, 2: 100, 3: 100}
	if fmt.Sprint(p) != fmt.Sprint(want) {
		t.Fatalf("set %v, want %v", p, want)
	}
	// Canonical order: power descending, then address ascending.
	for i := 1; i < got.Size(); i++ {
		a, b := got.Get(i-1), got.Get(i)
		if a.Weight < b.Weight || a.Weight == b.Weight && string(a.Address[:]) > string(b.Address[:]) {
			t.Fatalf("not canonical at %d: %v before %v", i, a, b)
		}
	}
}

func TestElectHybridCapsStakers(t *testing.T) {
	cfg := posConfig()
	cfg.Mode, cfg.MaxStakerShareBps, cfg.ChurnBps = "hybrid", 2500, 3333
	auths := []validators.Candidate{authority(0, 10), authority(1, 10), authority(2, 10), authority(3, 10)}
	prev := setOf(t, map[int]uint64{0: 10, 1: 10, 2: 10, 3: 10})
	// Stakers would hold 100+300 = 400 of 440; 25 % of the total allows
	// floor(2500·40/7500) = 13: 100·13/400 = 3, 300·13/400 = 9.
	cands := append(auths, staker(4, 1000), staker(5, 3000))
	got, _ := converge(t, cfg, prev, cands, 50)
	want := map[int]uint64{0: 10, 1: 10, 2: 10, 3: 10, 4: 3, 5: 9}
	if p := powers(got, 6); fmt.Sprint(p) != fmt.Sprint(want) {
		t.Fatalf("set %v, want %v", p, want)
	}
	var stakers uint64
	for _, i := range []int{4, 5} {
		stakers += want[i]
	}
	if 10000*stakers > 2500*got.TotalPower() {
		t.Fatalf("stakers hold %d of %d, above 25%%", stakers, got.TotalPower())
	}
	// A jailed authority is out; a tombstoned one too.
	cands[0].Jailed, cands[1].Tombstoned = true, true
	got, _ = converge(t, cfg, got, cands, 50)
	if p := powers(got, 6); p[0] != 0 || p[1] != 0 || p[2] != 10 {
		t.Fatalf("after jail/tombstone: %v", p)
	}
}

// The churn limit moves at most floor(churn_bps·old/10000) of power per
// election, forced exits first (tombstoned, then jailed), the last move
// partially.
func TestElectChurnPriorityAndPartialMoves(t *testing.T) {
	cfg := posConfig()
	prev := setOf(t, map[int]uint64{0: 100, 1: 100, 2: 100, 3: 100}) // total 400, limit 133
	cands := []validators.Candidate{staker(0, 1000), staker(1, 1000), staker(2, 1000), staker(3, 1000), staker(4, 1000)}
	cands[1].Tombstoned = true
	cands[2].Jailed = true
	next, rep, err := validators.Elect(cfg, prev, cands)
	if err != nil {
		t.Fatal(err)
	}
	// Node 1 leaves (100), node 2 drops by the remaining 33; node 4 waits.
	want := map[int]uint64{0: 100, 2: 67, 3: 100}
	if p := powers(next, 5); fmt.Sprint(p) != fmt.Sprint(want) {
		t.Fatalf("set %v, want %v (report %+v)", p, want, rep)
	}
	if len(rep.Left) != 1 || rep.Left[0].Reason != "tombstoned" || len(rep.Changed) != 1 || rep.Changed[0].Reason != "jailed" || len(rep.Entered) != 0 {
		t.Fatalf("report %+v", rep)
	}
	if rep.Deferred != 67+100 {
		t.Fatalf("deferred %d, want 167", rep.Deferred)
	}
	// Next epoch (total 267, limit 88): node 2 leaves (67), node 4 enters with 21.
	next, rep, err = validators.Elect(cfg, next, cands)
	if err != nil {
		t.Fatal(err)
	}
	want = map[int]uint64{0: 100, 3: 100, 4: 21}
	if p := powers(next, 5); fmt.Sprint(p) != fmt.Sprint(want) {
		t.Fatalf("epoch 2: set %v, want %v (report %+v)", p, want, rep)
	}
}

// A full set replaced by newcomers frees seats with its smallest exits, so
// its total power does not collapse on the way (before this rule, exits
// largest-first took this set from 893 to 3 units of power).
func TestElectReplacementKeepsPower(t *testing.T) {
	cfg := posConfig()
	cfg.MaxValidators, cfg.ChurnBps = 8, 2127
	prev := setOf(t, map[int]uint64{0: 370, 1: 205, 2: 124, 3: 110, 4: 43, 5: 15, 6: 13, 7: 13}) // T = 893
	cands := []validators.Candidate{staker(20, 5000), staker(21, 7000)}
	var trace []string
	tmin := prev.TotalPower()
	for e := 1; ; e++ {
		next, rep, err := validators.Elect(cfg, prev, cands)
		if err != nil {
			t.Fatal(err)
		}
		checkStep(t, fmt.Sprint("epoch ", e), cfg, prev, next, rep)
		tmin = min(tmin, next.TotalPower())
		trace = append(trace, fmt.Sprint(next.TotalPower()))
		prev = next
		if rep.Deferred == 0 {
			if e > 12 {
				t.Errorf("%d elections to replace the set", e)
			}
			break
		}
	}
	if tmin < 893 {
		t.Errorf("total fell to %d (totals %s)", tmin, strings.Join(trace, " "))
	}
	// Seats bought with the two smallest exits (13 and 13): the total grows
	// while the two newcomers come in, then falls to theirs (500 + 700).
	if got, want := strings.Join(trace, " "), "1056 1280 1552 1856 1884 1484 1200"; got != want {
		t.Errorf("totals %s, want %s", got, want)
	}
}

// A set whose total is near the 2^60 bound (genesis allows it) takes in
// stakers without its total reaching the bound: increases take only the
// room under it, and use the room the decreases make in the same election.
func TestElectStaysBelowMaxTotalPower(t *testing.T) {
	cfg := posConfig()
	cfg.MaxValidators = 1024
	prev := setOf(t, map[int]uint64{0: validators.MaxTotalPower - 2})
	cands := []validators.Candidate{staker(0, 1<<62)}
	for i := 1; i <= 400; i++ {
		cands = append(cands, staker(i, 1<<62))
	}
	for e := 1; ; e++ {
		next, rep, err := validators.Elect(cfg, prev, cands)
		if err != nil {
			t.Fatalf("election %d: %v", e, err)
		}
		checkStep(t, fmt.Sprint("election ", e), cfg, prev, next, rep)
		prev = next
		if rep.Deferred == 0 {
			break
		}
		if e == 50 {
			t.Fatalf("not converged: %d deferred", rep.Deferred)
		}
	}
	if prev.Size() != 401 || prev.TotalPower() >= validators.MaxTotalPower {
		t.Fatalf("%d validators, total %d", prev.Size(), prev.TotalPower())
	}
}

// A set whose budget floors to 0 still grows by 1 unit per election until
// the budget is at least 1; one that could only shrink stays as it is.
func TestElectSmallSetGrows(t *testing.T) {
	cfg := posConfig() // churn 3333, stake_per_power 10
	cfg.MinSelfStake = 10
	prev := setOf(t, map[int]uint64{0: 2})
	cands := []validators.Candidate{staker(0, 20), staker(1, 50)}
	var got []string
	for range 6 {
		next, rep, err := validators.Elect(cfg, prev, cands)
		if err != nil {
			t.Fatal(err)
		}
		checkStep(t, "grow", cfg, prev, next, rep)
		p := powers(next, 2)
		got = append(got, fmt.Sprintf("%d/%d", p[1], rep.Deferred))
		prev = next
	}
	// Budgets 1 (floor 0), 1 (floor 0), then floor(3333·T/10000) = 1, 1, 1.
	if want := "1/4 2/3 3/2 4/1 5/0 5/0"; strings.Join(got, " ") != want {
		t.Fatalf("staker 1 power/deferred %s, want %s", strings.Join(got, " "), want)
	}

	prev = setOf(t, map[int]uint64{0: 1, 1: 1})
	a, b := staker(0, 10), staker(1, 10)
	b.Jailed = true
	next, rep, err := validators.Elect(cfg, prev, []validators.Candidate{a, b})
	if err != nil || fmt.Sprint(powers(next, 2)) != "map[0:1 1:1]" || rep.Deferred != 1 || len(rep.Left)+len(rep.Changed) != 0 {
		t.Fatalf("a set of 2 that can only shrink: %v %+v %v", powers(next, 2), rep, err)
	}
}

// With every candidate jailed the set shrinks by the churn limit each
// election but never empties.
func TestElectNeverEmpties(t *testing.T) {
	prev := setOf(t, map[int]uint64{0: 100, 1: 50})
	a, b := staker(0, 1000), staker(1, 500)
	a.Jailed, b.Jailed = true, true
	for e := range 30 {
		next, rep, err := validators.Elect(posConfig(), prev, []validators.Candidate{a, b})
		if err != nil || next.Size() == 0 || next.TotalPower() == 0 {
			t.Fatalf("election %d: %v %+v %v", e, next, rep, err)
		}
		if next.TotalPower() >= prev.TotalPower() && uint64(3333)*prev.TotalPower()/10000 > 0 {
			t.Fatalf("election %d: total %d did not shrink from %d", e, next.TotalPower(), prev.TotalPower())
		}
		prev = next
	}
}

func TestElectRefusesBadInput(t *testing.T) {
	prev := setOf(t, map[int]uint64{0: 100})
	good := staker(1, 1000)
	for _, tc := range []struct {
		name  string
		cfg   func(*validators.ElectionConfig)
		cands func() []validators.Candidate
		want  error
		also  error // a finer sentinel the error also wraps
	}{
		{"mode", func(c *validators.ElectionConfig) { c.Mode = "PoS" }, nil, validators.ErrInvalidElection, validators.ErrUnknownMode},
		{"stake_per_power 0", func(c *validators.ElectionConfig) { c.StakePerPower = 0 }, nil, validators.ErrInvalidElection, nil},
		{"churn 0", func(c *validators.ElectionConfig) { c.ChurnBps = 0 }, nil, validators.ErrInvalidElection, nil},
		{"churn above a third", func(c *validators.ElectionConfig) { c.ChurnBps = 3334 }, nil, validators.ErrInvalidElection, nil},
		{"share above 100%", func(c *validators.ElectionConfig) { c.MaxStakerShareBps = 10001 }, nil, validators.ErrInvalidElection, nil},
		{"max_validators 0", func(c *validators.ElectionConfig) { c.MaxValidators = 0 }, nil, validators.ErrInvalidElection, nil},
		{"max_validators too many", func(c *validators.ElectionConfig) { c.MaxValidators = types.MaxValidators + 1 }, nil, validators.ErrInvalidElection, nil},
		{"duplicate address", nil, func() []validators.Candidate { return []validators.Candidate{good, good} }, validators.ErrInvalidCandidate, validators.ErrDuplicateCandidate},
		{"duplicate BLS key", nil, func() []validators.Candidate {
			o := staker(2, 1000)
			o.BLSPubKey = good.BLSPubKey
			return []validators.Candidate{good, o}
		}, validators.ErrInvalidCandidate, validators.ErrDuplicateCandidate},
		{"short ed25519 key", nil, func() []validators.Candidate {
			o := good
			o.PubKey = o.PubKey[:31]
			return []validators.Candidate{o}
		}, validators.ErrInvalidCandidate, validators.ErrCandidateKey},
		{"address of another key", nil, func() []validators.Candidate {
			o := good
			o.Address = poolVal(3).Address
			return []validators.Candidate{o}
		}, validators.ErrInvalidCandidate, validators.ErrCandidateKey},
		{"BLS key of a member of the previous set", nil, func() []validators.Candidate {
			o := staker(2, 1000)
			o.BLSPubKey = poolVal(0).BLSPubKey
			return []validators.Candidate{o}
		}, validators.ErrInvalidCandidate, validators.ErrDuplicateCandidate},
		{"member's BLS key changed", nil, func() []validators.Candidate {
			o := staker(0, 1000)
			o.BLSPubKey = poolVal(5).BLSPubKey
			return []validators.Candidate{o}
		}, validators.ErrInvalidCandidate, validators.ErrCandidateKey},
		{"entrant's BLS key not a point", nil, func() []validators.Candidate {
			o := good
			o.BLSPubKey = [len(o.BLSPubKey)]byte{}
			return []validators.Candidate{o}
		}, validators.ErrInvalidCandidate, validators.ErrCandidateKey},
		{"unknown kind", nil, func() []validators.Candidate {
			o := good
			o.Kind = 9
			return []validators.Candidate{o}
		}, validators.ErrInvalidCandidate, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := posConfig()
			if tc.cfg != nil {
				tc.cfg(&cfg)
			}
			cands := []validators.Candidate{good}
			if tc.cands != nil {
				cands = tc.cands()
			}
			next, _, err := validators.Elect(cfg, prev, cands)
			if !errors.Is(err, tc.want) || tc.also != nil && !errors.Is(err, tc.also) || next != nil {
				t.Fatalf("err %v, want %v (and %v), set %v", err, tc.want, tc.also, next)
			}
		})
	}
	if _, _, err := validators.Elect(posConfig(), nil, nil); !errors.Is(err, validators.ErrInvalidElection) {
		t.Fatalf("nil prev: %v", err)
	}
}

// Over random candidates and churn, every election stays within the churn
// limit, keeps more than 2/3 of the old power in common and the size
// bound, gives a set the weighted rotation works on, and with unchanged
// candidates the distance to the target strictly shrinks.
func TestElectProperties(t *testing.T) {
	seeds := 500
	if testing.Short() {
		seeds = 100
	}
	const pool = 40
	for seed := range seeds {
		r := rand.New(rand.NewPCG(uint64(seed), 7))
		cfg := posConfig()
		cfg.MaxValidators = uint32(1 + r.IntN(12))
		cfg.ChurnBps = uint32(1 + r.IntN(validators.MaxChurnBps))
		if r.IntN(2) == 0 {
			cfg.Mode, cfg.MaxStakerShareBps = "hybrid", uint32(r.IntN(10001))
		}
		start := map[int]uint64{}
		for len(start) < 1+r.IntN(8) {
			start[r.IntN(pool)] = uint64(1 + r.IntN(1000))
		}
		prev := setOf(t, start)
		for epoch := range 6 {
			var cands []validators.Candidate
			for i := range pool {
				if r.IntN(3) == 0 {
					continue
				}
				var c validators.Candidate
				if cfg.Mode == "hybrid" && i < 4 {
					c = authority(i, uint64(1+r.IntN(500)))
				} else {
					c = staker(i, uint64(r.IntN(20000)))
				}
				c.Jailed, c.Tombstoned = r.IntN(10) == 0, r.IntN(20) == 0
				cands = append(cands, c)
			}
			next, rep, err := validators.Elect(cfg, prev, cands)
			if err != nil {
				t.Fatalf("seed %d epoch %d: %v", seed, epoch, err)
			}
			checkStep(t, fmt.Sprintf("seed %d epoch %d", seed, epoch), cfg, prev, next, rep)
			// The candidates' order does not matter.
			shuffled := slices.Clone(cands)
			r.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
			again, rep2, err := validators.Elect(cfg, prev, shuffled)
			if err != nil || again.Hash() != next.Hash() || fmt.Sprint(rep2) != fmt.Sprint(rep) {
				t.Fatalf("seed %d epoch %d: shuffled candidates elect another set or report (%v)", seed, epoch, err)
			}
			prev = next
		}
		// Unchanged candidates converge to the target: every election
		// with budget b = floor(churn·T/10000) >= 1 moves min(b, distance)
		// (checkStep), so with T_min the smallest total on the way, at
		// most ceil(D_0 / floor(churn·T_min/10000)) elections reach it.
		// While no entry waits for a seat, T never falls below
		// m = min(T_0 − F_0, T*) (F_0: power of the tombstoned and jailed,
		// T*: the target's total; docs/spec.md §17). With b = 0 only
		// increases move, by 1.
		cands := []validators.Candidate{staker(pool+1, 5000), staker(pool+2, 7000)}
		if r.IntN(3) == 0 { // a member of the last set is jailed, another tombstoned
			for i, c := range []validators.Candidate{staker(0, 0), staker(1, 0)} {
				if _, ok := prev.IndexOf(c.Address); ok {
					c.Jailed, c.Tombstoned = i == 0, i == 1
					cands = append(cands, c)
				}
			}
		}
		var forced uint64
		for _, c := range cands[2:] {
			j, _ := prev.IndexOf(c.Address)
			forced += prev.Weight(j)
		}
		seats := int(cfg.MaxValidators) >= prev.Size()+2 // no entry ever waits for a seat
		t0, tmin, d0, epochs := prev.TotalPower(), prev.TotalPower(), uint64(0), 0
		for e := 0; epochs == 0; e++ {
			if e == 5000 {
				t.Fatalf("seed %d: not converged in %d elections", seed, e)
			}
			next, rep, err := validators.Elect(cfg, prev, cands)
			if err != nil {
				t.Fatal(err)
			}
			mv := checkStep(t, fmt.Sprintf("seed %d convergence %d", seed, e), cfg, prev, next, rep)
			if e == 0 {
				d0 = mv + rep.Deferred
			}
			if rep.Deferred == 0 {
				epochs = e + 1
			} else if next.Hash() == prev.Hash() {
				// Stuck: only decreases are left and the budget floors to 0.
				if uint64(cfg.ChurnBps)*next.TotalPower()/10000 != 0 {
					t.Fatalf("seed %d election %d: no move with %d deferred", seed, e, rep.Deferred)
				}
				break
			}
			tmin = min(tmin, next.TotalPower())
			prev = next
		}
		if epochs == 0 {
			continue
		}
		if b := uint64(cfg.ChurnBps) * tmin / 10000; b >= 1 && uint64(epochs) > (d0+b-1)/b {
			t.Fatalf("seed %d: %d elections to converge, bound ceil(%d/%d)", seed, epochs, d0, b)
		}
		if m := min(t0-forced, prev.TotalPower()); seats && tmin < m {
			t.Fatalf("seed %d: total fell to %d, below min(T_0 − F_0, T*) = %d", seed, tmin, m)
		}
	}
}

// checkStep checks one election and returns the power distance it moved.
func checkStep(t *testing.T, what string, cfg validators.ElectionConfig, prev, next *validators.Set, rep validators.ElectionReport) uint64 {
	t.Helper()
	hi, lo := bits.Mul64(uint64(cfg.ChurnBps), prev.TotalPower())
	floor, _ := bits.Div64(hi, lo, 10000)
	limit := max(floor, 1)
	var moved, decreased, common uint64
	for i := 0; i < prev.Size(); i++ {
		v := prev.Get(i)
		var w uint64
		if j, ok := next.IndexOf(v.Address); ok {
			w = next.Weight(j)
		}
		moved += absDiff(v.Weight, w)
		decreased += v.Weight - min(v.Weight, w)
		common += min(v.Weight, w)
	}
	for j := 0; j < next.Size(); j++ {
		if _, ok := prev.IndexOf(next.Get(j).Address); !ok {
			moved += next.Weight(j)
		}
	}
	if moved > limit || decreased > floor {
		t.Fatalf("%s: moved %d (decreases %d), limit %d (decreases %d)", what, moved, decreased, limit, floor)
	}
	// Progress: a budget of at least 1 is spent in full while the target
	// is not reached (docs/spec.md §17).
	if floor >= 1 && moved != min(floor, moved+rep.Deferred) {
		t.Fatalf("%s: moved %d with budget %d and %d deferred", what, moved, floor, rep.Deferred)
	}
	if 3*common <= 2*prev.TotalPower() {
		t.Fatalf("%s: common power %d of old %d is not above 2/3", what, common, prev.TotalPower())
	}
	if next.Size() > int(max(uint32(prev.Size()), cfg.MaxValidators)) {
		t.Fatalf("%s: %d validators", what, next.Size())
	}
	if next.Size() == 0 || next.TotalPower() == 0 {
		t.Fatalf("%s: empty set", what)
	}
	if rep.Kept == "" {
		for j := 1; j < next.Size(); j++ { // canonical: power descending, address ascending
			a, b := next.Get(j-1), next.Get(j)
			if a.Weight < b.Weight || a.Weight == b.Weight && bytes.Compare(a.Address[:], b.Address[:]) >= 0 {
				t.Fatalf("%s: validators %d and %d out of canonical order", what, j-1, j)
			}
		}
	}
	return moved
}

func absDiff(a, b uint64) uint64 {
	if a > b {
		return a - b
	}
	return b - a
}

// TestSpecElectionExample checks the worked examples of docs/spec.md §17.
func TestSpecElectionExample(t *testing.T) {
	spec, err := os.ReadFile("../../docs/spec.md")
	if err != nil {
		t.Fatal(err)
	}
	run := func(cfg validators.ElectionConfig, prev *validators.Set, cands []validators.Candidate, epochs int) {
		t.Helper()
		for e := 1; e <= epochs; e++ {
			next, rep, err := validators.Elect(cfg, prev, cands)
			if err != nil {
				t.Fatal(err)
			}
			p := powers(next, 6)
			l := fmt.Sprintf("epoch %d: v0=%d v1=%d v2=%d v3=%d v4=%d total=%d deferred=%d", e, p[0], p[1], p[2], p[3], p[4], next.TotalPower(), rep.Deferred)
			if !strings.Contains(string(spec), l) {
				t.Errorf("docs/spec.md §17 lacks the line %q", l)
			}
			prev = next
		}
	}
	// Hybrid: a jailed authority leaves, capped stakers enter.
	cfg := validators.ElectionConfig{Mode: "hybrid", MaxValidators: 4, MinSelfStake: 1000, StakePerPower: 100, MaxStakerShareBps: 2000, ChurnBps: 2500}
	cands := []validators.Candidate{authority(0, 40), authority(1, 40), authority(2, 40), staker(3, 4000), staker(4, 2500), staker(5, 900)}
	cands[1].Jailed = true
	run(cfg, setOf(t, map[int]uint64{0: 40, 1: 40, 2: 40}), cands, 3)
	// Pos: a full set replaced by two newcomers, seats bought with the smallest exits.
	cfg = validators.ElectionConfig{Mode: "pos", MaxValidators: 3, MinSelfStake: 1, StakePerPower: 1, MaxStakerShareBps: 10000, ChurnBps: 3333}
	run(cfg, setOf(t, map[int]uint64{0: 60, 1: 30, 2: 10}), []validators.Candidate{staker(3, 50), staker(4, 50)}, 5)
}

func FuzzElect(f *testing.F) {
	f.Add([]byte{1, 2, 3, 4, 5, 6, 7, 8}, uint16(3333), uint16(5000), uint8(3))
	f.Add([]byte{0, 0, 0, 0}, uint16(1), uint16(0), uint8(1))
	f.Add([]byte{255, 1, 255, 2, 255, 3, 9, 9, 9, 9}, uint16(2000), uint16(10000), uint8(8))
	f.Fuzz(func(t *testing.T, data []byte, churn, share uint16, maxVals uint8) {
		cfg := validators.ElectionConfig{Mode: "pos", MaxValidators: uint32(maxVals), MinSelfStake: 10, StakePerPower: 3,
			MaxStakerShareBps: uint32(share), ChurnBps: uint32(churn)}
		if len(data) > 0 && data[0]%2 == 1 {
			cfg.Mode = "hybrid"
		}
		// data[0] bit 1: a previous set and stakes near the 2^60 bound.
		big := len(data) > 0 && data[0]&2 != 0
		w, mul := uint64(30), uint64(7)
		if big {
			w, mul = validators.MaxTotalPower/4-1, 7<<52
		}
		prev := setOf(t, map[int]uint64{0: w, 1: w, 2: w, 3: w})
		var cands []validators.Candidate
		seen := map[int]bool{}
		for i := 0; i+1 < len(data) && len(cands) < 16; i += 2 {
			k := int(data[i] % 20)
			if seen[k] {
				continue
			}
			seen[k] = true
			c := staker(k, uint64(data[i+1])*mul)
			if k < 4 && cfg.Mode == "hybrid" {
				c = authority(k, uint64(data[i+1])*mul/7)
			}
			c.Jailed, c.Tombstoned = data[i+1]%11 == 0, data[i+1]%13 == 0
			cands = append(cands, c)
		}
		next, rep, err := validators.Elect(cfg, prev, cands)
		if err != nil {
			if !errors.Is(err, validators.ErrInvalidElection) && !errors.Is(err, validators.ErrInvalidCandidate) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		checkStep(t, "fuzz", cfg, prev, next, rep)
	})
}

func BenchmarkElect(b *testing.B) {
	w := map[int]uint64{}
	for i := range 100 {
		w[i] = uint64(1000 + i)
	}
	prev := setOf(b, w)
	cands := make([]validators.Candidate, 1000)
	for i := range cands {
		cands[i] = staker(i, uint64(5000+i*37%20000))
	}
	cfg := posConfig()
	cfg.MaxValidators = 100
	b.ResetTimer()
	for b.Loop() {
		if _, _, err := validators.Elect(cfg, prev, cands); err != nil {
			b.Fatal(err)
		}
	}
}

func TestElectionConfigOfGenesis(t *testing.T) {
	g := valtest.Genesis("cfg", 10, 10)
	g.ConsensusMode = "hybrid"
	g.Params.ChurnBps, g.Params.StakePerPower = 1000, 50
	cfg := validators.ElectionConfigOf(g)
	want := validators.ElectionConfig{Mode: "hybrid", MaxValidators: g.Params.MaxValidators, StakePerPower: 50,
		MaxStakerShareBps: types.DefaultMaxStakerShareBps, ChurnBps: 1000}
	if cfg != want {
		t.Fatalf("%+v, want %+v", cfg, want)
	}
	prev, err := validators.FromGenesis(g)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := validators.Elect(cfg, prev, nil); err != nil {
		t.Fatalf("a genesis that validates gives a valid election config: %v", err)
	}
}

// Elected sets rotate proposers by weight: over total consecutive picks
// each validator proposes exactly its power times, and a round advances
// the rotation as a height does.
func TestElectedSetRotation(t *testing.T) {
	for seed := range 20 {
		r := rand.New(rand.NewPCG(uint64(seed), 11))
		cfg := posConfig()
		cfg.ChurnBps = validators.MaxChurnBps
		if seed%2 == 1 {
			cfg.Mode, cfg.MaxStakerShareBps = "hybrid", 4000
		}
		prev := setOf(t, map[int]uint64{0: 300, 1: 200, 2: 100})
		var cands []validators.Candidate
		for i := range 12 {
			if cfg.Mode == "hybrid" && i < 2 {
				cands = append(cands, authority(i, uint64(100+r.IntN(200))))
				continue
			}
			cands = append(cands, staker(i, uint64(100+r.IntN(3000))))
		}
		for e := range 4 {
			next, _, err := validators.Elect(cfg, prev, cands)
			if err != nil {
				t.Fatal(err)
			}
			start := uint64(1 + r.IntN(1<<30))
			counts := make([]uint64, next.Size())
			for k := range next.TotalPower() {
				counts[next.Proposer(start+k, 0)]++
			}
			for i, c := range counts {
				if c != next.Weight(i) {
					t.Fatalf("seed %d epoch %d: validator %d proposed %d times in %d picks, weight %d", seed, e, i, c, next.TotalPower(), next.Weight(i))
				}
			}
			for range 20 {
				h, rd := start+uint64(r.IntN(1000)), uint32(r.IntN(1000))
				if next.Proposer(h, rd) != next.Proposer(h+uint64(rd), 0) {
					t.Fatalf("seed %d epoch %d: proposer(%d, %d) differs from proposer(%d, 0)", seed, e, h, rd, h+uint64(rd))
				}
			}
			prev = next
		}
	}
}

// Once a hybrid election has reached its target, the stakers hold at most
// max_staker_share_bps of the power, and more stake never gives less power.
func TestElectHybridShareBound(t *testing.T) {
	for seed := range 200 {
		r := rand.New(rand.NewPCG(uint64(seed), 13))
		cfg := posConfig()
		cfg.Mode, cfg.MaxValidators, cfg.ChurnBps = "hybrid", uint32(2+r.IntN(10)), validators.MaxChurnBps
		cfg.MaxStakerShareBps = uint32(r.IntN(10001))
		auths := 1 + r.IntN(4)
		start := map[int]uint64{}
		var cands []validators.Candidate
		for i := range auths {
			start[i] = uint64(100 + r.IntN(900))
			cands = append(cands, authority(i, start[i]))
		}
		for i := auths; i < 20; i++ {
			cands = append(cands, staker(i, uint64(r.IntN(100000))))
		}
		final, _ := converge(t, cfg, setOf(t, start), cands, 400)
		var stakers uint64
		var elected []validators.Validator
		for j := 0; j < final.Size(); j++ {
			v := final.Get(j)
			if _, isAuth := start[indexOf(t, v)]; isAuth {
				continue
			}
			stakers += v.Weight
			elected = append(elected, v)
		}
		for _, a := range elected { // more stake never means less power
			for _, b := range elected {
				if cands[indexOf(t, a)].Stake > cands[indexOf(t, b)].Stake && a.Weight < b.Weight {
					t.Fatalf("seed %d: staker order changed", seed)
				}
			}
		}
		if stakers*10000 > uint64(cfg.MaxStakerShareBps)*final.TotalPower() {
			t.Fatalf("seed %d: stakers hold %d of %d, over %d bps", seed, stakers, final.TotalPower(), cfg.MaxStakerShareBps)
		}
	}
}

// indexOf is v's pool index.
func indexOf(t *testing.T, v validators.Validator) int {
	t.Helper()
	for i := range 64 {
		if poolVal(i).Address == v.Address {
			return i
		}
	}
	t.Fatalf("%s is not a pool validator", v.Address)
	return -1
}

// TestElectedSetSharesSignatureMemo: a set elected from another keeps
// its decoded-signature memo (one per node however many epochs it keeps
// sets for), a set built from scratch starts its own, and a certificate
// checked by a set is looked up, not kept.
func TestElectedSetSharesSignatureMemo(t *testing.T) {
	cfg := posConfig()
	prev := setOf(t, map[int]uint64{0: 50, 1: 50, 2: 50})
	block := types.Hash{7}
	var votes []*types.Vote
	for i := range 3 {
		v := &types.Vote{Type: types.Precommit, Height: 3, Round: 0, BlockHash: block, ValidatorIndex: uint32(i)}
		// Any valid point will do: MakeCommit decodes and sums, it does not check.
		v.Sig = bls.Sign(blsKey(i), v.SignBytes("memo"))
		votes = append(votes, v)
	}
	cert, err := prev.MakeCommit(3, 0, block, votes)
	if err != nil {
		t.Fatal(err)
	}
	n := prev.RememberedSignatures()
	if n != 4 { // three precommits and the aggregate
		t.Fatalf("the set remembers %d signatures after a certificate of three, want 4", n)
	}
	next, _, err := validators.Elect(cfg, prev, []validators.Candidate{staker(0, 500), staker(1, 500), staker(3, 500)})
	if err != nil {
		t.Fatal(err)
	}
	if next == prev || next.RememberedSignatures() != n {
		t.Fatalf("the elected set remembers %d, want the %d of the set it was elected from", next.RememberedSignatures(), n)
	}
	fresh := setOf(t, map[int]uint64{0: 50, 1: 50, 2: 50})
	if fresh.RememberedSignatures() != 0 {
		t.Fatal("a set built from scratch shares a memo")
	}
	other := *cert
	other.AggSig = bls.Sign(blsKey(5), []byte("x")) // a fresh, wrong aggregate
	_ = fresh.VerifyCommit("memo", &other)
	if fresh.RememberedSignatures() != 0 {
		t.Fatal("checking a certificate kept its aggregate")
	}
}

// blsKey is pool validator i's BLS secret key.
func blsKey(i int) *bls.SecretKey {
	_, k := valtest.Validator(i, 1)
	return k.BLS
}
