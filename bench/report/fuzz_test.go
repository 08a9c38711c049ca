package report

import (
	"encoding/json"
	"errors"
	"reflect"
	"testing"
)

// FuzzParseReport: Parse never panics, fails only with its own errors,
// and what it accepts survives a round trip unchanged and renders.
func FuzzParseReport(f *testing.F) {
	good, _ := json.Marshal(sample())
	f.Add(good)
	f.Add([]byte(`{"version":1}`))
	f.Add([]byte(`{"version":1,"sweeps":[{"points":[{"p50_ms":1,"p90_ms":0}]}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := Parse(b)
		if err != nil {
			if !errors.Is(err, ErrSyntax) && !errors.Is(err, ErrVersion) && !errors.Is(err, ErrInvalid) {
				t.Fatalf("foreign error %v", err)
			}
			return
		}
		again, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		r2, err := Parse(again)
		if err != nil {
			t.Fatalf("re-encoded report rejected: %v", err)
		}
		if !reflect.DeepEqual(r, r2) {
			t.Fatalf("round trip changed the report")
		}
		SVG(r)
		Summary(r)
		Compare(r, r2)
	})
}
