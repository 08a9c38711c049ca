package node

import (
	"runtime"
	"testing"
	"time"

	"aitbc/engine/types"
	"aitbc/gpu"
	"aitbc/internal/wait"
)

// A node with a transport stops every goroutine it started.
func TestPeeredNodeStopLeavesNoGoroutines(t *testing.T) {
	before := runtime.NumGoroutine()
	func() {
		c, n, _ := startPeerNode(t)
		if err := n.HandleTxs("p", []*types.Tx{c.transfer(n, 1, types.Address{1}, 1)}); err != nil {
			t.Fatal(err)
		}
		if err := n.HandleBlockRequest("p", 1, 1); err != nil {
			t.Fatal(err)
		}
		if err := n.Stop(); err != nil {
			t.Fatal(err)
		}
		n.verify.(*gpu.Batcher).Close()
	}()
	wait.Until(t, "the node's goroutines to end", 20*time.Second, func() bool { return runtime.NumGoroutine() <= before })
}
