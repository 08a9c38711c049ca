package exec

import (
	"errors"
	"fmt"
	"time"

	"aitbc/engine/types"
)

// ErrUntimely: a proposal's block time is outside the window the time
// rule allows around the local clock. Not a fault of the peer that
// relayed it (clocks drift, messages are late): the proposal is dropped,
// not penalized, and the validator prevotes nil if no timely proposal
// arrives.
var ErrUntimely = errors.New("untimely proposal")

// Timely is the block time rule (docs/spec.md §14.13) for a proposal first
// seen at local time now: its block time t must satisfy
//
//	now − precision − msg_delay ≤ t ≤ now + precision
//
// (all in Unix ms, with the genesis params). A re-proposal that cites a
// POL round is exempt (2/3 found it timely in that round), as is every
// block applied by block sync or decided by a certificate: the rule
// decides prevotes, not validity.
func Timely(t uint64, now time.Time, p types.Params) error {
	local := now.UnixMilli()
	if local < 0 {
		local = 0
	}
	l := uint64(local)
	prec, delay := p.TimePrecision(), p.TimeMsgDelay()
	if t > l+prec {
		return fmt.Errorf("%w: block time %d is %d ms ahead of the local clock (precision %d ms)", ErrUntimely, t, t-l, prec)
	}
	if t+prec+delay < l {
		return fmt.Errorf("%w: block time %d is %d ms behind the local clock (precision %d + message delay %d ms)", ErrUntimely, t, l-t, prec, delay)
	}
	return nil
}
