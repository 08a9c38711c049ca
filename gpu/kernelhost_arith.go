package gpu

/*
#include "kernelhost.h"
*/
import "C"

import "unsafe"

// Go views of the C test hooks in kernelhost_arith.c, so the tests can
// compare each layer of the cuda/ arithmetic with a Go reference (cgo is
// not available in _test.go files). Nothing else calls them. Field
// elements and scalars are 32-byte little-endian strings.

type khFe2 func(out, a, b *C.uint8_t)
type khFe1 func(out, a *C.uint8_t)

func khFeOp2(f khFe2, a, b [32]byte) (out [32]byte) {
	f(khBytes(out[:]), khBytes(a[:]), khBytes(b[:]))
	return out
}

func khFeOp1(f khFe1, a [32]byte) (out [32]byte) {
	f(khBytes(out[:]), khBytes(a[:]))
	return out
}

func khFeMul(a, b [32]byte) [32]byte {
	return khFeOp2(func(o, x, y *C.uint8_t) { C.aitbc_kh_fe_mul(o, x, y) }, a, b)
}

func khFeAdd(a, b [32]byte) [32]byte {
	return khFeOp2(func(o, x, y *C.uint8_t) { C.aitbc_kh_fe_add(o, x, y) }, a, b)
}

func khFeSub(a, b [32]byte) [32]byte {
	return khFeOp2(func(o, x, y *C.uint8_t) { C.aitbc_kh_fe_sub(o, x, y) }, a, b)
}

func khFeSq(a [32]byte) [32]byte {
	return khFeOp1(func(o, x *C.uint8_t) { C.aitbc_kh_fe_sq(o, x) }, a)
}

func khFeSq2(a [32]byte) [32]byte {
	return khFeOp1(func(o, x *C.uint8_t) { C.aitbc_kh_fe_sq2(o, x) }, a)
}

func khFeNeg(a [32]byte) [32]byte {
	return khFeOp1(func(o, x *C.uint8_t) { C.aitbc_kh_fe_neg(o, x) }, a)
}

func khFeInvert(a [32]byte) [32]byte {
	return khFeOp1(func(o, x *C.uint8_t) { C.aitbc_kh_fe_invert(o, x) }, a)
}

func khFePow22523(a [32]byte) [32]byte {
	return khFeOp1(func(o, x *C.uint8_t) { C.aitbc_kh_fe_pow22523(o, x) }, a)
}

// khFeSqrtRatio returns a square root of u/v and true, or false.
func khFeSqrtRatio(u, v [32]byte) (out [32]byte, ok bool) {
	ok = C.aitbc_kh_fe_sqrt_ratio(khBytes(out[:]), khBytes(u[:]), khBytes(v[:])) == 1
	return out, ok
}

func khFeIsNegative(a [32]byte) bool { return C.aitbc_kh_fe_isnegative(khBytes(a[:])) == 1 }

// khFeMulWide returns (a0+a1+a2)(b0-b1-b2), multiplying unreduced sums as
// the group formulas do.
func khFeMulWide(a, b [3][32]byte) (out [32]byte) {
	C.aitbc_kh_fe_mul_wide(khBytes(out[:]), khBytes(a[0][:]), khBytes(b[0][:]))
	return out
}

func khScReduce64(in [64]byte) (out [32]byte) {
	C.aitbc_kh_sc_reduce64(khBytes(out[:]), khBytes(in[:]))
	return out
}

func khScIsCanonical(s [32]byte) bool { return C.aitbc_kh_sc_is_canonical(khBytes(s[:])) == 1 }

func khScSlide(a [32]byte, w int) (out [256]int8) {
	C.aitbc_kh_sc_slide((*C.int8_t)(unsafe.Pointer(&out[0])), khBytes(a[:]), C.int(w))
	return out
}

// khSHA512 hashes data fed to the streaming API in pieces that end at each
// of cuts (ascending, the last one len(data)).
func khSHA512(data []byte, cuts []uint64) (out [64]byte) {
	buf := append(append([]byte{}, data...), 0) // never empty
	C.aitbc_kh_sha512(khBytes(out[:]), khBytes(buf), (*C.uint64_t)(unsafe.Pointer(&cuts[0])), C.size_t(len(cuts)))
	return out
}

// khGeDecode decodes enc under ZIP-215 and returns its canonical encoding.
func khGeDecode(enc [32]byte) (out [32]byte, ok bool) {
	ok = C.aitbc_kh_ge_decode(khBytes(out[:]), khBytes(enc[:])) == 1
	return out, ok
}

// khGeDoubleScalarMult returns the encoding of [a]A + [b]B.
func khGeDoubleScalarMult(a, pa, b [32]byte) (out [32]byte, ok bool) {
	ok = C.aitbc_kh_ge_double_scalarmult(khBytes(out[:]), khBytes(a[:]), khBytes(pa[:]), khBytes(b[:])) == 1
	return out, ok
}

func khGeIsSmallOrder(enc [32]byte) bool { return C.aitbc_kh_ge_is_small_order(khBytes(enc[:])) == 1 }

// khCudaStamp is the header digest compiled into this build.
func khCudaStamp() string { return C.GoString(C.aitbc_kh_cuda_stamp()) }
