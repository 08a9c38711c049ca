package rpc

import (
	"net/http"

	"aitbc/engine/state"
	"aitbc/engine/types"
	"aitbc/engine/validators"
	"aitbc/rpc/api"
)

// stakeStatus is rec's status on a chain of mode; inSet says whether rec's
// address is in the validator set in question.
func stakeStatus(rec *state.StakeRecord, mode string, inSet bool) string {
	switch {
	case rec.Tombstoned:
		return api.StatusTombstoned
	case rec.Jailed:
		return api.StatusJailed
	case inSet:
		return api.StatusActive
	case rec.Bonded > 0, rec.Kind == state.KindAuthority && rec.Power > 0 && mode == "hybrid":
		return api.StatusCandidate
	case len(rec.Unbonding) > 0:
		return api.StatusUnbonding
	}
	return api.StatusInactive
}

func stakeJSON(rec *state.StakeRecord, status string) api.StakeJSON {
	out := api.StakeJSON{Address: rec.Address, Kind: rec.Kind.String(), Status: status, Power: types.Amount(rec.Power),
		PubKey: types.HexBytes(rec.PubKey[:]), BLSPubKey: types.HexBytes(rec.BLSPubKey[:]), Bonded: types.Amount(rec.Bonded),
		Unbonding: make([]api.UnbondingJSON, len(rec.Unbonding)), Jailed: rec.Jailed, JailedUntil: rec.JailedUntil,
		Tombstoned: rec.Tombstoned, MissedCount: rec.MissedCount}
	for i, u := range rec.Unbonding {
		out.Unbonding[i] = api.UnbondingJSON{Amount: types.Amount(u.Amount), ReleaseHeight: u.Release, StartHeight: u.Start}
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
			return nil, apiErr(http.StatusNotFound, api.CodeNoStake, "this chain runs %s: it keeps no stake records", mode)
		}
		return nil, apiErr(http.StatusNotFound, api.CodeNoStake, "%s has no stake record", addr)
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
	height, err := uintParam(q, "height", api.CodeBadHeight, 1, 1<<63-1, 0)
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

func validatorsJSON(set *validators.Set, epoch, epochLength uint64, mode string, stake func(types.Address) (state.StakeRecord, bool)) api.ValidatorsResponse {
	out := api.ValidatorsResponse{Epoch: epoch, StartHeight: epoch*epochLength + 1, TotalPower: types.Amount(set.TotalPower()), TotalWeight: types.Amount(set.TotalPower()),
		Validators: make([]api.ValidatorJSON, set.Size())}
	for i := range out.Validators {
		v := set.Get(i)
		vj := api.ValidatorJSON{Index: i, Address: v.Address, PubKey: types.HexBytes(v.PubKey), BLSPubKey: types.HexBytes(v.BLSPubKey[:]),
			Power: types.Amount(v.Weight), Weight: types.Amount(v.Weight), Kind: state.KindAuthority.String(), Status: api.StatusActive}
		if rec, ok := stake(v.Address); ok {
			vj.Kind, vj.Stake, vj.Missed = rec.Kind.String(), types.Amount(rec.Bonded), rec.MissedCount
			vj.Status = stakeStatus(&rec, mode, true)
		}
		out.Validators[i] = vj
	}
	return out
}
