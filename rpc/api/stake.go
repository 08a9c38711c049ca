package api

import "aitbc/engine/types"

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
