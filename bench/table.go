package bench

import (
	"fmt"
	"io"
	"text/tabwriter"
	"time"
)

// WriteTable prints rep as an aligned table: one row per batch size, then
// the stdlib baseline. Columns: backend, batch size, backend calls,
// verifies/s, p50 and p99 latency per call (in microseconds, "µs"), and
// the ratio of verifies/s to the baseline's.
func WriteTable(out io.Writer, rep Report) {
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "backend\tbatch\tcalls\tverifies/s\tp50\tp99\tvs stdlib\t")
	for _, r := range append(rep.Rows[:len(rep.Rows):len(rep.Rows)], rep.Baseline) {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%.0f\t%s\t%s\t%.2fx\t\n",
			r.Backend, r.Batch, r.Batches, r.PerSec, micros(r.P50), micros(r.P99), r.Ratio)
	}
	tw.Flush()
}

// micros formats d in microseconds with one decimal, e.g. "412.5µs".
func micros(d time.Duration) string {
	return fmt.Sprintf("%.1fµs", float64(d)/float64(time.Microsecond))
}
