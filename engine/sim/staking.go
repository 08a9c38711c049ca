package sim

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"math/rand"
	"time"

	"aitbc/engine"
	"aitbc/engine/bls"
	"aitbc/engine/enginetest"
	"aitbc/engine/epochs"
	"aitbc/engine/exec"
	"aitbc/engine/state"
	"aitbc/engine/types"
	"aitbc/engine/validators"
	"aitbc/engine/validators/valtest"
)

// Staking makes a run a pos or hybrid chain whose validator set changes
// (docs/spec.md §13.6, §17). The first Config.Validators nodes are the
// genesis authorities (power AuthorityPower each); Stakers more nodes run
// validator keys that are not in genesis, with funded accounts, and the
// Plan's events make them stake, unstake or go down for good. The
// cluster re-executes the chain on a replica as it commits (the first
// commit of each height) and checks every certificate against the set of
// its own height there.
type Staking struct {
	Mode           string // "hybrid" or "pos"
	EpochLength    uint64
	Stakers        int
	AuthorityPower uint64
	// Plan is what the stakers do, at simulated times from the start.
	Plan []StakeEvent
}

// StakeEvent is one staker's action.
type StakeEvent struct {
	At     time.Duration
	Staker int    // 0 … Stakers−1
	Kind   string // "stake" (registers on the first), "unstake", "unjail" or "down" (crash for good)
	Amount uint64
}

// Staking params of simulated chains: a staker bonding StakeUnit has the
// power of one authority; a validator that misses more than half of a
// 20-block window is jailed for 30 blocks; unbonding takes 40 blocks.
const (
	StakeUnit           = 10_000
	simStakePerPower    = 1_000
	simAuthorityPower   = 10
	simSignedWindow     = 20
	simDowntimeJail     = 30
	simUnbondingPeriod  = 40
	simMaxEvidenceAge   = 20
	simStakerBalance    = 1_000_000
	simChurnBps         = 2500
	simMaxStakerShare   = 5000
	stakeRetryInterval  = 250 * time.Millisecond
	stakerKeyIndexStart = 1000 // valtest validator numbers of stakers: no clash with authorities
)

// stakingGenesis turns c.Gen into a staking chain: authorities with
// AuthorityPower, the params above, and the stakers' funded accounts.
func (c *Cluster) stakingGenesis(s *Staking) {
	g := c.Gen
	g.ConsensusMode = s.Mode
	g.Params.EpochLength = s.EpochLength
	g.Params.MinSelfStake, g.Params.StakePerPower = simStakePerPower, simStakePerPower
	g.Params.MaxStakerShareBps, g.Params.ChurnBps = simMaxStakerShare, simChurnBps
	g.Params.SignedBlocksWindow, g.Params.MinSignedBps, g.Params.DowntimeJailBlocks = simSignedWindow, 5000, simDowntimeJail
	g.Params.UnbondingPeriod, g.Params.MaxEvidenceAge = simUnbondingPeriod, simMaxEvidenceAge
	for i := range g.Authorities {
		g.Authorities[i].Weight = s.AuthorityPower
	}
	for i := 0; i < s.Stakers; i++ {
		v, _ := valtest.Validator(stakerKeyIndexStart+i, 1)
		g.Accounts = append(g.Accounts, types.GenesisAccount{Address: v.Address, Balance: simStakerBalance})
	}
}

// replica is the cluster's own execution of the chain: the state and sets
// as of height, advanced by the first commit of each height.
type replica struct {
	st     *state.State
	hist   *epochs.History
	height uint64
}

func newReplica(g *types.Genesis, gen *validators.Set) (*replica, error) {
	st, err := state.FromGenesis(g)
	if err != nil {
		return nil, err
	}
	hist, err := epochs.New(g, gen)
	if err != nil {
		return nil, err
	}
	return &replica{st: st, hist: hist}, nil
}

// setAt is the set that signs height on the replica (nil if unknown).
func (c *Cluster) setAt(height uint64) *validators.Set {
	if c.rep == nil {
		return c.Vals
	}
	return c.rep.hist.At(height)
}

// follow re-executes the first commit of the replica's next height.
func (c *Cluster) follow(cb *engine.CommittedBlock) {
	r := c.rep
	if r == nil || cb.Block.Header.Height != r.height+1 {
		return
	}
	if _, err := exec.Replay(r.st, r.hist, cb.Block, cb.Cert); err != nil {
		c.violate("validity: the replica cannot execute block %d: %v", cb.Block.Header.Height, err)
		c.rep = nil
		return
	}
	r.height++
}

// stakerIndex is the node index of staker k.
func (c *Cluster) stakerIndex(k int) int { return c.cfg.Validators + k }

// schedulePlan schedules the staking plan's events from start.
func (c *Cluster) schedulePlan(start time.Time) {
	s := c.cfg.Staking
	if s == nil {
		return
	}
	for _, ev := range s.Plan {
		ev := ev
		c.Sched.At(start.Add(ev.At), func() {
			c.record("%d staking %s staker=%d amount=%d", c.Sched.Now().Sub(enginetest.Epoch), ev.Kind, ev.Staker, ev.Amount)
			switch ev.Kind {
			case "down":
				i := c.stakerIndex(ev.Staker)
				c.retired[i] = true
				c.Crash(i)
			default:
				c.stakeTx(ev)
			}
		})
	}
}

// stakeTx signs the event's tx with the staker's next nonce and submits it
// to an up node until the chain has executed it (the staker's account
// nonce reaches it on the replica), so a tx lost to a crash is sent again.
func (c *Cluster) stakeTx(ev StakeEvent) {
	_, k := valtest.Validator(stakerKeyIndexStart+ev.Staker, 1)
	c.stakeNonce[ev.Staker]++
	tx := &types.Tx{ChainID: c.Gen.ChainID, Nonce: c.stakeNonce[ev.Staker], Amount: ev.Amount}
	switch ev.Kind {
	case "stake":
		tx.Type = types.TxStake
		if !c.registered[ev.Staker] {
			c.registered[ev.Staker] = true
			pop := bls.ProvePossession(k.BLS)
			tx.Payload = (&types.StakePayload{BLSPubKey: k.BLS.PublicKey(), PoP: pop}).Encode()
		}
	case "unstake":
		tx.Type = types.TxUnstake
	case "unjail":
		tx.Type, tx.Amount = types.TxUnjail, 0
	default:
		c.violate("staking plan: unknown event %q", ev.Kind)
		return
	}
	p := c.Gen.Params
	tx.Fee = uint64(p.BaseFee) + uint64(p.FeePerByte)*uint64(tx.Size()+types.SigLen+types.PubKeyLen)
	tx.Sign(k.Ed25519)
	c.Sched.Every(stakeRetryInterval, func() bool {
		if c.rep == nil || c.rep.st.Account(tx.From()).Nonce >= tx.Nonce {
			return false // executed (or the replica is gone)
		}
		var up []int
		for i, n := range c.Nodes {
			if n.Up() && !c.Byzantine(i) {
				up = append(up, i)
			}
		}
		if len(up) == 0 {
			return true
		}
		i := up[c.rng.Intn(len(up))]
		if _, err := c.Nodes[i].Machine.SubmitTx(context.Background(), tx); err == nil {
			c.record("%d submit-staking %s %s", c.Sched.Now().Sub(enginetest.Epoch), c.Nodes[i].ID, tx.Hash())
		}
		return true
	})
}

// StakeRecord is staker k's record on the replica at the end of the run.
func (c *Cluster) StakeRecord(k int) (state.StakeRecord, bool) {
	if c.rep == nil {
		return state.StakeRecord{}, false
	}
	v, _ := valtest.Validator(stakerKeyIndexStart+k, 1)
	return c.rep.st.Stake(v.Address)
}

// StakerAddress is staker k's account and validator address.
func StakerAddress(k int) types.Address {
	v, _ := valtest.Validator(stakerKeyIndexStart+k, 1)
	return v.Address
}

// SetAt is the set that signs height, as the cluster's replica executed
// the chain (nil if unknown).
func (c *Cluster) SetAt(height uint64) *validators.Set { return c.setAt(height) }

// ReplicaHeight is the height the replica has executed.
func (c *Cluster) ReplicaHeight() uint64 {
	if c.rep == nil {
		return 0
	}
	return c.rep.height
}

func (s *Staking) validate(validatorsN int) error {
	switch {
	case s.Mode != "pos" && s.Mode != "hybrid":
		return fmt.Errorf("sim: staking mode %q: want pos or hybrid", s.Mode)
	case s.EpochLength == 0:
		return fmt.Errorf("sim: staking epoch length 0")
	case s.Stakers < 0 || validatorsN+s.Stakers > types.MaxValidators:
		return fmt.Errorf("sim: %d stakers", s.Stakers)
	}
	for _, ev := range s.Plan {
		if ev.Staker < 0 || ev.Staker >= s.Stakers {
			return fmt.Errorf("sim: staking plan names staker %d of %d", ev.Staker, s.Stakers)
		}
	}
	return nil
}

// WithStaking makes cfg a run of a mode ("pos" or "hybrid") chain with
// three stakers whose plan the seed draws: each stakes one StakeUnit (the
// power of one authority) at a random time in the first 6 s; each may
// unstake everything 8–18 s in, and stake again 3–6 s later; on a hybrid
// chain one may instead go down for good 8–18 s in (jailed for downtime,
// then out of the set). At most one staker goes down, so with a crashed
// or byzantine node beside it the faulty power stays below a third. The
// run lasts at least 30 s (8 s quiet) with epochs of 5 to 14 blocks, so
// the set changes several times, faults included.
func WithStaking(cfg Config, mode string) (Config, error) {
	rng := rand.New(rand.NewSource(cfg.Seed*7919 + 17))
	s := &Staking{Mode: mode, EpochLength: 5 + uint64(rng.Intn(10)), Stakers: 3}
	if err := s.validate(cfg.Validators); err != nil {
		return cfg, err
	}
	between := func(lo, hi time.Duration) time.Duration { return lo + time.Duration(rng.Int63n(int64(hi-lo))) }
	down := -1
	if mode == "hybrid" && rng.Intn(2) == 0 {
		down = rng.Intn(s.Stakers)
	}
	for k := 0; k < s.Stakers; k++ {
		s.Plan = append(s.Plan, StakeEvent{At: between(100*time.Millisecond, 6*time.Second), Staker: k, Kind: "stake", Amount: StakeUnit})
		switch {
		case k == down:
			s.Plan = append(s.Plan, StakeEvent{At: between(8*time.Second, 18*time.Second), Staker: k, Kind: "down"})
		case rng.Intn(3) == 0:
			at := between(8*time.Second, 18*time.Second)
			s.Plan = append(s.Plan, StakeEvent{At: at, Staker: k, Kind: "unstake", Amount: StakeUnit},
				StakeEvent{At: at + between(3*time.Second, 6*time.Second), Staker: k, Kind: "stake", Amount: StakeUnit})
		}
	}
	cfg.Staking = s
	if cfg.Duration < 30*time.Second {
		cfg.Duration, cfg.Quiet = 30*time.Second, 8*time.Second
	}
	return cfg, nil
}

// checkSupply checks docs/spec.md §13.6's conservation on what n stores:
// Σ balances + Σ bonded + Σ unbonding = Σ genesis balances + minted −
// slashed, in 128 bits (no sum can wrap).
func (c *Cluster) checkSupply(n *Node) {
	var held, want big.Int
	add := func(z *big.Int, v uint64) { z.Add(z, new(big.Int).SetUint64(v)) }
	// The store holds the accounts commits touched, over genesis.
	balances := map[types.Address]uint64{}
	for _, a := range c.Gen.Accounts {
		add(&want, uint64(a.Balance))
		balances[a.Address] = uint64(a.Balance)
	}
	if err := n.Store.LoadAccounts(func(addr types.Address, a state.Account) error { balances[addr] = a.Balance; return nil }); err != nil {
		c.violate("supply: load accounts: %v", err)
		return
	}
	for _, b := range balances { // a sum: order does not matter
		add(&held, b)
	}
	var sup state.Supply
	err := n.Store.LoadStaking(engine.StakingRestore{
		Stake: func(r state.StakeRecord) error {
			add(&held, r.Bonded)
			for _, u := range r.Unbonding {
				add(&held, u.Amount)
			}
			return nil
		},
		Evidence: func(types.Hash) error { return nil },
		Supply:   func(v state.Supply) error { sup = v; return nil },
		Set:      func(uint64, *validators.Set) error { return nil },
	})
	if err != nil {
		c.violate("supply: load staking state: %v", err)
		return
	}
	add(&want, sup.Minted)
	want.Sub(&want, new(big.Int).SetUint64(sup.Slashed))
	if held.Cmp(&want) != 0 {
		c.violate("supply: node %d holds %s (balances, bonded, unbonding), genesis + minted %d − slashed %d = %s", n.Index, &held, sup.Minted, sup.Slashed, &want)
	}
	c.supplyHeld = held.String()
}

// checkSets (staking runs): every elected set a running node reports,
// those it keeps in memory and the older ones it reads back from its
// store (epochs.History.Bound), is the replica's set of that epoch.
func (c *Cluster) checkSets(n *Node) {
	if c.rep == nil || n.Machine == nil || !n.Up() {
		return
	}
	L := c.Gen.Params.EpochLength
	for e := uint64(2); ; e++ {
		want := c.rep.hist.Epoch(e)
		if want == nil {
			return
		}
		got, epoch, err := n.Machine.ValidatorsAt(e*L + 1)
		if errors.Is(err, engine.ErrNotFound) {
			return // the node is behind the replica
		}
		if err != nil || epoch != e || got == nil || got.Hash() != want.Hash() {
			var h types.Hash
			if got != nil {
				h = got.Hash()
			}
			c.violate("sets: node %d reports for epoch %d the set of epoch %d, %s (%v); the replica elected %s", n.Index, e, epoch, h, err, want.Hash())
			return
		}
	}
}

// SupplyHeld is what the last supply check counted (balances, bonded and
// unbonding), in decimal; empty for runs without staking.
func (c *Cluster) SupplyHeld() string { return c.supplyHeld }
