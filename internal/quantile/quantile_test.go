package quantile

import (
	"testing"
	"time"
)

func TestNearest(t *testing.T) {
	var d []time.Duration
	for i := 1; i <= 200; i++ {
		d = append(d, time.Duration(i))
	}
	tests := []struct {
		in      []time.Duration
		p       int
		want    time.Duration
		comment string
	}{
		{nil, 50, 0, "empty"},
		{d[:1], 99, 1, "one sample"},
		{d[:100], 50, 50, "1..100 p50"},
		{d[:100], 99, 99, "1..100 p99"},
		{d, 99, 198, "1..200 p99"},
		{d[:10], 99, 10, "small n: p99 is the max"},
	}
	for _, tt := range tests {
		if got := Nearest(tt.in, tt.p); got != tt.want {
			t.Errorf("%s: Nearest = %v, want %v", tt.comment, got, tt.want)
		}
	}
}
