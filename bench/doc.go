// Package bench measures a running node from the outside, over RPC and
// WebSocket. (The signature-verification bench, `aitbcd bench sigverify`,
// is bench/sigbench.) It sits above the engine with rpc, netio and
// storage, never the reverse.
//
// Load is the load generator and finality meter behind `aitbcd bench
// load`: it funds N sender accounts from a faucet key, submits signed
// transfers over RPC at a target aggregate rate (one shared schedule, one
// request in flight per sender so nonces arrive in order, back-off on
// mempool_full/busy), follows new_blocks over WebSocket to time each tx
// from submission to the block that carries it, optionally scrapes the
// node's aitbc_index_lag_blocks, and reports committed tx/s, finality
// percentiles, block intervals and the index lag. docs/benchmarks.md has
// the commands and the figures measured with it.
//
// RPC is the read-path bench behind `aitbcd bench rpc`: it discovers what
// the chain holds (newest heights, tx hashes, senders, recipients,
// proposers, validators), then RPCConfig.Concurrency keep-alive workers
// issue the endpoint kinds of the mix (RPCKinds) in turn for the
// duration, checking every answer (a 200 with the route's JSON about what
// was asked; anything else is an error counted per kind, never fatal),
// and it reports requests, req/s and latency percentiles per kind. Ctrl-C
// (the context ending) yields the partial report.
//
// WS is the WebSocket fan-out bench behind `aitbcd bench ws`: N new_blocks
// subscribers on one node, each block timed from its commit (the node's
// consensus_events "commit" event) to the first and the last subscriber,
// with missing receipts, lost streams and the node's resident memory.
package bench
