package gpu

import (
	"bytes"
	"crypto/sha512"
	"math/big"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"filippo.io/edwards25519"
)

// Layer-by-layer tests of the cuda/ arithmetic (through the kernel-host
// hooks) against math/big, crypto/sha512 and filippo.io/edwards25519, on
// edge values and on random inputs. The seed is random per run and
// printed; AITBC_SEED=<n> replays a run.

// khRand returns the run's random source and logs its seed.
func khRand(t testing.TB) *rand.Rand {
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("AITBC_SEED"); s != "" {
		v, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatalf("AITBC_SEED: %v", err)
		}
		seed = v
	}
	t.Logf("seed %d (replay with AITBC_SEED=%d)", seed, seed)
	return rand.New(rand.NewPCG(seed, seed^0x6a09e667f3bcc908))
}

// khIters is a test's iteration count: n, or long under AITBC_LONG=1.
func khIters(n, long int) int {
	if os.Getenv("AITBC_LONG") == "1" {
		return long
	}
	return n
}

func khLE(x *big.Int) (out [32]byte) {
	b := x.Bytes() // big-endian, minimal
	for i, v := range b {
		out[len(b)-1-i] = v
	}
	return out
}

func khFromLE(b []byte) *big.Int {
	be := slices.Clone(b)
	slices.Reverse(be)
	return new(big.Int).SetBytes(be)
}

// khFieldVal is the element a field input encodes: the low 255 bits, mod p.
func khFieldVal(a [32]byte) *big.Int {
	a[31] &= 0x7f
	return khModP(khFromLE(a[:]))
}

// khFieldInputs are edge values (0, 1, p-1, every non-canonical value
// p..2^255-1, limb-boundary patterns) followed by n random strings.
func khFieldInputs(r *rand.Rand, n int) [][32]byte {
	var in [][32]byte
	for _, v := range []int64{0, 1, 2, 19, 121665, 121666} {
		in = append(in, khLE(big.NewInt(v)))
	}
	for i := int64(-20); i < 0; i++ { // p-20 .. p-1
		in = append(in, khLE(new(big.Int).Add(khP, big.NewInt(i))))
	}
	for i := int64(0); i < 19; i++ { // p .. 2^255-1: non-canonical
		in = append(in, khLE(new(big.Int).Add(khP, big.NewInt(i))))
	}
	for _, pat := range []byte{0xff, 0x80, 0x7f, 0x55, 0xaa} {
		var a [32]byte
		for i := range a {
			a[i] = pat
		}
		in = append(in, a)
	}
	for range n {
		var a [32]byte
		for i := range a {
			a[i] = byte(r.Uint32())
		}
		in = append(in, a)
	}
	return in
}

func TestKernelHostField(t *testing.T) {
	r := khRand(t)
	in := khFieldInputs(r, khIters(1000, 50000))
	pick := func() [32]byte { return in[r.IntN(len(in))] }
	pMinus2 := new(big.Int).Sub(khP, big.NewInt(2))
	e22523 := new(big.Int).Rsh(new(big.Int).Sub(khP, big.NewInt(5)), 3)
	eq := func(op string, got [32]byte, want *big.Int, args ...[32]byte) {
		t.Helper()
		if w := khLE(khModP(want)); got != w {
			t.Fatalf("%s(%x): got %x, want %x", op, args, got, w)
		}
	}
	for i, a := range in {
		b := in[(i*7+3)%len(in)]
		if i%3 == 0 {
			b = pick()
		}
		x, y := khFieldVal(a), khFieldVal(b)
		eq("mul", khFeMul(a, b), new(big.Int).Mul(x, y), a, b)
		eq("sq", khFeSq(a), new(big.Int).Mul(x, x), a)
		eq("sq2", khFeSq2(a), new(big.Int).Lsh(new(big.Int).Mul(x, x), 1), a)
		eq("add", khFeAdd(a, b), new(big.Int).Add(x, y), a, b)
		eq("sub", khFeSub(a, b), new(big.Int).Sub(x, y), a, b)
		eq("neg", khFeNeg(a), new(big.Int).Neg(x), a)
		eq("invert", khFeInvert(a), new(big.Int).Exp(x, pMinus2, khP), a)
		eq("pow22523", khFePow22523(a), new(big.Int).Exp(x, e22523, khP), a)
		if got, want := khFeIsNegative(a), x.Bit(0) == 1; got != want {
			t.Fatalf("isnegative(%x) = %v, want %v", a, got, want)
		}

		wa := [3][32]byte{a, pick(), pick()}
		wb := [3][32]byte{b, pick(), pick()}
		sa := new(big.Int).Add(khFieldVal(wa[0]), khFieldVal(wa[1]))
		sa.Add(sa, khFieldVal(wa[2]))
		sb := new(big.Int).Sub(khFieldVal(wb[0]), khFieldVal(wb[1]))
		sb.Sub(sb, khFieldVal(wb[2]))
		eq("mul_wide", khFeMulWide(wa, wb), new(big.Int).Mul(sa, sb), a, b)

		root, ok := khFeSqrtRatio(a, b)
		var want bool
		switch {
		case y.Sign() == 0:
			want = x.Sign() == 0
		default:
			q := khModP(new(big.Int).Mul(x, new(big.Int).ModInverse(y, khP)))
			want = big.Jacobi(q, khP) >= 0
		}
		if ok != want {
			t.Fatalf("sqrt_ratio(%x, %x): ok %v, want %v", a, b, ok, want)
		}
		if ok {
			rr := khFieldVal(root)
			lhs := khModP(new(big.Int).Mul(new(big.Int).Mul(rr, rr), y))
			if lhs.Cmp(x) != 0 {
				t.Fatalf("sqrt_ratio(%x, %x) = %x: root^2 v != u", a, b, root)
			}
		}
	}
}

func TestKernelHostScalar(t *testing.T) {
	r := khRand(t)
	var wide [][64]byte
	for _, v := range []*big.Int{
		big.NewInt(0), big.NewInt(1), new(big.Int).Sub(khL, big.NewInt(1)), khL,
		new(big.Int).Add(khL, big.NewInt(1)), new(big.Int).Lsh(khL, 1),
		new(big.Int).Mul(khL, khL), new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 512), big.NewInt(1)),
		new(big.Int).Lsh(big.NewInt(1), 252), new(big.Int).Lsh(big.NewInt(1), 511),
	} {
		var w [64]byte
		b := v.Bytes()
		for i, x := range b {
			w[len(b)-1-i] = x
		}
		wide = append(wide, w)
	}
	for range khIters(2000, 100000) {
		var w [64]byte
		for i := range w {
			w[i] = byte(r.Uint32())
		}
		if r.IntN(4) == 0 { // runs of 0xff and 0x00 stress the carries
			for i := r.IntN(64); i < 64; i++ {
				w[i] = 0xff * byte(r.IntN(2))
			}
		}
		wide = append(wide, w)
	}
	for _, w := range wide {
		want := khLE(new(big.Int).Mod(khFromLE(w[:]), khL))
		if got := khScReduce64(w); got != want {
			t.Fatalf("sc_reduce64(%x) = %x, want %x", w, got, want)
		}
	}

	var ss [][32]byte
	for _, v := range []*big.Int{
		big.NewInt(0), new(big.Int).Sub(khL, big.NewInt(1)), khL, new(big.Int).Add(khL, big.NewInt(1)),
		new(big.Int).Lsh(big.NewInt(1), 253), new(big.Int).Lsh(big.NewInt(1), 255),
		new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 256), big.NewInt(1)),
		new(big.Int).Lsh(big.NewInt(1), 252), new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 252), big.NewInt(1)),
	} {
		ss = append(ss, khLE(v))
	}
	for range khIters(2000, 100000) {
		var s [32]byte
		for i := range s {
			s[i] = byte(r.Uint32())
		}
		s[31] &= 0x1f >> r.IntN(2) // near L half the time
		ss = append(ss, s)
	}
	for i, s := range ss {
		want := khFromLE(s[:]).Cmp(khL) < 0
		if got := khScIsCanonical(s); got != want {
			t.Fatalf("sc_is_canonical(%x) = %v, want %v", s, got, want)
		}
		if !want {
			continue
		}
		for _, w := range []int{5, 7} {
			if i%4 != 0 && w == 5 {
				continue // the recoding is slow in Go; a quarter is plenty
			}
			khCheckSlide(t, s, w)
		}
	}
}

// khCheckSlide: the digits sum back to a, are odd or zero, and fit the
// window's table (|d| <= 2^(w-1) - 1).
func khCheckSlide(t *testing.T, a [32]byte, w int) {
	t.Helper()
	d := khScSlide(a, w)
	sum := new(big.Int)
	for i := 255; i >= 0; i-- {
		sum.Lsh(sum, 1).Add(sum, big.NewInt(int64(d[i])))
		if v := int(d[i]); v != 0 && (v%2 == 0 || v > 1<<(w-1)-1 || v < -(1<<(w-1)-1)) {
			t.Fatalf("slide(%x, %d): digit %d at %d", a, w, v, i)
		}
	}
	if sum.Cmp(khFromLE(a[:])) != 0 {
		t.Fatalf("slide(%x, %d): digits sum to %x", a, w, khLE(sum))
	}
}

func TestKernelHostSHA512(t *testing.T) {
	r := khRand(t)
	data := make([]byte, 1100)
	for i := range data {
		data[i] = byte(r.Uint32())
	}
	// Every length around the block (128) and padding (112) boundaries,
	// fed whole, byte by byte, and in random pieces.
	for n := 0; n <= len(data); n++ {
		if n > 300 && n%37 != 0 && n != len(data) {
			continue
		}
		msg := data[:n]
		want := sha512.Sum512(msg)
		splits := [][]uint64{{uint64(n)}}
		var pieces []uint64
		for at := 0; at < n; {
			at += 1 + r.IntN(200)
			pieces = append(pieces, uint64(min(at, n)))
		}
		if n > 0 {
			splits = append(splits, pieces)
		}
		if n < 260 {
			var ones []uint64
			for i := 1; i <= n; i++ {
				ones = append(ones, uint64(i))
			}
			if n > 0 {
				splits = append(splits, ones)
			}
		}
		for _, cuts := range splits {
			if got := khSHA512(msg, cuts); got != want {
				t.Fatalf("sha512 of %d bytes in pieces %v: got %x, want %x", n, cuts, got, want)
			}
		}
	}
}

// khEncodings returns edge encodings — every y in [p, 2^255) and every
// y < 19 with both sign bits (all non-canonical encodings there are), the
// small-order encodings — then n random strings.
func khEncodings(t testing.TB, r *rand.Rand, n int) [][32]byte {
	var out [][32]byte
	for i := int64(0); i < 19; i++ {
		for _, y := range []*big.Int{big.NewInt(i), new(big.Int).Add(khP, big.NewInt(i))} {
			e := khLE(y)
			out = append(out, e)
			e[31] |= 0x80
			out = append(out, e)
		}
	}
	for _, h := range smallOrderEncodings {
		out = append(out, [32]byte(unhex(t, h)))
	}
	for range n {
		var e [32]byte
		for i := range e {
			e[i] = byte(r.Uint32())
		}
		out = append(out, e)
	}
	return out
}

// TestKernelHostDecode: ZIP-215 decoding accepts exactly the encodings
// edwards25519's SetBytes accepts (it follows the same rules) and decodes
// them to the same point; small-order detection agrees too.
func TestKernelHostDecode(t *testing.T) {
	r := khRand(t)
	nonCanonical := 0
	for _, e := range khEncodings(t, r, khIters(2000, 100000)) {
		got, ok := khGeDecode(e)
		p, err := new(edwards25519.Point).SetBytes(e[:])
		if ok != (err == nil) {
			t.Fatalf("decode(%x): ok %v, edwards25519 err %v", e, ok, err)
		}
		if !ok {
			continue
		}
		if want := p.Bytes(); !bytes.Equal(got[:], want) {
			t.Fatalf("decode(%x) re-encodes to %x, want %x", e, got, want)
		}
		if !bytes.Equal(p.Bytes(), e[:]) {
			nonCanonical++
		}
		if small, want := khGeIsSmallOrder(e), inspectPoint(e[:]).smallOrder; small != want {
			t.Fatalf("is_small_order(%x) = %v, want %v", e, small, want)
		}
	}
	if nonCanonical < 6 {
		t.Fatalf("only %d non-canonical encodings decoded; the edge set is broken", nonCanonical)
	}
}

// TestKernelHostDoubleScalarMult: [a]A + [b]B equals edwards25519's
// VarTimeDoubleScalarBaseMult for scalars < L (edges 0, 1, L-1 included)
// and points of every kind: random, small-order, mixed-order.
func TestKernelHostDoubleScalarMult(t *testing.T) {
	r := khRand(t)
	scalar := func() [32]byte {
		switch r.IntN(8) {
		case 0:
			return [32]byte{}
		case 1:
			return khLE(big.NewInt(1))
		case 2:
			return khLE(new(big.Int).Sub(khL, big.NewInt(1)))
		}
		var w [64]byte
		for i := range w {
			w[i] = byte(r.Uint32())
		}
		return khLE(new(big.Int).Mod(khFromLE(w[:]), khL))
	}
	var points [][32]byte
	for _, e := range khEncodings(t, r, 200) {
		if _, ok := khGeDecode(e); ok {
			points = append(points, e)
		}
	}
	torsion := unhex(t, smallOrderEncodings[4]) // order 8
	for range khIters(300, 20000) {
		a, b := scalar(), scalar()
		var pa [32]byte
		if r.IntN(3) == 0 {
			// a mixed-order point: random full-order + a torsion point
			k := scalar()
			sc, _ := new(edwards25519.Scalar).SetCanonicalBytes(k[:])
			tp, _ := new(edwards25519.Point).SetBytes(torsion)
			pa = [32]byte(new(edwards25519.Point).Add(new(edwards25519.Point).ScalarBaseMult(sc), tp).Bytes())
		} else {
			pa = points[r.IntN(len(points))]
		}
		got, ok := khGeDoubleScalarMult(a, pa, b)
		if !ok {
			t.Fatalf("point %x does not decode", pa)
		}
		as, _ := new(edwards25519.Scalar).SetCanonicalBytes(a[:])
		bs, _ := new(edwards25519.Scalar).SetCanonicalBytes(b[:])
		ap, _ := new(edwards25519.Point).SetBytes(pa[:])
		want := new(edwards25519.Point).VarTimeDoubleScalarBaseMult(as, ap, bs).Bytes()
		if !bytes.Equal(got[:], want) {
			t.Fatalf("[%x]%x + [%x]B = %x, want %x", a, pa, b, got, want)
		}
	}
}
