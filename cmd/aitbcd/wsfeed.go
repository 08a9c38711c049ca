package main

import (
	"fmt"

	"aitbc/netio/ws"
	"aitbc/rpc"
	"aitbc/storage/blockstore"

	"github.com/prometheus/client_golang/prometheus"
)

// blockFeed makes the WebSocket server's new_blocks a resumable feed read
// from the block store (from_height replays, a commit only notifies),
// moves the other topics' encoding off the node's loops (RunAsync), and
// returns the Bridge that publishes the node's events, with its stop.
func blockFeed(wsrv *ws.Server, store *blockstore.Store, chainID string, reg prometheus.Registerer) (*rpc.Bridge, func(), error) {
	head, _, err := store.Head()
	if err != nil {
		return nil, nil, fmt.Errorf("DATA_DIR: %w", err)
	}
	b := rpc.NewBridge(wsrv, chainID)
	b.UseBlockFeed(wsrv, store)
	wsrv.SetBlockSource(b, head)
	return b, b.RunAsync(reg), nil
}
