package quantile

import "time"

// Nearest is the nearest-rank p-th percentile (0..100) of sorted, an
// ascending slice: the smallest value with at least p % of the values at
// or below it; 0 for an empty slice.
func Nearest(sorted []time.Duration, p int) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := (p*len(sorted) + 99) / 100 // ceil(p/100 * n)
	return sorted[max(rank, 1)-1]
}
