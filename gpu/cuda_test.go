//go:build cuda

package gpu

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
)

// openCUDA returns the CUDA verifier, or skips when this machine has no
// device (after checking that the absence is reported as ErrNoCUDA).
func openCUDA(t testing.TB, cfg CUDAConfig) Verifier {
	t.Helper()
	v, err := NewCUDA(cfg)
	if err != nil {
		var ce *CUDAError
		if !errors.Is(err, ErrNoCUDA) || !errors.As(err, &ce) {
			t.Fatalf("NewCUDA: %v, want a CUDAError wrapping ErrNoCUDA", err)
		}
		t.Skipf("no CUDA device: %v", err)
	}
	t.Cleanup(func() { v.(interface{ Close() error }).Close() })
	return v
}

// TestCUDANoDevice: on a machine without a GPU every entry point says so
// with ErrNoCUDA (CUDA error 100, or 35 without a driver), none crashes,
// and auto selects the CPU.
func TestCUDANoDevice(t *testing.T) {
	names, err := CUDADevices()
	if err == nil {
		t.Skipf("CUDA devices present: %v", names)
	}
	var ce *CUDAError
	if !errors.Is(err, ErrNoCUDA) || !errors.As(err, &ce) || (ce.Code != 100 && ce.Code != 35) {
		t.Fatalf("CUDADevices: %v, want CUDA error 100 or 35 wrapping ErrNoCUDA", err)
	}
	t.Logf("CUDADevices: %v", err)
	if _, err := NewCUDA(DefaultCUDAConfig()); !errors.Is(err, ErrNoCUDA) {
		t.Fatalf("NewCUDA: %v, want ErrNoCUDA", err)
	}
	v, why, err := Choose(Config{Backend: BackendAuto})
	if err != nil || v.Name() != "cpu" {
		t.Fatalf("auto without a device: %v, %v", v, err)
	}
	t.Logf("auto: cpu because %s", why)
}

// TestCUDAAgreesWithCPU: the device returns Verify's verdict on valid
// signatures, every bit flip of a few, malformed lengths, empty messages,
// and the small-order and non-canonical encodings of A and R; batches
// larger than MaxBatch are split.
func TestCUDAAgreesWithCPU(t *testing.T) {
	v := openCUDA(t, CUDAConfig{Streams: 2, MaxBatch: 1024, MsgBytesHint: 8})
	s := newSigner(t, 50)
	items := s.items(600)
	for _, it := range items[:4] {
		for bit := range 8 * (len(it.Sig) + len(it.PubKey)) {
			m := it
			if bit < 8*len(it.Sig) {
				m.Sig = flipBit(it.Sig, bit)
			} else {
				m.PubKey = flipBit(it.PubKey, bit-8*len(it.Sig))
			}
			items = append(items, m)
		}
	}
	sig0 := s.item(0)
	items = append(items, sig0, Item{PubKey: sig0.PubKey[:31], Msg: sig0.Msg, Sig: sig0.Sig},
		Item{PubKey: sig0.PubKey, Msg: sig0.Msg, Sig: append(slices.Clone(sig0.Sig), 0)})
	for _, a := range smallOrderEncodings {
		for _, r := range smallOrderEncodings {
			sig := append(unhex(t, r), make([]byte, 32)...)
			items = append(items, Item{PubKey: unhex(t, a), Msg: []byte("zip215"), Sig: sig})
		}
	}
	ok, err := v.VerifyBatch(context.Background(), items)
	if err != nil {
		t.Fatal(err)
	}
	if len(ok) != len(items) {
		t.Fatalf("%d verdicts for %d items", len(ok), len(items))
	}
	for i, it := range items {
		if want := Verify(it.PubKey, it.Msg, it.Sig); ok[i] != want {
			t.Errorf("item %d: cuda %v, cpu %v: %s", i, ok[i], want, describe(it))
		}
	}
}

func TestCUDAClose(t *testing.T) {
	v := openCUDA(t, DefaultCUDAConfig())
	c := v.(interface{ Close() error })
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if err := c.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if _, err := v.VerifyBatch(context.Background(), newSigner(t, 51).items(2)); !errors.Is(err, ErrNoCUDA) {
		t.Fatalf("VerifyBatch after Close: %v, want ErrNoCUDA", err)
	}
}

func BenchmarkCUDABatch(b *testing.B) {
	v := openCUDA(b, DefaultCUDAConfig())
	items := newSigner(b, 52).items(16384)
	for _, n := range []int{256, 1024, 4096, 16384} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			for b.Loop() {
				if _, err := v.VerifyBatch(context.Background(), items[:n]); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "verifies/s")
		})
	}
}

// TestCUDAVectors: every Wycheproof and speccheck case, the 1024 valid
// signatures of sign.input and a bit flip of each, and the edge corpus get
// the same verdict from the device as from the checked-in ZIP-215 table
// and the CPU (docs/spec.md §12).
func TestCUDAVectors(t *testing.T) {
	v := openCUDA(t, DefaultCUDAConfig())
	vecs := append(loadWycheproof(t), loadSpeccheck(t)...)
	want := loadVerdicts(t)
	var items []Item
	var expect []bool
	for _, vec := range vecs {
		w, ok := want[vec.key()]
		if !ok {
			t.Fatalf("%s: missing from %s", vec.key(), verdictsFile)
		}
		items, expect = append(items, vec.item), append(expect, w)
	}
	for i, it := range khLoadSignInput(t) {
		items, expect = append(items, it), append(expect, true)
		items = append(items, Item{PubKey: it.PubKey, Msg: it.Msg, Sig: flipBit(it.Sig, (i*37)%512)})
		expect = append(expect, false)
	}
	for _, it := range edgeCorpus(t) {
		items, expect = append(items, it), append(expect, Verify(it.PubKey, it.Msg, it.Sig))
	}
	ok, err := v.VerifyBatch(context.Background(), items)
	if err != nil {
		t.Fatal(err)
	}
	if len(ok) != len(items) {
		t.Fatalf("%d verdicts for %d items", len(ok), len(items))
	}
	bad := 0
	for i, it := range items {
		if ok[i] != expect[i] {
			bad++
			t.Errorf("item %d: cuda %v, want %v: %s", i, ok[i], expect[i], describe(it))
		}
	}
	t.Logf("%d items through the device, %d disagreements", len(items), bad)
}
