// Package metricstest holds the checks every package's metrics test makes
// of its Prometheus instruments; only _test.go files import it.
//
//	mfs := metricstest.Gather(t, reg) // fails the test if gathering fails
//	// ... assertions on names, label sets, values ...
//	metricstest.Lint(t, mfs)          // what promtool check metrics reports
package metricstest
