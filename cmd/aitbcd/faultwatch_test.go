//go:build byzantine

package main

import (
	"bufio"
	"context"
	"crypto/ed25519"
	"fmt"
	"maps"
	"math/rand"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"time"

	"aitbc/engine/types"
	"aitbc/rpc/api"
)

// faultWatch polls every node's head, records when each height was first
// seen committed (and the block's time), and the longest stretch any
// honest node went without a new commit.
type faultWatch struct {
	net *faultNet

	mu                      sync.Mutex
	firstSeen               map[uint64]time.Time // wall time a height was first seen on any honest node
	blockTime               map[uint64]uint64    // its block time (ms)
	lastMove                []time.Time          // per node: when its head last rose
	heads                   []uint64
	maxGap                  time.Duration // longest honest stall while watched
	isolated                map[int]bool  // nodes cut off on purpose: not polled
	worstAhead, worstBehind time.Duration
}

func newFaultWatch(n *faultNet) *faultWatch {
	now := time.Now()
	w := &faultWatch{net: n, firstSeen: map[uint64]time.Time{}, blockTime: map[uint64]uint64{},
		lastMove: make([]time.Time, len(n.procs)), heads: make([]uint64, len(n.procs)), isolated: map[int]bool{}}
	for i := range w.lastMove {
		w.lastMove[i] = now
	}
	return w
}

// run polls until ctx ends.
func (w *faultWatch) run(ctx context.Context) {
	tk := time.NewTicker(50 * time.Millisecond)
	defer tk.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tk.C:
		}
		for i := range w.net.procs {
			if w.net.faulty == i || !w.net.up(i) {
				continue
			}
			c, cancel := context.WithTimeout(ctx, 500*time.Millisecond)
			h, err := w.net.client(i).Head(c)
			cancel()
			now := time.Now()
			if err != nil {
				continue
			}
			w.mu.Lock()
			if h.Height > w.heads[i] {
				if gap := now.Sub(w.lastMove[i]); gap > w.maxGap && !w.isolated[i] {
					w.maxGap = gap
				}
				w.heads[i], w.lastMove[i] = h.Height, now
			}
			if _, ok := w.firstSeen[h.Height]; !ok && h.Height > 0 {
				w.firstSeen[h.Height], w.blockTime[h.Height] = now, h.Time
				d := time.UnixMilli(int64(min(h.Time, 1<<62))).Sub(now)
				w.worstAhead = max(w.worstAhead, d)
				w.worstBehind = max(w.worstBehind, -d)
			}
			w.mu.Unlock()
		}
	}
}

// isolate marks node i cut off (or back): its stall is not judged while
// cut off, and recovery waits for it again once back.
func (w *faultWatch) isolate(i int, cut bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.isolated[i] = cut
	w.lastMove[i] = time.Now()
}

// resetGaps restarts every node's stall clock (after a fault that stops
// commits on purpose, such as a partition's minority side).
func (w *faultWatch) resetGaps() {
	w.mu.Lock()
	defer w.mu.Unlock()
	now := time.Now()
	for i := range w.lastMove {
		w.lastMove[i] = now
	}
}

// headsNow returns the honest nodes' current heads as last polled.
func (w *faultWatch) headsNow() []uint64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]uint64(nil), w.heads...)
}

// recovery waits until every honest node that is up commits past its
// head at the call, and returns how long that took.
func (w *faultWatch) recovery(limit time.Duration) (time.Duration, error) {
	t0 := time.Now()
	base := w.headsNow()
	for time.Since(t0) < limit {
		cur := w.headsNow()
		done := true
		w.mu.Lock()
		iso := maps.Clone(w.isolated)
		w.mu.Unlock()
		for i := range cur {
			if i != w.net.faulty && w.net.up(i) && !iso[i] && cur[i] <= base[i] {
				done = false
			}
		}
		if done {
			return time.Since(t0), nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	return time.Since(t0), fmt.Errorf("no commit on every honest node within %v (heads %v -> %v)", limit, base, w.headsNow())
}

// faultLoad sends steady signed transfers from the faucet to honest nodes
// that are up (send_txs), re-sending unconfirmed ones, and records the
// height of every tx reported final.
type faultLoad struct {
	net    *faultNet
	faucet ed25519.PrivateKey
	rng    *rand.Rand

	mu      sync.Mutex
	nonce   uint64
	pending map[types.Hash]*types.Tx
	sentAt  map[types.Hash]time.Time
	final   map[types.Hash]uint64
}

func (l *faultLoad) run(ctx context.Context) {
	to := types.Address{0xfa, 0x17}
	tk := time.NewTicker(250 * time.Millisecond)
	defer tk.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tk.C:
		}
		node := l.net.honestUp(l.rng)
		if node < 0 {
			continue
		}
		c := l.net.client(node)
		l.mu.Lock()
		var batch []*types.Tx
		now := time.Now()
		for h, tx := range l.pending { // re-send what waited too long
			if now.Sub(l.sentAt[h]) > 3*time.Second && len(batch) < 50 {
				batch = append(batch, tx)
				l.sentAt[h] = now
			}
		}
		for range 5 {
			l.nonce++
			tx := &types.Tx{ChainID: devnetChainID, Type: types.TxTransfer, Nonce: l.nonce, Recipient: to, Amount: 1, Fee: 1000}
			tx.Sign(l.faucet)
			l.pending[tx.Hash()], l.sentAt[tx.Hash()] = tx, now
			batch = append(batch, tx)
		}
		var check []types.Hash
		for h := range l.pending {
			check = append(check, h)
		}
		l.mu.Unlock()
		rctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		_, _ = c.SendTxs(rctx, batch)
		for _, h := range check {
			if r, err := c.Tx(rctx, h); err == nil && r.Status == api.TxCommitted {
				l.mu.Lock()
				l.final[h] = r.Height
				delete(l.pending, h)
				l.mu.Unlock()
			}
		}
		cancel()
	}
}

// bansAndPanics scans the honest nodes' logs: a panic, or a ban of an
// honest peer, is a failure; bans of the faulty node are counted.
func (n *faultNet) bansAndPanics() (bansOfFaulty int, problems []string) {
	banRE := regexp.MustCompile(`gossip peer banned.* peer=([0-9a-f]+)`)
	for i := range n.procs {
		f, err := os.Open(filepath.Join(n.dir, fmt.Sprintf("node%d", i), "node.log"))
		if err != nil {
			problems = append(problems, err.Error())
			continue
		}
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 1<<20), 1<<24)
		for sc.Scan() {
			line := sc.Text()
			if i != n.faulty && (strings.Contains(line, "panic") || strings.Contains(line, "goroutine ") && strings.Contains(line, "[running]")) {
				problems = append(problems, fmt.Sprintf("node%d logged a panic: %.200s", i, line))
			}
			if m := banRE.FindStringSubmatch(line); m != nil && i != n.faulty {
				who := n.byID[m[1]]
				if who == n.faulty {
					bansOfFaulty++
				} else {
					problems = append(problems, fmt.Sprintf("honest node%d banned honest node%d", i, who))
				}
			}
		}
		f.Close()
	}
	return bansOfFaulty, problems
}
