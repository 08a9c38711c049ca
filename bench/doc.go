// Package bench measures the node from the outside: the sigverify bench
// (Sigverify) runs a signature backend over a range of batch sizes and
// prints verifies/s and batch latency next to a crypto/ed25519 baseline
// measured in the same run, so the ratio is not skewed by whatever else
// the machine is doing at the time.
//
// It sits above the engine with rpc, netio and storage: it imports gpu
// (the backends it measures), never the reverse. cmd/aitbcd's
// `aitbcd bench sigverify` is flag parsing over Sigverify.
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
