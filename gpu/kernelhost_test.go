package gpu

import (
	"context"
	"crypto/ed25519"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestKernelHostBasics(t *testing.T) {
	kh := NewKernelHost()
	if kh.Name() != "kernel-host" {
		t.Fatalf("Name() = %q", kh.Name())
	}
	ok, err := kh.VerifyBatch(context.Background(), nil)
	if err != nil || len(ok) != 0 {
		t.Fatalf("empty batch: %v, %v", ok, err)
	}
	items := newSigner(t, 60).items(3 * khChunk) // several chunks per worker
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if ok, err := kh.VerifyBatch(ctx, items); !errors.Is(err, context.Canceled) || ok != nil {
		t.Fatalf("cancelled ctx: ok %d verdicts, err %v; want nil, context.Canceled", len(ok), err)
	}
	ok, err = kh.VerifyBatch(context.Background(), items)
	if err != nil {
		t.Fatal(err)
	}
	khExpect(t, "valid", items, ok, true)
	// All-empty messages: the flattened message buffer is empty.
	priv := ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize))
	empty := Item{PubKey: priv.Public().(ed25519.PublicKey), Sig: ed25519.Sign(priv, nil)}
	ok, err = kh.VerifyBatch(context.Background(), []Item{empty, empty})
	if err != nil || !ok[0] || !ok[1] {
		t.Fatalf("empty messages: %v, %v", ok, err)
	}
}

// khCompile runs a compiler, failing the test with its output on error or
// on any diagnostic at all (warnings included).
func khCompile(t *testing.T, name string, args ...string) {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil || len(out) > 0 {
		t.Fatalf("%s %v: %v\n%s", name, args, err, out)
	}
}

// TestKernelHostCHeaders: the headers are warning-free portable C99 (gcc
// -std=c99 -Wall -Wextra -pedantic), also as C++ (nvcc's front end is
// C++), and so are the kernel-host C files. With AITBC_LONG=1 and nvcc on
// the PATH, they are also compiled for the device (sm_80; about 30 s).
func TestKernelHostCHeaders(t *testing.T) {
	cuda, err := filepath.Abs("../cuda")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	src := `#include "aitbc_ed25519.h"
int check(const uint8_t *pk, const uint8_t *msg, size_t n, const uint8_t *sig);
int check(const uint8_t *pk, const uint8_t *msg, size_t n, const uint8_t *sig)
{
	return aitbc_ed25519_verify(pk, msg, n, sig);
}
`
	cFile := filepath.Join(dir, "check.c")
	if err := os.WriteFile(cFile, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	warn := []string{"-Wall", "-Wextra", "-Wshadow", "-Wconversion", "-Wno-sign-conversion", "-O2", "-I", cuda}
	t.Run("gcc", func(t *testing.T) {
		if _, err := exec.LookPath("gcc"); err != nil {
			t.Skip("gcc not found")
		}
		c99 := append([]string{"-std=c99", "-pedantic"}, warn...)
		khCompile(t, "gcc", append(c99, "-c", cFile, "-o", filepath.Join(dir, "check.o"))...)
		for _, f := range []string{"kernelhost.c", "kernelhost_arith.c"} {
			khCompile(t, "gcc", append(c99, "-c", f, "-o", filepath.Join(dir, f+".o"))...)
		}
	})
	t.Run("g++", func(t *testing.T) {
		if _, err := exec.LookPath("g++"); err != nil {
			t.Skip("g++ not found")
		}
		khCompile(t, "g++", append([]string{"-x", "c++", "-std=c++14"}, append(warn, "-c", cFile, "-o", filepath.Join(dir, "checkpp.o"))...)...)
	})
	t.Run("nvcc", func(t *testing.T) {
		if os.Getenv("AITBC_LONG") != "1" {
			t.Skip("device compile of the headers runs with AITBC_LONG=1 (make test-long)")
		}
		if _, err := exec.LookPath("nvcc"); err != nil {
			t.Skip("nvcc not found")
		}
		cu := filepath.Join(dir, "check.cu")
		kernel := src + `
__global__ void check_kernel(const uint8_t *pk, const uint8_t *msg, size_t n, const uint8_t *sig, int *ok)
{
	ok[threadIdx.x] = aitbc_ed25519_verify(pk, msg, n, sig);
}
`
		if err := os.WriteFile(cu, []byte(kernel), 0o644); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command("nvcc", "-arch=sm_80", "-Xptxas", "-v", "-I", cuda, "-c", cu, "-o", filepath.Join(dir, "check_cu.o")).CombinedOutput()
		if err != nil || strings.Contains(strings.ToLower(string(out)), "warning") {
			t.Fatalf("nvcc: %v\n%s", err, out)
		}
		t.Logf("nvcc -arch=sm_80:\n%s", out)
	})
}

// FuzzKernelHostAgree: on arbitrary key, message and signature bytes the
// kernel-host backend (alone, and in a batch with valid signatures) gives
// Verify's verdict and never crashes. Seeds: testdata/fuzz/FuzzKernelHostAgree.
func FuzzKernelHostAgree(f *testing.F) {
	seed := ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize))
	msg := []byte("aitbc")
	f.Add([]byte(seed.Public().(ed25519.PublicKey)), msg, ed25519.Sign(seed, msg))
	f.Add([]byte{}, []byte{}, []byte{})

	fillers := newSigner(f, 41).items(2)
	kh := NewKernelHost()
	f.Fuzz(func(t *testing.T, pub, msg, sig []byte) {
		want := Verify(pub, msg, sig)
		it := Item{PubKey: pub, Msg: msg, Sig: sig}
		ok, err := kh.VerifyBatch(context.Background(), []Item{fillers[0], it, fillers[1]})
		if err != nil {
			t.Fatal(err)
		}
		if ok[1] != want || !ok[0] || !ok[2] {
			t.Fatalf("kernel-host %v, Verify %v\npk=%x msg=%x sig=%x", ok, want, pub, msg, sig)
		}
	})
}

// BenchmarkKernelHostBatch: the kernel-host backend on the same corpus as
// BenchmarkCPUBatch; with -cpu 1 the two compare per core, e.g.
// go test ./gpu -run '^$' -bench 'Stdlib|CPUBatch/256|KernelHost' -cpu 1 -benchtime 2x
func BenchmarkKernelHostBatch(b *testing.B) {
	items := benchCorpus(b)
	benchBatches(b, NewKernelHost(), items, 256, 1024, 4096)
}
