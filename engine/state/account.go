package state

import "aitbc/engine/types"

// Account is the state of one address.
type Account struct {
	Balance uint64
	Nonce   uint64 // nonce of the last applied tx from this account; the next must be Nonce+1
}

// AccountUpdate is an account's state after a block.
type AccountUpdate struct {
	Address types.Address
	Account Account
}
