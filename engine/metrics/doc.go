// Package metrics declares the engine's Prometheus instruments in one
// struct: New builds and registers them (sharing an instrument when a
// second node in one process registers on the same registry), Nop builds
// unregistered ones for tests and tools. Every engine package that counts
// something takes the *Metrics it is handed; none registers its own.
package metrics
