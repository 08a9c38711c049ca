// Package seedtest gives randomized tests a seed they print, so that a
// failure replays: go test -run Name -seed N (seedtest.Rand).
package seedtest
