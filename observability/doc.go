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
//
// prometheus/alerts.yml holds the alert rules, with promtool unit tests in
// prometheus/alerts_test.yml (make alerts) and a runbook for each in
// docs/operations.md §7. RegisterNodeGauges exports what the rules compare
// against (BLOCK_TIME, mempool capacity, the head block's time, the
// validator set size), so one rule file fits every network; tests here
// check each rule has a summary, a runbook anchor that exists and a unit
// test, and cmd/aitbcd checks a running node exports every metric a rule
// reads.
package observability
