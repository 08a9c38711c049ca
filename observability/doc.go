// Package observability holds the node's process-wide telemetry setup: the
// Prometheus registry and its /metrics handler, and the slog logger built
// from the LOG_LEVEL / log format settings.
//
// It is a leaf: it imports no aitbc package, so every layer (engine, gpu,
// rpc, netio, storage) may use it. Packages declare their own Metrics
// structs (see rpc.NewMetrics, ws.NewMetrics) and register them on the
// registry built here; cmd/aitbcd wires the registry to METRICS_PORT.
//
// grafana/aitbc.json is a dashboard over the aitbc_* metric names; a test
// checks that every panel query uses only names the node exports.
package observability
