package gpu

import (
	"context"
	"errors"
	"slices"
	"testing"
)

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name  string
		cfg   Config
		field string // "" = valid
	}{
		{"defaults", DefaultConfig(), ""},
		{"zero CUDA means defaults", Config{Backend: "cpu"}, ""},
		{"bad backend", Config{Backend: "gpu"}, "Backend"},
		{"negative workers", Config{Backend: "cpu", CPUWorkers: -1}, "CPUWorkers"},
		{"one stream", Config{Backend: "auto", CUDA: CUDAConfig{Streams: 1}}, "CUDA.Streams"},
		{"negative device", Config{Backend: "auto", CUDA: CUDAConfig{Device: -1}}, "CUDA.Device"},
		{"huge batch", Config{Backend: "auto", CUDA: CUDAConfig{MaxBatch: 1 << 20}}, "CUDA.MaxBatch"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.cfg.Validate()
			var ce *ConfigError
			switch {
			case tt.field == "" && err != nil:
				t.Fatalf("unexpected error %v", err)
			case tt.field != "" && (!errors.As(err, &ce) || ce.Field != tt.field || !errors.Is(err, ErrInvalidConfig)):
				t.Fatalf("err = %v, want a ConfigError for %s", err, tt.field)
			}
		})
	}
}

// TestAuto: "cpu" and "auto" always give a working verifier; "cuda" gives
// the CUDA backend or an ErrNoCUDA error, never a silent CPU.
func TestAuto(t *testing.T) {
	items := newSigner(t, 40).items(3)
	items[1].Sig = flipBit(items[1].Sig, 9)
	want := []bool{true, false, true}
	for _, backend := range []string{"", "auto", "cpu", "cuda"} {
		t.Run(backend, func(t *testing.T) {
			v, why, err := Choose(Config{Backend: backend, CPUWorkers: 1})
			t.Logf("backend %q: %v, %q, %v", backend, v, why, err)
			if backend == "cuda" && err != nil {
				if !errors.Is(err, ErrNoCUDA) {
					t.Fatalf("cuda: err = %v, want ErrNoCUDA", err)
				}
				if _, err := Auto(Config{Backend: "cuda"}); !errors.Is(err, ErrNoCUDA) {
					t.Fatalf("Auto(cuda): err = %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if backend == "cpu" && v.Name() != "cpu" {
				t.Fatalf("cpu backend named %q", v.Name())
			}
			if backend == "cuda" && v.Name() != "cuda" {
				t.Fatalf("cuda backend named %q", v.Name())
			}
			if !CUDABuilt && v.Name() != "cpu" {
				t.Fatalf("built without cuda but got %q", v.Name())
			}
			ok, err := v.VerifyBatch(context.Background(), items)
			if err != nil || !slices.Equal(ok, want) {
				t.Fatalf("VerifyBatch = %v, %v; want %v", ok, err, want)
			}
			if c, isCloser := v.(interface{ Close() error }); isCloser {
				if err := c.Close(); err != nil {
					t.Fatal(err)
				}
			}
		})
	}
	if _, err := Auto(Config{Backend: "opencl"}); !errors.Is(err, ErrInvalidConfig) {
		t.Fatalf("Auto(opencl): err = %v, want ErrInvalidConfig", err)
	}
}

func TestCUDAErrorUnwrap(t *testing.T) {
	tests := []struct {
		code   int
		noCUDA bool
	}{
		{100, true}, {35, true}, {2, false}, {700, false}, {-1, false},
	}
	for _, tt := range tests {
		err := error(&CUDAError{Op: "open", Code: tt.code, Msg: "x"})
		if errors.Is(err, ErrNoCUDA) != tt.noCUDA || errors.Is(err, ErrBackend) == tt.noCUDA {
			t.Errorf("code %d: Is(ErrNoCUDA)=%v Is(ErrBackend)=%v", tt.code, errors.Is(err, ErrNoCUDA), errors.Is(err, ErrBackend))
		}
	}
}

func TestNewCUDAValidates(t *testing.T) {
	if _, err := NewCUDA(CUDAConfig{Streams: 1}); !errors.Is(err, ErrInvalidConfig) {
		t.Fatalf("Streams 1: err = %v, want ErrInvalidConfig", err)
	}
}
