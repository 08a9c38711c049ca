// Package wsbench is the WebSocket fan-out bench behind `aitbcd bench
// ws` (Run, Config, Report).
//
// Run opens Config.Clients new_blocks subscribers on one node and times
// each block from its commit (the node's consensus_events "commit" event)
// to the first and the last subscriber, with missing receipts, lost
// streams and the node's resident memory; Report.Print writes the table.
//
//	rep, err := wsbench.Run(ctx, wsbench.Config{WS: "ws://127.0.0.1:9081",
//		Clients: 1000, Duration: 30 * time.Second}, os.Stdout)
package wsbench
