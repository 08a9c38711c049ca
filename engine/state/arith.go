package state

import (
	"math/bits"

	"aitbc/engine/types"
)

// Checked uint64 arithmetic: amounts never wrap (ok is false on overflow).

func add64(a, b uint64) (uint64, bool) {
	s, carry := bits.Add64(a, b, 0)
	return s, carry == 0
}

func mul64(a, b uint64) (uint64, bool) {
	hi, lo := bits.Mul64(a, b)
	return lo, hi == 0
}

// minFee is base_fee + fee_per_byte × size; ok is false if it overflows.
func minFee(p *types.Params, tx *types.Tx) (uint64, bool) {
	perByte, ok := mul64(uint64(p.FeePerByte), uint64(tx.Size()))
	if !ok {
		return 0, false
	}
	return add64(uint64(p.BaseFee), perByte)
}
