package index

import (
	"aitbc/engine/types"
)

// Option configures Open.
type Option func(*options)

type options struct {
	genesis  *types.Genesis
	maxConns int
}

func defaultOptions() options { return options{maxConns: pgMaxOpenConns} }

// WithGenesis ties the index to a chain. Open records the genesis hash on
// a new database and refuses one written for another chain (ErrWrongChain);
// it fills validators epoch 0 from the genesis authorities; and the
// genesis mint_per_unit prices the receipts of blocks that arrive without
// their Receipts (blocks re-read from the store). Without it the index
// takes any chain and refuses a claim block that lacks its Receipts.
func WithGenesis(g *types.Genesis) Option { return func(o *options) { o.genesis = g } }

// WithMaxConns bounds a PostgreSQL pool (default 16); SQLite ignores it
// (one writer connection, a fixed read pool).
func WithMaxConns(n int) Option {
	return func(o *options) {
		if n > 0 {
			o.maxConns = n
		}
	}
}
