// Package bench measures a running node from the outside, over RPC and
// WebSocket. (The signature-verification bench, `aitbcd bench sigverify`,
// is bench/sigbench.) It sits above the engine with rpc, netio and
// storage, never the reverse.
//
// Load is the load generator and finality meter behind `aitbcd bench
// load`: it funds N sender accounts from a faucet key, submits signed
// transfers over RPC at a target aggregate rate (one shared open-loop
// schedule, one request in flight per sender so nonces arrive in order,
// back-off on mempool_full/busy; optionally round-robin over several
// nodes, padded to a size, or in send_txs batches), follows new_blocks
// over WebSocket to time each tx from its scheduled send time (not the
// request: a sender that falls behind does not hide the queueing) to the
// block that carries it, asks the nodes at the end about every accepted
// tx no block carried (lost ones fail the run: ErrLost), optionally
// scrapes the node's aitbc_index_lag_blocks and reads the nodes' CPU,
// and reports committed tx/s, finality percentiles, block intervals, CPU
// per tx and the index lag. Package suite runs it in sweeps for
// `aitbcd bench suite`; docs/benchmarks.md has the commands and figures.
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
