package consensus

import (
	"fmt"

	"aitbc/engine/types"
)

// MaxTimeoutTicks bounds every configured timeout.
const MaxTimeoutTicks = 1 << 30

// Config parameterizes the core. Timeouts are in ticks of the caller's
// clock (the pipeline ticks every 10 ms, so 100 ticks is one second).
type Config struct {
	ChainID string
	// TimeoutPropose is how long a round waits for the proposal (round 0).
	TimeoutPropose int
	// TimeoutPrevote is how long to wait for a decisive prevote after
	// seeing 2/3 of any prevotes (round 0).
	TimeoutPrevote int
	// TimeoutPrecommit is how long to wait for a decisive precommit after
	// seeing 2/3 of any precommits, before moving to the next round.
	TimeoutPrecommit int
	// TimeoutDelta is added to the three round timeouts per round, so that
	// rounds lengthen until the network's real delay fits in them.
	TimeoutDelta int
	// TimeoutCommit is the wait after a commit before the next height
	// starts: the block time. It gives late votes and slow nodes time to
	// arrive, and paces the chain.
	TimeoutCommit int
	// Responsive ends the commit wait early, once TimeoutCommitMin ticks
	// have passed, when the pipeline asks to go on (Proceed: txs are
	// waiting) or the next height's proposal arrives. TimeoutCommit stays
	// the longest wait: an idle chain's block interval.
	Responsive bool
	// TimeoutCommitMin is the least wait after a commit in responsive
	// mode (<= TimeoutCommit).
	TimeoutCommitMin int
}

// DefaultConfig has CometBFT's default timeouts in 10 ms ticks and a one
// second block time.
func DefaultConfig() Config {
	return Config{
		ChainID:          "aitbc-devnet",
		TimeoutPropose:   300,
		TimeoutPrevote:   100,
		TimeoutPrecommit: 100,
		TimeoutDelta:     50,
		TimeoutCommit:    100,
	}
}

// Validate checks every field and names the first bad one.
func (c Config) Validate() error {
	if err := types.ValidateChainID(c.ChainID); err != nil {
		return fmt.Errorf("%w: ChainID: %v", ErrInvalidConfig, err)
	}
	for _, f := range []struct {
		name string
		v    int
		min  int
	}{
		{"TimeoutPropose", c.TimeoutPropose, 1},
		{"TimeoutPrevote", c.TimeoutPrevote, 1},
		{"TimeoutPrecommit", c.TimeoutPrecommit, 1},
		{"TimeoutDelta", c.TimeoutDelta, 0},
		{"TimeoutCommit", c.TimeoutCommit, 0},
		{"TimeoutCommitMin", c.TimeoutCommitMin, 0},
	} {
		if f.v < f.min || f.v > MaxTimeoutTicks {
			return fmt.Errorf("%w: %s = %d ticks, want %d..%d", ErrInvalidConfig, f.name, f.v, f.min, MaxTimeoutTicks)
		}
	}
	if c.TimeoutCommitMin > c.TimeoutCommit {
		return fmt.Errorf("%w: TimeoutCommitMin = %d ticks above TimeoutCommit = %d", ErrInvalidConfig, c.TimeoutCommitMin, c.TimeoutCommit)
	}
	return nil
}

// timeout is base + round·delta ticks, capped.
func (c Config) timeout(base int, round uint32) uint64 {
	t := uint64(base) + uint64(round)*uint64(c.TimeoutDelta)
	return min(t, 1<<40)
}
