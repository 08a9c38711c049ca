package sigbench

import (
	"fmt"
	"io"
	"slices"
	"text/tabwriter"
	"time"
)

// WriteTable prints rep as an aligned table: one row per batch size (and
// per compared backend's batch size), then the stdlib baseline, then, when
// two backends were compared, the batch size where the first overtakes
// the second. Columns: backend, batch size, backend calls,
// verifies/s, p50 and p99 latency per call (in microseconds, "µs"), and
// the ratio of verifies/s to the baseline's.
func WriteTable(out io.Writer, rep Report) {
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "backend\tbatch\tcalls\tverifies/s\tp50\tp99\tvs stdlib\t")
	rows := append(slices.Clone(rep.Rows), rep.Compare...)
	for _, r := range append(rows, rep.Baseline) {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%.0f\t%s\t%s\t%.2fx\t\n",
			r.Backend, r.Batch, r.Batches, r.PerSec, micros(r.P50), micros(r.P99), r.Ratio)
	}
	tw.Flush()
	if len(rep.Compare) == 0 {
		return
	}
	other := rep.Compare[0].Backend
	if rep.CrossoverFound {
		fmt.Fprintf(out, "crossover: %s is at least as fast as %s from batch %d up (GPU_MIN_BATCH=%d)\n",
			rep.Backend, other, rep.Crossover, rep.Crossover)
	} else {
		fmt.Fprintf(out, "crossover: %s is slower than %s at the largest batch measured\n", rep.Backend, other)
	}
}

// micros formats d in microseconds with one decimal, e.g. "412.5µs".
func micros(d time.Duration) string {
	return fmt.Sprintf("%.1fµs", float64(d)/float64(time.Microsecond))
}
