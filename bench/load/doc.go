// Package load is the load generator and finality meter behind `aitbcd
// bench load` (Run, Config, Report).
//
// Run funds Config.Senders sender accounts from a faucet key, submits
// signed transfers over RPC at a target aggregate rate (one shared
// open-loop schedule, one request in flight per sender so nonces arrive
// in order, back-off on mempool_full/busy; optionally round-robin over
// several nodes, padded to a size, or in send_txs batches), follows
// new_blocks over WebSocket to time each tx from its scheduled send time
// (not the request: a sender that falls behind does not hide the
// queueing) to the block that carries it, asks the nodes at the end about
// every accepted tx no block carried (lost ones fail the run: ErrLost),
// optionally scrapes the node's aitbc_index_lag_blocks and reads the
// nodes' CPU, and reports committed tx/s, finality percentiles, block
// intervals, CPU per tx and the index lag (WriteTable prints it,
// Report.JSON writes it).
//
//	rep, err := load.Run(ctx, load.Config{RPC: "http://127.0.0.1:9080",
//		WS: "ws://127.0.0.1:9081/ws", Faucet: key, TPS: 2000}, os.Stdout)
//
// Package suite runs it in sweeps for `aitbcd bench suite`;
// docs/benchmarks.md has the commands and figures.
package load
