package rpc

import (
	"net/http"

	"aitbc/engine/state"
	"aitbc/engine/types"
	"aitbc/engine/validators"
)

// CodeNoStake: get_stake of an address without a stake record (404), on
// every address of a poa chain, which keeps none.
const CodeNoStake = "no_stake"

// The status of a stake record, or of a member of a validator set, in
// get_stake and get_validators. The first that applies wins.
const (
	StatusTombstoned = "tombstoned" // slashed for double-signing; never elected again
	StatusJailed     = "jailed"     // jailed for downtime or double-signing; UNJAIL from jailed_until
	StatusActive     = "active"     // in the validator set
	StatusCandidate  = "candidate"  // outside the set, eligible: bonded stake, or a hybrid chain's authority
	StatusUnbonding  = "unbonding"  // outside the set, nothing bonded, stake on its way back
	StatusInactive   = "inactive"   // outside the set with nothing bonded or unbonding
)

// stakeStatus is rec's status on a chain of mode; inSet says whether rec's
// address is in the validator set in question.
func stakeStatus(rec *state.StakeRecord, mode string, inSet bool) string {
	switch {
	case rec.Tombstoned:
		return StatusTombstoned
	case rec.Jailed:
		return StatusJailed
	case inSet:
		return StatusActive
	case rec.Bonded > 0, rec.Kind == state.KindAuthority && rec.Power > 0 && mode == "hybrid":
		return StatusCandidate
	case len(rec.Unbonding) > 0:
		return StatusUnbonding
	}
	return StatusInactive
}

// UnbondingJSON is one unbonding entry: Amount returns to the balance at
// the end of ReleaseHeight; it stays slashable for infractions from
// StartHeight (the UNSTAKE's height) on.
type UnbondingJSON struct {
	Amount        types.Amount `json:"amount"`
	ReleaseHeight uint64       `json:"release_height"`
	StartHeight   uint64       `json:"start_height"`
}

// StakeJSON is get_stake: an address's committed stake record
// (docs/spec.md §13.6) and its status against the set of the next height.
type StakeJSON struct {
	Address     types.Address   `json:"address"`
	Kind        string          `json:"kind"`   // authority or staker
	Status      string          `json:"status"` // Status*
	Power       types.Amount    `json:"power"`  // authority: its genesis weight; 0 for a staker (bonded / stake_per_power)
	PubKey      types.HexBytes  `json:"pub_key"`
	BLSPubKey   types.HexBytes  `json:"bls_pub_key"`
	Bonded      types.Amount    `json:"bonded"`
	Unbonding   []UnbondingJSON `json:"unbonding"` // in release order
	Jailed      bool            `json:"jailed"`
	JailedUntil uint64          `json:"jailed_until"` // height from which UNJAIL is allowed
	Tombstoned  bool            `json:"tombstoned"`
	MissedCount uint64          `json:"missed_count"` // blocks missed in the downtime window
}

func stakeJSON(rec *state.StakeRecord, status string) StakeJSON {
	out := StakeJSON{Address: rec.Address, Kind: rec.Kind.String(), Status: status, Power: types.Amount(rec.Power),
		PubKey: types.HexBytes(rec.PubKey[:]), BLSPubKey: types.HexBytes(rec.BLSPubKey[:]), Bonded: types.Amount(rec.Bonded),
		Unbonding: make([]UnbondingJSON, len(rec.Unbonding)), Jailed: rec.Jailed, JailedUntil: rec.JailedUntil,
		Tombstoned: rec.Tombstoned, MissedCount: rec.MissedCount}
	for i, u := range rec.Unbonding {
		out.Unbonding[i] = UnbondingJSON{Amount: types.Amount(u.Amount), ReleaseHeight: u.Release, StartHeight: u.Start}
	}
	return out
}

// getStake serves an address's stake record from the node's state.
func (s *Server) getStake(_ http.ResponseWriter, r *http.Request) (any, error) {
	addr, err := pathAddress(r)
	if err != nil {
		return nil, err
	}
	if _, err := queryParams(r); err != nil {
		return nil, err
	}
	mode, _ := s.b.Staking()
	rec, ok := s.b.Stake(addr)
	if !ok {
		if mode != "pos" && mode != "hybrid" {
			return nil, apiErr(http.StatusNotFound, CodeNoStake, "this chain runs %s: it keeps no stake records", mode)
		}
		return nil, apiErr(http.StatusNotFound, CodeNoStake, "%s has no stake record", addr)
	}
	set, _, err := s.b.ValidatorsAt(0)
	if err != nil {
		return nil, err
	}
	_, inSet := set.IndexOf(addr)
	return stakeJSON(&rec, stakeStatus(&rec, mode, inSet)), nil
}

// getValidators serves the set that signs ?height= (default: the next
// height) from the node's sets by epoch, each member joined with its
// stake record in the committed state.
func (s *Server) getValidators(_ http.ResponseWriter, r *http.Request) (any, error) {
	q, err := queryParams(r, "height")
	if err != nil {
		return nil, err
	}
	height, err := uintParam(q, "height", CodeBadHeight, 1, 1<<63-1, 0)
	if err != nil {
		return nil, err
	}
	set, epoch, err := s.b.ValidatorsAt(height)
	if err != nil {
		return nil, err
	}
	mode, length := s.b.Staking()
	return validatorsJSON(set, epoch, length, mode, s.b.Stake), nil
}

func validatorsJSON(set *validators.Set, epoch, epochLength uint64, mode string, stake func(types.Address) (state.StakeRecord, bool)) ValidatorsResponse {
	out := ValidatorsResponse{Epoch: epoch, StartHeight: epoch*epochLength + 1, TotalPower: types.Amount(set.TotalPower()), TotalWeight: types.Amount(set.TotalPower()),
		Validators: make([]ValidatorJSON, set.Size())}
	for i := range out.Validators {
		v := set.Get(i)
		vj := ValidatorJSON{Index: i, Address: v.Address, PubKey: types.HexBytes(v.PubKey), BLSPubKey: types.HexBytes(v.BLSPubKey[:]),
			Power: types.Amount(v.Weight), Weight: types.Amount(v.Weight), Kind: state.KindAuthority.String(), Status: StatusActive}
		if rec, ok := stake(v.Address); ok {
			vj.Kind, vj.Stake, vj.Missed = rec.Kind.String(), types.Amount(rec.Bonded), rec.MissedCount
			vj.Status = stakeStatus(&rec, mode, true)
		}
		out.Validators[i] = vj
	}
	return out
}
