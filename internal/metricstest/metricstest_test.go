package metricstest

import (
	"fmt"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

// recorder is a testing.TB that records errors instead of failing.
type recorder struct {
	testing.TB
	errs []string
}

func (r *recorder) Helper() {}
func (r *recorder) Errorf(format string, a ...any) {
	r.errs = append(r.errs, fmt.Sprintf(format, a...))
}

func TestLintFlagsBadNamesAndPassesGoodOnes(t *testing.T) {
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(prometheus.NewCounter(prometheus.CounterOpts{Name: "aitbc_things", Help: "Things."}))        // a counter without _total
	reg.MustRegister(prometheus.NewGauge(prometheus.GaugeOpts{Name: "aitbc_queue_depth", Help: "Queued items."})) // fine
	r := &recorder{TB: t}
	Lint(r, Gather(t, reg))
	if len(r.errs) != 1 || !strings.Contains(r.errs[0], "aitbc_things") {
		t.Fatalf("lint errors %q, want exactly one about aitbc_things", r.errs)
	}
}
