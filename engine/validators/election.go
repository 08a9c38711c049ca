package validators

import (
	"bytes"
	"cmp"
	"fmt"
	"math/bits"
	"slices"

	"aitbc/engine/bls"
	"aitbc/engine/types"
)

// Kind says how a candidate holds its power.
type Kind uint8

const (
	// Authority: a genesis validator with a fixed power (hybrid mode).
	Authority Kind = 1
	// Staker: power from bonded stake (pos and hybrid modes).
	Staker Kind = 2
)

func (k Kind) String() string {
	switch k {
	case Authority:
		return "authority"
	case Staker:
		return "staker"
	}
	return fmt.Sprintf("Kind(%d)", uint8(k))
}

// Candidate is one account that may validate the next epoch, as the state
// holds it at the end of the epoch's last block.
type Candidate struct {
	Address    types.Address
	PubKey     []byte // Ed25519 account key; Address = AddressFromPubKey(PubKey)
	BLSPubKey  bls.PublicKey
	Kind       Kind
	Power      uint64 // Authority: its fixed genesis weight
	Stake      uint64 // Staker: bonded stake
	Jailed     bool
	Tombstoned bool
}

// ElectionConfig holds the genesis parameters the election reads.
type ElectionConfig struct {
	Mode              string // "poa", "pos" or "hybrid"
	MaxValidators     uint32 // at most this many validators
	MinSelfStake      uint64 // a staker below this is not eligible
	StakePerPower     uint64 // power = stake / StakePerPower
	MaxStakerShareBps uint32 // hybrid: stakers hold at most this share of the power
	ChurnBps          uint32 // power that may move per epoch, in bps of the old total
}

// MaxChurnBps bounds ChurnBps: with at most a third of the old power
// moving, consecutive sets share more than 2/3 of the old set's power.
const MaxChurnBps = types.MaxChurnBps

// ElectionConfigOf is the election config of a genesis (its defaults
// applied, docs/spec.md §11).
func ElectionConfigOf(g *types.Genesis) ElectionConfig {
	p := g.Params.PoS()
	return ElectionConfig{Mode: g.ConsensusMode, MaxValidators: g.Params.MaxValidators, MinSelfStake: p.MinSelfStake,
		StakePerPower: p.StakePerPower, MaxStakerShareBps: p.MaxStakerShareBps, ChurnBps: p.ChurnBps}
}

// Move is one validator's change of power between two sets.
type Move struct {
	Address  types.Address
	Old, New uint64
	Reason   string
}

// ElectionReport says what an election changed and what it deferred.
type ElectionReport struct {
	Entered, Left, Changed []Move // applied, in application order
	// Deferred is the distance (in power) between the new set and the
	// target that the churn limit left for later epochs.
	Deferred uint64
	// Kept is set when the election kept the previous set, and says why.
	Kept string
}

// Elect returns the validator set of the next epoch (docs/spec.md §17):
// the target set of cfg.Mode from the candidates, reached from prev as far
// as the churn limit allows. It is a pure function of its inputs.
func Elect(cfg ElectionConfig, prev *Set, cands []Candidate) (*Set, ElectionReport, error) {
	var rep ElectionReport
	if err := cfg.validate(); err != nil {
		return nil, rep, err
	}
	if prev == nil {
		return nil, rep, fmt.Errorf("%w: no previous set", ErrInvalidElection)
	}
	byAddr, err := checkCandidates(cands, prev)
	if err != nil {
		return nil, rep, err
	}
	if cfg.Mode == "poa" {
		return prev, rep, nil
	}
	target, reasons := cfg.target(cands)

	// The union of the old and target members, with their moves.
	type move struct {
		addr     types.Address
		old, new uint64
		class    int // 0: tombstoned leaves, 1: jailed leaves, 2: increases, 3: other decreases
		reason   string
		applied  bool
	}
	moves := make(map[types.Address]*move, prev.Size()+len(target))
	for i := 0; i < prev.Size(); i++ {
		v := prev.vals[i]
		moves[v.Address] = &move{addr: v.Address, old: v.Weight}
	}
	for _, t := range target {
		m := moves[t.Address]
		if m == nil {
			m = &move{addr: t.Address}
			moves[t.Address] = m
		}
		m.new = t.Weight
	}
	var list []*move
	var distance uint64
	for _, m := range moves { // sorted below; the order here does not matter
		if m.old == m.new {
			continue
		}
		c, known := byAddr[m.addr]
		switch {
		case m.new == 0 && known && c.Tombstoned:
			m.class = 0
		case m.new == 0 && known && c.Jailed:
			m.class = 1
		case m.new > m.old:
			m.class = 2
		default:
			m.class = 3
		}
		m.reason = reasons[m.addr]
		if m.reason == "" {
			m.reason = "not a candidate"
		}
		list = append(list, m)
		distance += absDiff(m.old, m.new)
	}
	slices.SortFunc(list, func(a, b *move) int {
		if a.class != b.class {
			return cmp.Compare(a.class, b.class)
		}
		if da, db := absDiff(a.old, a.new), absDiff(b.old, b.new); da != db {
			return cmp.Compare(db, da) // larger moves first
		}
		return bytes.Compare(a.addr[:], b.addr[:])
	})

	// The schedule (docs/spec.md §17): moves in this order, within the
	// churn budget, the one that exhausts it partially (part of the way,
	// never to 0):
	//  1. forced exits: tombstoned, then jailed;
	//  2. increases, entries included; an entry that would take the set
	//     past max(its old size, max_validators) waits for a seat;
	//  3. while entries wait: the smallest other exit, then the largest
	//     waiting entry, in turn;
	//  4. the other decreases;
	//  5. increases still short of their target (the total stays below
	//     MaxTotalPower: an increase takes only the room left under it).
	// Within a group, the larger move first, then the lower address.
	// Growing before shrinking, and buying seats with the smallest exits,
	// keep the total (and so the next budget) from collapsing while a set
	// is replaced. The budget is at least 1, so a small set can always
	// grow; decreases stay within floor(churn_bps·T/10000) < T/3, so the
	// validators of the old set keep more than 2/3 of its power.
	decBudget := churnLimit(prev.TotalPower(), cfg.ChurnBps)
	budget := max(decBudget, 1)
	total := prev.TotalPower()
	sizeCap := max(prev.Size(), int(cfg.MaxValidators))
	size := prev.Size()
	result := make(map[types.Address]uint64, len(moves))
	for a, m := range moves {
		result[a] = m.old
	}
	var order []*move // in order of first application
	// apply moves m from where it stands toward its target as far as the
	// budget allows (decreases: within decBudget, which stays >= budget
	// whenever it is above 0; increases: within the room under
	// MaxTotalPower) and says whether it moved.
	apply := func(m *move) bool {
		cur := result[m.addr]
		allow := min(budget, MaxTotalPower-1-total)
		if m.new < cur {
			allow = min(budget, decBudget)
		}
		if cur == m.new || allow == 0 {
			return false
		}
		d := absDiff(cur, m.new)
		to := m.new
		if d > allow { // a partial move
			if m.new > cur {
				to = cur + allow
			} else {
				to = cur - allow
			}
			d = allow
		}
		budget -= d
		distance -= d
		if m.new < cur {
			decBudget -= d
			total -= d
		} else {
			total += d
		}
		switch {
		case cur == 0:
			size++
		case to == 0:
			size--
		}
		result[m.addr] = to
		if !m.applied {
			m.applied = true
			order = append(order, m)
		}
		return true
	}
	var waiting, exits []*move
	for _, m := range list { // groups 1 and 2
		switch {
		case m.class == 2 && m.old == 0 && size >= sizeCap:
			waiting = append(waiting, m)
		case m.class <= 2:
			apply(m)
		case m.new == 0:
			exits = append(exits, m)
		}
	}
	slices.SortFunc(exits, func(a, b *move) int { // smallest first
		if a.old != b.old {
			return cmp.Compare(a.old, b.old)
		}
		return bytes.Compare(a.addr[:], b.addr[:])
	})
	for len(waiting) > 0 && budget > 0 { // group 3
		if size < sizeCap {
			apply(waiting[0])
			waiting = waiting[1:]
			continue
		}
		if len(exits) == 0 || !apply(exits[0]) {
			break
		}
		exits = exits[1:]
	}
	for _, m := range list { // group 4
		if m.class == 3 {
			apply(m)
		}
	}
	// Group 5. Once every decrease is done the total is at most the
	// target's (below MaxTotalPower) and no entry lacks a seat, so with
	// group 5 an election moves min(budget, distance) whenever decBudget
	// started above 0.
	for _, m := range list {
		if m.class == 2 && (result[m.addr] > 0 || size < sizeCap) {
			apply(m)
		}
	}
	for _, m := range order {
		mv := Move{Address: m.addr, Old: m.old, New: result[m.addr], Reason: m.reason}
		switch {
		case m.old == 0:
			rep.Entered = append(rep.Entered, mv)
		case mv.New == 0:
			rep.Left = append(rep.Left, mv)
		default:
			rep.Changed = append(rep.Changed, mv)
		}
	}
	rep.Deferred = distance

	vals := make([]Validator, 0, len(result))
	for a, w := range result {
		if w == 0 {
			continue
		}
		if i, ok := prev.IndexOf(a); ok {
			v := prev.Get(i)
			v.Weight = w
			vals = append(vals, v)
			continue
		}
		c := byAddr[a]
		vals = append(vals, Validator{Address: a, PubKey: bytes.Clone(c.PubKey), BLSPubKey: c.BLSPubKey, Weight: w})
	}
	if len(vals) == 0 {
		rep = ElectionReport{Kept: "the election leaves no validator"}
		return prev, rep, nil
	}
	slices.SortFunc(vals, canonical)
	set, err := newSet(vals, prev)
	if err != nil { // an entrant's BLS key is not a valid point: the rest is checked above
		return nil, ElectionReport{}, fmt.Errorf("%w: %w: %w", ErrInvalidCandidate, ErrCandidateKey, err)
	}
	return set, rep, nil
}

// canonical orders a set: power descending, then address ascending.
func canonical(a, b Validator) int {
	if a.Weight != b.Weight {
		return cmp.Compare(b.Weight, a.Weight)
	}
	return bytes.Compare(a.Address[:], b.Address[:])
}

func (cfg ElectionConfig) validate() error {
	bad := func(f string, a ...any) error {
		return fmt.Errorf("%w: %s", ErrInvalidElection, fmt.Sprintf(f, a...))
	}
	switch cfg.Mode {
	case "poa":
		return nil
	case "pos", "hybrid":
	default:
		return fmt.Errorf("%w: %w %q: want poa, pos or hybrid", ErrInvalidElection, ErrUnknownMode, cfg.Mode)
	}
	switch {
	case cfg.MaxValidators == 0 || cfg.MaxValidators > types.MaxValidators:
		return bad("max_validators %d: want 1..%d", cfg.MaxValidators, types.MaxValidators)
	case cfg.StakePerPower == 0:
		return bad("stake_per_power is 0")
	case cfg.ChurnBps == 0 || cfg.ChurnBps > MaxChurnBps:
		return bad("churn_bps %d: want 1..%d", cfg.ChurnBps, MaxChurnBps)
	case cfg.MaxStakerShareBps > 10000:
		return bad("max_staker_share_bps %d: want 0..10000", cfg.MaxStakerShareBps)
	}
	return nil
}

// checkCandidates refuses malformed and duplicate candidates, and
// candidates whose keys disagree with the previous set (a member's keys
// never change; no one else may hold a member's BLS key), and indexes the
// rest by address.
func checkCandidates(cands []Candidate, prev *Set) (map[types.Address]*Candidate, error) {
	byAddr := make(map[types.Address]*Candidate, len(cands))
	blsSeen := make(map[bls.PublicKey]bool, len(cands))
	prevBLS := make(map[bls.PublicKey]types.Address, prev.Size())
	for i := range prev.vals {
		prevBLS[prev.vals[i].BLSPubKey] = prev.vals[i].Address
	}
	for i := range cands {
		c := &cands[i]
		bad := func(f string, a ...any) error {
			return fmt.Errorf("%w: candidate %d (%s): %w", ErrInvalidCandidate, i, c.Address, fmt.Errorf(f, a...))
		}
		switch {
		case c.Kind != Authority && c.Kind != Staker:
			return nil, bad("kind %d", c.Kind)
		case len(c.PubKey) != types.PubKeyLen:
			return nil, bad("%w: ed25519 key is %d bytes, want %d", ErrCandidateKey, len(c.PubKey), types.PubKeyLen)
		case types.AddressFromPubKey(c.PubKey) != c.Address:
			return nil, bad("%w: address does not match its key", ErrCandidateKey)
		case byAddr[c.Address] != nil:
			return nil, bad("%w: address", ErrDuplicateCandidate)
		case blsSeen[c.BLSPubKey]:
			return nil, bad("%w: BLS key", ErrDuplicateCandidate)
		}
		if owner, ok := prevBLS[c.BLSPubKey]; ok && owner != c.Address {
			return nil, bad("%w: BLS key of validator %s of the previous set", ErrDuplicateCandidate, owner)
		}
		if j, ok := prev.byAddr[c.Address]; ok && (prev.vals[j].BLSPubKey != c.BLSPubKey || !bytes.Equal(prev.vals[j].PubKey, c.PubKey)) {
			return nil, bad("%w: keys differ from its keys in the previous set", ErrCandidateKey)
		}
		byAddr[c.Address] = c
		blsSeen[c.BLSPubKey] = true
	}
	return byAddr, nil
}

// target is the set the mode asks for, ignoring churn, in canonical order,
// with the reason each candidate is in or out.
func (cfg ElectionConfig) target(cands []Candidate) ([]Validator, map[types.Address]string) {
	reasons := make(map[types.Address]string, len(cands))
	var auths, stakers []Validator
	for i := range cands {
		c := &cands[i]
		v := Validator{Address: c.Address, PubKey: c.PubKey, BLSPubKey: c.BLSPubKey}
		switch {
		case c.Tombstoned:
			reasons[c.Address] = "tombstoned"
		case c.Jailed:
			reasons[c.Address] = "jailed"
		case c.Kind == Authority && cfg.Mode == "hybrid":
			if c.Power == 0 {
				reasons[c.Address] = "authority without power"
				continue
			}
			v.Weight = min(c.Power, maxElectedPower)
			auths = append(auths, v)
			reasons[c.Address] = "authority"
		case c.Kind == Authority:
			reasons[c.Address] = "authorities have no power in pos"
		case c.Stake < cfg.MinSelfStake:
			reasons[c.Address] = "stake below min_self_stake"
		case c.Stake/cfg.StakePerPower == 0:
			reasons[c.Address] = "stake below one unit of power"
		default:
			v.Weight = min(c.Stake/cfg.StakePerPower, maxElectedPower)
			stakers = append(stakers, v)
			reasons[c.Address] = "stake"
		}
	}
	slices.SortFunc(auths, canonical)
	slices.SortFunc(stakers, canonical)
	if len(auths) > int(cfg.MaxValidators) {
		for _, v := range auths[cfg.MaxValidators:] {
			reasons[v.Address] = "outside max_validators"
		}
		auths = auths[:cfg.MaxValidators]
	}
	seats := int(cfg.MaxValidators) - len(auths)
	if len(stakers) > seats {
		for _, v := range stakers[seats:] {
			reasons[v.Address] = "outside max_validators"
		}
		stakers = stakers[:seats]
	}
	if cfg.Mode == "hybrid" && len(auths) > 0 && cfg.MaxStakerShareBps < 10000 {
		stakers = capStakers(auths, stakers, cfg.MaxStakerShareBps, reasons)
	}
	out := append(auths, stakers...)
	slices.SortFunc(out, canonical)
	return out, reasons
}

// maxElectedPower bounds one elected validator's power so that a full set
// stays below MaxTotalPower.
const maxElectedPower = MaxTotalPower / (types.MaxValidators + 1)

// capStakers scales the stakers' powers down, proportionally and with
// floors, so that they hold at most shareBps of the total power; a staker
// whose scaled power is 0 is left out.
func capStakers(auths, stakers []Validator, shareBps uint32, reasons map[types.Address]string) []Validator {
	var a, s uint64
	for _, v := range auths {
		a += v.Weight
	}
	for _, v := range stakers {
		s += v.Weight
	}
	// Stakers may hold S' with S'/(a+S') <= share: S' = floor(share·a / (10000 − share)).
	hi, lo := bits.Mul64(a, uint64(shareBps))
	d := 10000 - uint64(shareBps)
	if hi >= d { // the allowance does not fit in 64 bits: no cap binds
		return stakers
	}
	allowed, _ := bits.Div64(hi, lo, d)
	if s <= allowed {
		return stakers
	}
	out := stakers[:0]
	for _, v := range stakers {
		hi, lo := bits.Mul64(v.Weight, allowed) // allowed < s, so v.Weight·allowed/s < v.Weight
		w, _ := bits.Div64(hi, lo, s)
		if w == 0 {
			reasons[v.Address] = "scaled to 0 by max_staker_share_bps"
			continue
		}
		reasons[v.Address] = "stake, scaled by max_staker_share_bps"
		v.Weight = w
		out = append(out, v)
	}
	return out
}

// churnLimit is floor(churnBps · total / 10000): the power that may move in
// one election.
func churnLimit(total uint64, churnBps uint32) uint64 {
	hi, lo := bits.Mul64(total, uint64(churnBps))
	q, _ := bits.Div64(hi, lo, 10000) // hi < 10000: total < 2^60
	return q
}

func absDiff(a, b uint64) uint64 {
	if a > b {
		return a - b
	}
	return b - a
}
