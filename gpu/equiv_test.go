package gpu

import (
	"context"
	"crypto/sha512"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"filippo.io/edwards25519"
)

// Equivalence of the kernel-host backend (the cuda/ arithmetic compiled
// for the host) with the CPU backend and Verify, the rule itself, on every
// published vector and on the edge cases of the rule. The CUDA backend's
// own agreement test (cuda_test.go) runs where a device exists; since both
// run the same C, this file is what every CI run proves about the kernel.

// khAgree verifies items with NewKernelHost, NewCPU and Verify, fails the
// test on any difference, and returns the common verdicts.
func khAgree(t *testing.T, what string, items []Item) []bool {
	t.Helper()
	ctx := context.Background()
	kh, err := NewKernelHost().VerifyBatch(ctx, items)
	if err != nil {
		t.Fatalf("%s: kernel-host: %v", what, err)
	}
	cpu, err := NewCPU(0).VerifyBatch(ctx, items)
	if err != nil {
		t.Fatalf("%s: cpu: %v", what, err)
	}
	if len(kh) != len(items) || len(cpu) != len(items) {
		t.Fatalf("%s: %d items, kernel-host %d verdicts, cpu %d", what, len(items), len(kh), len(cpu))
	}
	bad := 0
	for i, it := range items {
		single := Verify(it.PubKey, it.Msg, it.Sig)
		if kh[i] != single || cpu[i] != single {
			t.Errorf("%s item %d: kernel-host %v, cpu %v, Verify %v\n%s", what, i, kh[i], cpu[i], single, describe(it))
			if bad++; bad > 10 {
				t.FailNow()
			}
		}
	}
	return kh
}

// khExpect fails unless every verdict is want.
func khExpect(t *testing.T, what string, items []Item, ok []bool, want bool) {
	t.Helper()
	for i, v := range ok {
		if v != want {
			t.Fatalf("%s item %d: verdict %v, want %v\n%s", what, i, v, want, describe(items[i]))
		}
	}
}

func khLoadSignInput(t *testing.T) []Item {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(vecDir, "sign.input"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(string(raw), "\n"), "\n")
	if len(lines) != 1024 {
		t.Fatalf("sign.input: %d lines, expected 1024", len(lines))
	}
	items := make([]Item, len(lines))
	for i, line := range lines {
		f := strings.Split(line, ":")
		if len(f) != 5 {
			t.Fatalf("sign.input line %d: %d fields", i, len(f))
		}
		items[i] = Item{PubKey: unhex(t, f[1]), Msg: unhex(t, f[2]), Sig: unhex(t, f[3])[:64]}
	}
	return items
}

// TestEquivVectors: sign.input (valid, and each with one signature bit
// flipped), Wycheproof and speccheck get the checked-in ZIP-215 verdicts
// from all three; the CPU backend's edge corpus agrees as well.
func TestEquivVectors(t *testing.T) {
	valid := khLoadSignInput(t)
	khExpect(t, "sign.input", valid, khAgree(t, "sign.input", valid), true)
	broken := make([]Item, len(valid))
	for i, it := range valid {
		broken[i] = Item{PubKey: it.PubKey, Msg: it.Msg, Sig: flipBit(it.Sig, (i*37)%512)}
	}
	khExpect(t, "sign.input flipped", broken, khAgree(t, "sign.input flipped", broken), false)

	vecs := append(loadWycheproof(t), loadSpeccheck(t)...)
	want := loadVerdicts(t)
	items := make([]Item, len(vecs))
	for i, v := range vecs {
		items[i] = v.item
	}
	ok := khAgree(t, "wycheproof+speccheck", items)
	for i, v := range vecs {
		if ok[i] != want[v.key()] {
			t.Errorf("%s (%s): verdict %v, %s says %v", v.key(), v.comment, ok[i], verdictsFile, want[v.key()])
		}
	}

	khAgree(t, "edge corpus", edgeCorpus(t))
}

// TestEquivRandom: N random valid signatures (all accepted) and every
// single-bit mutation of key, R, S and message of M of them (all
// rejected). make test: N = 2000, M = 20; AITBC_LONG=1: 100000 and 1000.
func TestEquivRandom(t *testing.T) {
	n, m := khIters(2000, 100000), khIters(20, 1000)
	s := newSigner(t, uint64(khRand(t).Uint32()))
	for done := 0; done < n; {
		k := min(4096, n-done)
		items := s.items(k)
		khExpect(t, "random valid", items, khAgree(t, "random valid", items), true)
		done += k
	}
	for j := range m {
		base := s.item(j % 40)
		var muts []Item
		for b := range 8 * len(base.PubKey) {
			muts = append(muts, Item{PubKey: flipBit(base.PubKey, b), Msg: base.Msg, Sig: base.Sig})
		}
		for b := range 8 * len(base.Sig) {
			muts = append(muts, Item{PubKey: base.PubKey, Msg: base.Msg, Sig: flipBit(base.Sig, b)})
		}
		for b := range 8 * len(base.Msg) {
			muts = append(muts, Item{PubKey: base.PubKey, Msg: flipBit(base.Msg, b), Sig: base.Sig})
		}
		khExpect(t, "mutation", muts, khAgree(t, "mutations", muts), false)
	}
}

// khKey is a signing key with its secret scalar exposed, to build
// signatures the standard signer cannot: small-order, mixed-order or
// non-canonically encoded R and A.
type khKey struct {
	a  *edwards25519.Scalar
	pk []byte
}

func khNewKey(seed []byte) khKey {
	h := sha512.Sum512(seed)
	a, _ := new(edwards25519.Scalar).SetBytesWithClamping(h[:32])
	return khKey{a: a, pk: new(edwards25519.Point).ScalarBaseMult(a).Bytes()}
}

// khChallenge is k = SHA-512(R || A || M) mod L over the given bytes.
func khChallenge(r, pk, msg []byte) *edwards25519.Scalar {
	h := sha512.New()
	h.Write(r)
	h.Write(pk)
	h.Write(msg)
	k, _ := new(edwards25519.Scalar).SetUniformBytes(h.Sum(nil))
	return k
}

// khSign returns R_bytes || S with S = r + k a, k hashed over pk and
// rBytes as given; rBytes must encode [r]B + (small-order part).
func khSign(key khKey, pk []byte, r *edwards25519.Scalar, rBytes, msg []byte) []byte {
	s := new(edwards25519.Scalar).MultiplyAdd(khChallenge(rBytes, pk, msg), key.a, r)
	return append(slices.Clone(rBytes), s.Bytes()...)
}

// TestEquivSmallOrder: small-order and mixed-order A and R in every
// encoding (canonical and not), in signatures the cofactored equation
// accepts and in ones it rejects.
func TestEquivSmallOrder(t *testing.T) {
	s := newSigner(t, 31)
	encs := make([][]byte, len(smallOrderEncodings))
	for i, h := range smallOrderEncodings {
		encs[i] = unhex(t, h)
	}
	var accept, reject []Item
	// The 196 ZIP-215 vectors (S = 0), and the same pairs with S = 1.
	one := make([]byte, 32)
	one[0] = 1
	for _, a := range encs {
		for _, r := range encs {
			accept = append(accept, Item{PubKey: a, Msg: []byte("Zcash"), Sig: append(slices.Clone(r), make([]byte, 32)...)})
			reject = append(reject, Item{PubKey: a, Msg: []byte("Zcash"), Sig: append(slices.Clone(r), one...)})
		}
	}
	zero := new(edwards25519.Scalar)
	for i, enc := range encs {
		key := khNewKey(s.bytes(32))
		msg := s.bytes(i * 3)
		// Small-order R in each encoding: S = k a, k over R as given.
		accept = append(accept, Item{PubKey: key.pk, Msg: msg, Sig: khSign(key, key.pk, zero, enc, msg)})
		// The same with k hashed over R's canonical encoding (speccheck 8):
		// rejected where that encoding differs.
		canon := new(edwards25519.Point)
		if _, err := canon.SetBytes(enc); err != nil {
			t.Fatal(err)
		}
		if cb := canon.Bytes(); !slices.Equal(cb, enc) {
			k := khChallenge(cb, key.pk, msg)
			sig := append(slices.Clone(enc), new(edwards25519.Scalar).Multiply(k, key.a).Bytes()...)
			reject = append(reject, Item{PubKey: key.pk, Msg: msg, Sig: sig})
		}
		// Mixed-order R = [r]B + T and mixed-order A = [a]B + T: only the
		// cofactored equation holds.
		r, _ := new(edwards25519.Scalar).SetUniformBytes(s.bytes(64))
		rb := new(edwards25519.Point).Add(new(edwards25519.Point).ScalarBaseMult(r), canon).Bytes()
		accept = append(accept, Item{PubKey: key.pk, Msg: msg, Sig: khSign(key, key.pk, r, rb, msg)})
		mixedA := new(edwards25519.Point).Add(new(edwards25519.Point).ScalarBaseMult(key.a), canon).Bytes()
		rb = new(edwards25519.Point).ScalarBaseMult(r).Bytes()
		accept = append(accept, Item{PubKey: mixedA, Msg: msg, Sig: khSign(key, mixedA, r, rb, msg)})
		// A small-order A with a real signature of someone else: rejected.
		v := s.item(i)
		reject = append(reject, Item{PubKey: enc, Msg: v.Msg, Sig: v.Sig})
	}
	khExpect(t, "small-order accept", accept, khAgree(t, "small-order accept", accept), true)
	khExpect(t, "small-order reject", reject, khAgree(t, "small-order reject", reject), false)
}

// TestEquivNonCanonical: every non-canonical encoding there is (y + p for
// y < 19, and x = 0 with the sign bit set) and their canonical neighbours,
// as A and as R, with random and with zero S: decoding decides most of
// these, and all three backends must decide alike.
func TestEquivNonCanonical(t *testing.T) {
	s := newSigner(t, 32)
	r := khRand(t)
	var items []Item
	points := 0
	for _, e := range khEncodings(t, r, 0) {
		enc := e[:]
		if inspectPoint(enc).decodes {
			points++
		}
		v := s.item(8)
		randS := s.bytes(32)
		randS[31] &= 0x0f
		for _, sv := range [][]byte{randS, make([]byte, 32)} {
			items = append(items,
				Item{PubKey: slices.Clone(enc), Msg: v.Msg, Sig: append(slices.Clone(v.Sig[:32]), sv...)},
				Item{PubKey: v.PubKey, Msg: v.Msg, Sig: append(slices.Clone(enc), sv...)},
				Item{PubKey: slices.Clone(enc), Msg: v.Msg, Sig: append(slices.Clone(enc), sv...)},
			)
		}
	}
	if points < 20 {
		t.Fatalf("only %d of the edge encodings are points", points)
	}
	ok := khAgree(t, "non-canonical", items)
	if !slices.Contains(ok, true) || !slices.Contains(ok, false) {
		t.Fatalf("non-canonical set decided all one way: it exercises nothing")
	}
}

// TestEquivScalarEdges: S = L, L+1, S+L, S with bits 253..255 set are
// rejected; S = L-1 and S = 0 are in range (decided by the equation).
func TestEquivScalarEdges(t *testing.T) {
	s := newSigner(t, 33)
	lBytes := khLE(khL)
	lPlus1 := lBytes
	lPlus1[0]++
	lMinus1 := lBytes
	lMinus1[0]--
	var reject, other []Item
	for i := range 16 {
		v := s.item(i)
		withS := func(sv []byte) Item {
			return Item{PubKey: v.PubKey, Msg: v.Msg, Sig: append(slices.Clone(v.Sig[:32]), sv...)}
		}
		reject = append(reject, withS(lBytes[:]), withS(lPlus1[:]), Item{PubKey: v.PubKey, Msg: v.Msg, Sig: addL(v.Sig)})
		for bit := 253; bit < 256; bit++ {
			sv := slices.Clone(v.Sig[32:])
			sv[bit/8] |= 1 << (bit % 8)
			reject = append(reject, withS(sv))
		}
		other = append(other, withS(lMinus1[:]), withS(make([]byte, 32)))
	}
	khExpect(t, "S out of range", reject, khAgree(t, "S out of range", reject), false)
	khAgree(t, "S edges in range", other)
}

// TestEquivGarbage: random bytes of the right lengths, and wrong lengths
// (false without reaching the C code).
func TestEquivGarbage(t *testing.T) {
	s := newSigner(t, 34)
	var items []Item
	for i := range 300 {
		items = append(items, Item{PubKey: s.bytes(32), Msg: s.bytes(i % 70), Sig: s.bytes(64)})
	}
	v := s.item(10)
	var wrong []Item
	for _, n := range []int{0, 31, 33, 64} {
		wrong = append(wrong, Item{PubKey: make([]byte, n), Msg: v.Msg, Sig: v.Sig})
	}
	for _, n := range []int{0, 32, 63, 65} {
		wrong = append(wrong, Item{PubKey: v.PubKey, Msg: v.Msg, Sig: append(slices.Clone(v.Sig), 0)[:n]})
	}
	wrong = append(wrong, Item{}, Item{PubKey: v.PubKey, Sig: v.Sig[:63], Msg: v.Msg})
	khAgree(t, "garbage", items)
	khExpect(t, "wrong lengths", wrong, khAgree(t, "wrong lengths", wrong), false)
	// Interleaved with valid items, the wrong-length ones keep their slots.
	mixed := []Item{v, wrong[0], v, wrong[5], v}
	ok := khAgree(t, "mixed lengths", mixed)
	if !slices.Equal(ok, []bool{true, false, true, false, true}) {
		t.Fatalf("mixed lengths: %v", ok)
	}
}
