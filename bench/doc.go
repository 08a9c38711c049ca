// Package bench is the small base the benchmarks behind `aitbcd bench`
// share; each tool is a sub-package:
//
//	bench                    this base: ErrBadConfig, ErrWebSocket, SleepCtx,
//	                         NewHTTPClient, ProcessCPU, Percentile, Samples,
//	                         ScrapeMetric
//	bench/internal/wsclient  the minimal RFC 6455 client of load and wsbench
//	bench/load               `aitbcd bench load`: tx load generator, finality meter
//	bench/rpcbench           `aitbcd bench rpc`: read-path (REST endpoint) bench
//	bench/wsbench            `aitbcd bench ws`: WebSocket new_blocks fan-out bench
//	bench/sigbench           `aitbcd bench sigverify`: signature verification backends
//	bench/suite              `aitbcd bench suite`: devnets, load sweeps, the report
//	bench/report             the suite's report (JSON, SVG, summary); `bench compare`
//
// The benches measure a running node from the outside, over RPC and
// WebSocket (sigbench measures the gpu backends in process). They sit
// above the engine with rpc, netio and storage, never the reverse, and
// this base imports none of the tools. Every tool's config errors wrap
// ErrBadConfig (load, rpcbench, wsbench and sigbench re-export it), so a
// caller tests one sentinel. docs/benchmarks.md has the commands and
// figures.
package bench
