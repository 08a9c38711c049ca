package main

import (
	"net/http"
	"net/http/pprof"
)

// handlePprof adds Go's profiling endpoints to mux (the metrics listener,
// which binds 127.0.0.1 by default). They are off unless PPROF is set: a
// CPU profile costs a few percent of CPU while it runs, and heap and
// goroutine dumps show internals an operator may not want to expose.
// In a devnet every node shares one process, so any node's profile covers
// all of them.
func handlePprof(mux *http.ServeMux) {
	mux.HandleFunc("GET /debug/pprof/", pprof.Index)
	mux.HandleFunc("GET /debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("GET /debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("GET /debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("GET /debug/pprof/trace", pprof.Trace)
}
