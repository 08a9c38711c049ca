package load

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"aitbc/bench"
	"aitbc/engine/types"
	"aitbc/internal/quantile"
)

// pacer hands out send slots on a fixed schedule shared by every sender:
// slot i is due at start + i/tps. A sender that falls behind finds its
// slot already due and sends at once, so the offered rate catches up
// instead of drifting; the number of senders bounds the burst.
type pacer struct {
	start    time.Time
	end      time.Time
	interval float64 // nanoseconds between slots
	n        atomic.Int64
}

func newPacer(start time.Time, tps int, d time.Duration) *pacer {
	return &pacer{start: start, end: start.Add(d), interval: float64(time.Second) / float64(tps)}
}

// next claims the next slot and returns when it is due; false once the
// schedule has run past its end.
func (p *pacer) next() (time.Time, bool) {
	i := p.n.Add(1) - 1
	at := p.start.Add(time.Duration(float64(i) * p.interval))
	return at, at.Before(p.end)
}

// nextN claims up to n consecutive slots and returns when each is due,
// leaving out those past the end (none: the schedule is over).
func (p *pacer) nextN(n int) []time.Time {
	i := p.n.Add(int64(n)) - int64(n)
	var at []time.Time
	for k := range int64(n) {
		t := p.start.Add(time.Duration(float64(i+k) * p.interval))
		if !t.Before(p.end) {
			break
		}
		at = append(at, t)
	}
	return at
}

// tracker matches committed blocks against the txs the bench sent:
// submit time by hash in, finality latency out.
type tracker struct {
	mu        sync.Mutex
	pending   map[types.Hash]time.Time // hash → its scheduled send time
	accepted  map[types.Hash]bool      // pending hashes the node accepted
	latencies []time.Duration
	blocks    []blockSeen
	last      time.Time // when the last block carrying a bench tx was seen
	head      atomic.Uint64
	committed atomic.Int64
}

type blockSeen struct {
	height uint64
	time   uint64 // header time, Unix ms
	txs    int
	ours   int
}

func newTracker() *tracker {
	return &tracker{pending: make(map[types.Hash]time.Time), accepted: make(map[types.Hash]bool)}
}

// submitted records that hash is being sent for the slot due at `at`
// (before the request, so a block that beats the response still
// matches). Latency counts from the slot, not from the request: a sender
// that fell behind its schedule does not hide the queueing (open loop).
func (t *tracker) submitted(h types.Hash, at time.Time) {
	t.mu.Lock()
	t.pending[h] = at
	t.mu.Unlock()
}

// forget drops a hash the node refused.
func (t *tracker) forget(h types.Hash) {
	t.mu.Lock()
	delete(t.pending, h)
	t.mu.Unlock()
}

// accept marks a pending hash as accepted by the node; if no block
// carries it by the end of the run, it is lost.
func (t *tracker) accept(h types.Hash) {
	t.mu.Lock()
	if _, ok := t.pending[h]; ok {
		t.accepted[h] = true
	}
	t.mu.Unlock()
}

// acceptedSet is a copy of the accepted hashes still pending.
func (t *tracker) acceptedSet() map[types.Hash]bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	m := make(map[types.Hash]bool, len(t.accepted))
	for h := range t.accepted {
		m[h] = true
	}
	return m
}

// block records a committed block seen at `at`.
func (t *tracker) block(height, headerTime uint64, hashes []types.Hash, at time.Time) {
	t.mu.Lock()
	ours := 0
	for _, h := range hashes {
		if sent, ok := t.pending[h]; ok {
			delete(t.pending, h)
			delete(t.accepted, h)
			t.latencies = append(t.latencies, at.Sub(sent))
			ours++
		}
	}
	t.blocks = append(t.blocks, blockSeen{height: height, time: headerTime, txs: len(hashes), ours: ours})
	if ours > 0 {
		t.last = at
	}
	t.mu.Unlock()
	t.committed.Add(int64(ours))
	if height > t.head.Load() {
		t.head.Store(height)
	}
}

// outstanding is how many sent txs no block has carried yet.
func (t *tracker) outstanding() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.pending)
}

// blockStats summarises the blocks from the first to the last that
// carried one of the bench's txs: count, mean txs per block and the
// header-time intervals between consecutive ones (p50, p99).
func blockStats(blocks []blockSeen) (n int, meanTxs float64, p50, p99 time.Duration) {
	first := slices.IndexFunc(blocks, func(b blockSeen) bool { return b.ours > 0 })
	if first < 0 {
		return 0, 0, 0, 0
	}
	last := len(blocks) - 1
	for blocks[last].ours == 0 {
		last--
	}
	win := blocks[first : last+1]
	total := 0
	var iv []time.Duration
	for i, b := range win {
		total += b.txs
		if i > 0 && b.time >= win[i-1].time {
			iv = append(iv, time.Duration(b.time-win[i-1].time)*time.Millisecond)
		}
	}
	slices.Sort(iv)
	return len(win), float64(total) / float64(len(win)), quantile.Nearest(iv, 50), quantile.Nearest(iv, 99)
}

// indexLag is what the Prometheus scrape of the node's metrics yields.
type indexLag struct {
	max, last float64
	samples   int
	seen      atomic.Int64 // last value ×1, for the progress line; -1 before the first
}

// scrapeIndexLag polls url every interval until ctx ends and records
// aitbc_index_lag_blocks. Failed scrapes are skipped: the figure is a
// gauge, and the node being busy is what is being measured.
func scrapeIndexLag(ctx context.Context, hc *http.Client, url string, every time.Duration, lag *indexLag, mu *sync.Mutex) {
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		if v, ok := bench.ScrapeMetric(ctx, hc, url, "aitbc_index_lag_blocks", 2*time.Second); ok {
			mu.Lock()
			if lag.samples == 0 || v > lag.max {
				lag.max = v
			}
			lag.last = v
			lag.samples++
			mu.Unlock()
			lag.seen.Store(int64(v))
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// WriteTable prints rep as a two-column table, one figure a line.
func WriteTable(out io.Writer, rep Report) {
	ms := func(d time.Duration) string { return fmt.Sprintf("%.1fms", float64(d)/float64(time.Millisecond)) }
	lag := "n/a"
	if rep.IndexLagSamples > 0 {
		lag = fmt.Sprintf("%.0f (last %.0f, %d samples)", rep.IndexLagMax, rep.IndexLagLast, rep.IndexLagSamples)
	}
	rows := [][2]string{
		{"target tps", strconv.Itoa(rep.TargetTPS)},
		{"offered tps", fmt.Sprintf("%.0f", rep.OfferedTPS)},
		{"accepted tps", fmt.Sprintf("%.0f", rep.AcceptedTPS)},
		{"committed tps", fmt.Sprintf("%.0f", rep.CommittedTPS)},
		{"submitted", strconv.FormatInt(rep.Submitted, 10)},
		{"accepted", strconv.FormatInt(rep.Accepted, 10)},
		{"rejected (503)", strconv.FormatInt(rep.Rejected, 10)},
		{"errors", strconv.FormatInt(rep.Errors, 10)},
		{"committed", strconv.FormatInt(rep.Committed, 10)},
		{"not committed", strconv.FormatInt(rep.Uncommitted, 10)},
		{"finality p50", ms(rep.FinalityP50)},
		{"finality p90", ms(rep.FinalityP90)},
		{"finality p99", ms(rep.FinalityP99)},
		{"finality max", ms(rep.FinalityMax)},
		{"blocks", strconv.Itoa(rep.Blocks)},
		{"mean txs/block", fmt.Sprintf("%.1f", rep.MeanTxsPerBlock)},
		{"block interval p50", ms(rep.IntervalP50)},
		{"block interval p99", ms(rep.IntervalP99)},
		{"max index lag", lag},
		{"late committed", strconv.FormatInt(rep.LateCommitted, 10)},
		{"lost", strconv.FormatInt(rep.Lost, 10)},
		{"client cpu", fmt.Sprintf("%.2fs (%.1f µs/tx)", rep.ClientCPUSeconds, rep.ClientCPUPerTx)},
		{"node cpu", fmt.Sprintf("%.2fs (%.1f µs/tx, all nodes)", rep.NodeCPUSeconds, rep.NodeCPUPerTx)},
	}
	fmt.Fprintln(out, "metric                value")
	for _, r := range rows {
		fmt.Fprintf(out, "%-21s %s\n", r[0], r[1])
	}
	for _, e := range rep.ErrorSamples {
		fmt.Fprintf(out, "error sample: %s\n", e)
	}
}
