package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"testing"
	"time"

	"aitbc/engine/types"
	"aitbc/internal/config"
	"aitbc/internal/wait"
)

// TestNodeResumableBlocks: on a running node committing blocks with txs,
// a client that drops its connection at random moments and resumes each
// time with /ws/new_blocks?from_height=last+1 receives every height from 1
// exactly once, in order, each with the block's hash as get_block reports
// it; the first part is a replay from the store, the rest live.
func TestNodeResumableBlocks(t *testing.T) {
	seed := time.Now().UnixNano()
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(uint64(seed), 1))
	home := initHome(t)
	node := startTestNode(t, home, nil, func(c *config.Config) { c.BlockTime = 50 * time.Millisecond })
	var head struct{ Height uint64 }
	wait.Until(t, "20 blocks to replay", 30*time.Second, func() bool {
		getJSON(t, node.url+"/rpc/get_head", &head)
		return head.Height >= 20
	})
	// Load: transfers while the client reads.
	done := make(chan struct{})
	go func() {
		defer close(done)
		key := filepath.Join(home, "account.key")
		for i := range 5 {
			var out, errb bytes.Buffer
			run([]string{"tx", "send", "--rpc", node.url, "--key", key, "--to", types.Address{byte(i + 1)}.String(), "--amount", "1"}, &out, &errb)
		}
	}()
	defer func() { <-done }()

	const target = 80
	host := fmt.Sprintf("127.0.0.1:%d", node.cfg.WSPort)
	next, conns := uint64(1), 0
	for next <= target {
		c, r := wsDial(t, host, fmt.Sprintf("/ws/new_blocks?from_height=%d", next))
		c.SetReadDeadline(time.Now().Add(20 * time.Second))
		conns++
		var seq uint64
		for take := 1 + rng.IntN(25); take > 0 && next <= target; take-- {
			raw, err := wsRead(r)
			if err != nil {
				t.Fatalf("connection %d at height %d: %v", conns, next, err)
			}
			var m struct {
				Sub    string
				Seq    uint64
				Height uint64
				Hash   string
			}
			if err := json.Unmarshal(raw, &m); err != nil {
				t.Fatal(err)
			}
			if m.Height != next || m.Seq != seq+1 || m.Sub == "" {
				t.Fatalf("connection %d: got height %d seq %d sub %q, want height %d seq %d", conns, m.Height, m.Seq, m.Sub, next, seq+1)
			}
			if m.Height%10 == 0 {
				var blk struct{ Hash string }
				getJSON(t, fmt.Sprintf("%s/rpc/get_block/%d", node.url, m.Height), &blk)
				if blk.Hash != m.Hash {
					t.Fatalf("height %d: message hash %s, get_block %s", m.Height, m.Hash, blk.Hash)
				}
			}
			seq, next = m.Seq, next+1
		}
		c.Close()
	}
	t.Logf("heights 1..%d once each over %d connections (head was %d at the first)", target, conns, head.Height)
}
