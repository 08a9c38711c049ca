// Package logtest is the one test logger of the repository's tests:
// logtest.New(t, level) sends slog records to t.Log.
package logtest
