package gpu

import (
	"context"
	"crypto/ed25519"
	"encoding/binary"
	"errors"
	"slices"
	"testing"

	"github.com/hdevalence/ed25519consensus"
)

// edgeCorpus builds valid signatures and every kind of edge case the rule
// has to decide, in a reproducible order.
func edgeCorpus(t *testing.T) []Item {
	s := newSigner(t, 7)
	var out []Item
	valid := s.items(48)
	out = append(out, valid...)

	// Single-bit mutations of key, message, R and S.
	for i, it := range valid[:16] {
		out = append(out,
			Item{PubKey: flipBit(it.PubKey, s.rng.IntN(256)), Msg: it.Msg, Sig: it.Sig},
			Item{PubKey: it.PubKey, Msg: flipBit(append(it.Msg, 0), s.rng.IntN(8*(len(it.Msg)+1))), Sig: it.Sig},
			Item{PubKey: it.PubKey, Msg: it.Msg, Sig: flipBit(it.Sig, s.rng.IntN(256))},
			Item{PubKey: it.PubKey, Msg: it.Msg, Sig: flipBit(it.Sig, 256+s.rng.IntN(256))},
			Item{PubKey: it.PubKey, Msg: it.Msg, Sig: flipBit(it.Sig, 256+i%5)}, // low bits of S
		)
	}

	// Wrong lengths.
	it := valid[0]
	for _, n := range []int{0, 1, 31, 33, 64} {
		out = append(out, Item{PubKey: make([]byte, n), Msg: it.Msg, Sig: it.Sig})
		out = append(out, Item{PubKey: append(slices.Clone(it.PubKey), make([]byte, 32)...)[:n], Msg: it.Msg, Sig: it.Sig})
	}
	for _, n := range []int{0, 32, 63, 65, 128} {
		sig := append(slices.Clone(it.Sig), make([]byte, 64)...)[:n]
		out = append(out, Item{PubKey: it.PubKey, Msg: it.Msg, Sig: sig})
	}
	out = append(out, Item{}, Item{Msg: it.Msg})

	// S + L: same point equation, non-canonical S.
	out = append(out, Item{PubKey: it.PubKey, Msg: it.Msg, Sig: addL(it.Sig)})

	// Small-order and non-canonical A and R: S = 0 (valid), a random
	// canonical S (invalid unless by chance), and a real key with a
	// small-order R.
	for i, h := range smallOrderEncodings {
		enc := unhex(t, h)
		other := unhex(t, smallOrderEncodings[(i*5+3)%len(smallOrderEncodings)])
		zeroS := append(slices.Clone(other), make([]byte, 32)...)
		randS := append(slices.Clone(other), s.bytes(32)...)
		randS[63] &= 0x0f
		out = append(out,
			Item{PubKey: enc, Msg: []byte("m"), Sig: zeroS},
			Item{PubKey: enc, Msg: []byte("m"), Sig: randS},
			Item{PubKey: valid[i].PubKey, Msg: valid[i].Msg, Sig: append(slices.Clone(enc), valid[i].Sig[32:]...)},
			Item{PubKey: enc, Msg: valid[i].Msg, Sig: valid[i].Sig},
		)
	}

	// Bytes that are not a curve point (y = 2 has no x), as A and as R.
	notPoint := make([]byte, 32)
	notPoint[0] = 2
	out = append(out,
		Item{PubKey: notPoint, Msg: it.Msg, Sig: it.Sig},
		Item{PubKey: it.PubKey, Msg: it.Msg, Sig: append(slices.Clone(notPoint), it.Sig[32:]...)},
	)
	if inspectPoint(notPoint).decodes {
		t.Fatal("y = 2 decodes; pick another non-point")
	}
	return out
}

// addL returns sig with S replaced by S + L (still < 2^256 for S < 2^253).
func addL(sig []byte) []byte {
	l := []byte{0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10}
	out := slices.Clone(sig)
	carry := 0
	for i := range 32 {
		v := int(out[32+i]) + int(l[i]) + carry
		out[32+i], carry = byte(v), v>>8
	}
	return out
}

// TestCPUAgreesWithSingle: for every edge case the batch verdict (in one
// big batch, alone, and surrounded by valid items, with several worker
// counts) equals Verify, which equals the ZIP-215 reference.
func TestCPUAgreesWithSingle(t *testing.T) {
	corpus := edgeCorpus(t)
	want := make([]bool, len(corpus))
	accepted := 0
	for i, it := range corpus {
		want[i] = Verify(it.PubKey, it.Msg, it.Sig)
		if ref := ed25519consensus.Verify(it.PubKey, it.Msg, it.Sig); ref != want[i] {
			t.Fatalf("item %d: Verify %v, ed25519consensus %v\n%s", i, want[i], ref, describe(it))
		}
		if want[i] {
			accepted++
		}
	}
	// The corpus must exercise both verdicts substantially.
	if accepted < 48+14 || accepted == len(corpus) {
		t.Fatalf("corpus has %d accepted of %d", accepted, len(corpus))
	}
	ctx := context.Background()
	for _, workers := range []int{1, 2, 3, 0} {
		got, err := NewCPU(workers).VerifyBatch(ctx, corpus)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, want) {
			for i := range got {
				if got[i] != want[i] {
					t.Errorf("workers %d, item %d: batch %v, single %v\n%s", workers, i, got[i], want[i], describe(corpus[i]))
				}
			}
		}
	}
	cpu := NewCPU(1)
	fillers := newSigner(t, 8).items(7)
	for i, it := range corpus {
		alone, err := cpu.VerifyBatch(ctx, []Item{it})
		if err != nil {
			t.Fatal(err)
		}
		mixed, err := cpu.VerifyBatch(ctx, append([]Item{it}, fillers...))
		if err != nil {
			t.Fatal(err)
		}
		if alone[0] != want[i] || mixed[0] != want[i] || slices.Contains(mixed[1:], false) {
			t.Errorf("item %d: alone %v, in a batch %v (fillers %v), single %v", i, alone[0], mixed[0], mixed[1:], want[i])
		}
	}
}

// TestCPURandomValid: batches of valid signatures of many sizes all pass,
// which exercises the batch equation's fast path on every chunk layout.
func TestCPURandomValid(t *testing.T) {
	items := newSigner(t, 9).items(300)
	for _, n := range []int{2, 3, 17, 94, 95, 300} {
		for _, workers := range []int{1, 2, 5} {
			got, err := NewCPU(workers).VerifyBatch(context.Background(), items[:n])
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != n || slices.Contains(got, false) {
				t.Errorf("n %d workers %d: %v", n, workers, got)
			}
		}
	}
}

func TestCPUEmptyAndCancel(t *testing.T) {
	cpu := NewCPU(2)
	if cpu.Name() != "cpu" {
		t.Errorf("Name() = %q", cpu.Name())
	}
	got, err := cpu.VerifyBatch(context.Background(), nil)
	if err != nil || len(got) != 0 {
		t.Errorf("empty batch: %v, %v", got, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	got, err = cpu.VerifyBatch(ctx, newSigner(t, 10).items(8))
	if !errors.Is(err, context.Canceled) || got != nil {
		t.Errorf("cancelled ctx: %v, %v; want context.Canceled", got, err)
	}
}

// The expanded-key cache changes no verdict: one CPU verifier checks the
// published vectors, the edge corpus (small-order and non-canonical keys,
// undecodable keys) and sign.input with flipped bits twice — the second
// time every decodable key comes from the cache — and agrees with Verify
// on every item both times; the same keys sign good and bad items.
func TestKeyCacheChangesNoVerdict(t *testing.T) {
	valid := khLoadSignInput(t)
	var items []Item
	for i, it := range valid {
		items = append(items, it, Item{PubKey: it.PubKey, Msg: it.Msg, Sig: flipBit(it.Sig, (i*37)%512)})
	}
	for _, v := range append(loadWycheproof(t), loadSpeccheck(t)...) {
		items = append(items, v.item)
	}
	items = append(items, edgeCorpus(t)...)
	v := NewCPU(2).(*cpuVerifier)
	for pass := 1; pass <= 2; pass++ {
		ok, err := v.VerifyBatch(context.Background(), items)
		if err != nil {
			t.Fatal(err)
		}
		for i, it := range items {
			if want := Verify(it.PubKey, it.Msg, it.Sig); ok[i] != want {
				t.Fatalf("pass %d item %d: batch %v, Verify %v\n%s", pass, i, ok[i], want, describe(it))
			}
			// Alone (the lone-item path, from the cache after pass 1).
			one, err := v.VerifyBatch(context.Background(), []Item{it})
			if err != nil {
				t.Fatal(err)
			}
			if want := Verify(it.PubKey, it.Msg, it.Sig); one[0] != want {
				t.Fatalf("pass %d item %d alone: %v, Verify %v\n%s", pass, i, one[0], want, describe(it))
			}
		}
	}
	v.keys.mu.Lock()
	n := len(v.keys.keys)
	v.keys.mu.Unlock()
	if n == 0 || n > keyCacheSize {
		t.Fatalf("%d keys cached, want 1..%d", n, keyCacheSize)
	}
}

// A flood of fresh keys never grows the cache past keyCacheSize.
func TestKeyCacheBounded(t *testing.T) {
	c := newKeyCache()
	for i := 0; i < keyCacheSize+100; i++ {
		var seed [32]byte
		binary.LittleEndian.PutUint32(seed[:], uint32(i))
		pub := ed25519.NewKeyFromSeed(seed[:]).Public().(ed25519.PublicKey)
		if c.get(pub) == nil {
			t.Fatalf("key %d not expanded", i)
		}
	}
	if n := len(c.keys); n != keyCacheSize {
		t.Fatalf("%d keys cached after %d distinct ones, want %d", n, keyCacheSize+100, keyCacheSize)
	}
	if c.get(make([]byte, 31)) != nil || (*keyCache)(nil).get(make([]byte, 32)) != nil {
		t.Fatal("a short key or a nil cache gave a key")
	}
}
