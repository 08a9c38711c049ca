package bench

import (
	"strings"
	"testing"
)

func TestPromValue(t *testing.T) {
	tests := []struct {
		name, text string
		want       float64
		ok         bool
	}{
		{"plain", "# HELP aitbc_index_lag_blocks x\n# TYPE aitbc_index_lag_blocks gauge\naitbc_index_lag_blocks 3\n", 3, true},
		{"labels", `aitbc_index_lag_blocks{db="pg",x="a}b"} 12 1700000000` + "\n", 12, true},
		{"prefix of another", "aitbc_index_lag_blocks_total 9\naitbc_index_lag_blocks 0\n", 0, true},
		{"float", "aitbc_index_lag_blocks 1.5e+01\n", 15, true},
		{"absent", "aitbc_head_height 4\n", 0, false},
		{"garbage value", "aitbc_index_lag_blocks NaNx\n", 0, false},
		{"empty", "", 0, false},
	}
	for _, tt := range tests {
		got, ok := promValue(strings.NewReader(tt.text), "aitbc_index_lag_blocks")
		if got != tt.want || ok != tt.ok {
			t.Errorf("%s: = %v, %v; want %v, %v", tt.name, got, ok, tt.want, tt.ok)
		}
	}
}
