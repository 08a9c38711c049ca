package exec

import (
	"fmt"

	"aitbc/engine/types"
)

// SetHashError is a header whose commitment to a validator set is not the
// set this node expects: Field is "validators_hash" (the set that signs
// the block's height) or "next_validators_hash" (the set that signs
// height+1, docs/spec.md §3). Validate returns it wrapped in
// engine.ErrInvalidBlock, so callers that only sort by sentinel keep
// working and those that need the field get it with errors.As.
type SetHashError struct {
	Field  string
	Height uint64 // the height whose set was expected
	Got    types.Hash
	Want   types.Hash
}

func (e *SetHashError) Error() string {
	return fmt.Sprintf("%s %s, the set of height %d is %s", e.Field, e.Got, e.Height, e.Want)
}
