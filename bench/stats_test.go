package bench

import (
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"
)

func TestPercentile(t *testing.T) {
	d := []time.Duration{5, 1, 4, 2, 3}
	if got := Percentile(d, 100); got != 5 {
		t.Errorf("p100 = %v, want 5", got)
	}
	if got := Percentile(d, 50); got != 3 || !slices.IsSorted(d) {
		t.Errorf("p50 = %v (%v), want 3 and d sorted", got, d)
	}
	if got := Percentile(nil, 99); got != 0 {
		t.Errorf("empty p99 = %v", got)
	}
}

func TestSamples(t *testing.T) {
	var s Samples
	if s.List() != nil {
		t.Fatalf("zero Samples lists %v", s.List())
	}
	var wg sync.WaitGroup
	for i := range 4 * MaxSamples {
		wg.Add(1)
		go func() { defer wg.Done(); s.Add(fmt.Sprint("err ", i%(2*MaxSamples))) }()
	}
	wg.Wait()
	got := s.List()
	if len(got) != MaxSamples {
		t.Fatalf("kept %d, want %d: %v", len(got), MaxSamples, got)
	}
	for i, m := range got {
		if slices.Contains(got[:i], m) {
			t.Errorf("%q kept twice", m)
		}
	}
	got[0] = "changed"
	if s.List()[0] == "changed" {
		t.Error("List returns the Samples' own slice")
	}
}
