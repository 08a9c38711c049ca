// Package valtest builds deterministic validator sets and keys for tests
// in this and other packages. Keys come from fixed seeds: never use them
// outside tests.
package valtest
