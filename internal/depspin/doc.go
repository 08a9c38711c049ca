// Package depspin pins the design card modules in go.mod while the packages that use them are written; delete it once each is imported for real.
package depspin
