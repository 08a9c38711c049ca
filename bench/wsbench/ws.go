package wsbench

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"aitbc/bench"
	"aitbc/bench/internal/wsclient"
	"aitbc/internal/quantile"
)

// Config is the WebSocket fan-out bench (`aitbcd bench ws`): Clients
// subscribers of new_blocks on one node, and when each block reaches each
// of them.
type Config struct {
	// WS is the node's WebSocket base URL (ws://host:port); the bench
	// uses /ws/new_blocks and /ws/consensus_events under it.
	WS string
	// Clients is how many new_blocks subscribers connect (1..100,000).
	// The node needs WS_MAX_CONNS and WS_MAX_CONNS_PER_ADDR above it.
	Clients int
	// Duration is the measuring window, after every client is connected.
	Duration time.Duration
	// Grace is how long after the window the bench waits for the last
	// deliveries of the window's blocks (default 10 s).
	Grace time.Duration
	// Metrics, if set, is the node's /metrics URL: its
	// process_resident_memory_bytes is read at the end of the window.
	Metrics string
	// DialConcurrency bounds connections being opened at once (default 64).
	DialConcurrency int
}

// Validate reports the first bad field.
func (c Config) Validate() error {
	switch {
	case !strings.HasPrefix(c.WS, "ws://"):
		return fmt.Errorf("%w: ws %q: want ws://host:port", ErrBadConfig, c.WS)
	case c.Clients < 1 || c.Clients > 100_000:
		return fmt.Errorf("%w: clients %d: want 1..100000", ErrBadConfig, c.Clients)
	case c.Duration <= 0 || c.Duration > time.Hour:
		return fmt.Errorf("%w: duration %v: want (0, 1h]", ErrBadConfig, c.Duration)
	case c.Grace < 0 || c.DialConcurrency < 0:
		return fmt.Errorf("%w: negative grace or dial concurrency", ErrBadConfig)
	}
	return nil
}

// Report is what the bench measured. A delay is from the block's commit
// (the time of the node's consensus_events "commit" event, ms resolution)
// to a subscriber's receipt of its new_blocks message.
type Report struct {
	Clients   int `json:"clients"`
	Connected int `json:"connected"` // subscribers that connected
	Lost      int `json:"lost"`      // subscribers whose stream ended during the run
	// Blocks committed in the window, and those every connected subscriber
	// received; Missing counts (block, subscriber) receipts that never came.
	Blocks   int   `json:"blocks"`
	Complete int   `json:"complete"`
	Missing  int64 `json:"missing"`
	// Incomplete lists the window's heights some subscriber lacked, with
	// how many subscribers got each (at most 20 listed).
	Incomplete map[uint64]int `json:"incomplete,omitempty"`
	// Per block, commit → the last subscriber's receipt (the fan-out's
	// tail) and → the first subscriber's receipt.
	LastP50  time.Duration `json:"last_p50_ns"`
	LastP99  time.Duration `json:"last_p99_ns"`
	LastMax  time.Duration `json:"last_max_ns"`
	FirstP50 time.Duration `json:"first_p50_ns"`
	// NodeRSSBytes is the node's resident memory at the end (0: not read).
	NodeRSSBytes float64       `json:"node_rss_bytes"`
	ConnectTime  time.Duration `json:"connect_ns"` // to open every subscriber
}

// receipts is, per height, how many subscribers got the block and when
// the first and the last did.
type receipts struct {
	mu sync.Mutex
	by map[uint64]*receipt
}

type receipt struct {
	n           int
	first, last time.Time
}

func (r *receipts) add(h uint64, at time.Time) {
	r.mu.Lock()
	x := r.by[h]
	if x == nil {
		x = &receipt{first: at}
		r.by[h] = x
	}
	x.n++
	x.last = at
	r.mu.Unlock()
}

// heightOf reads "height" from a new_blocks message without decoding the
// rest (a block's tx hashes are most of it, and 10,000 subscribers would
// otherwise decode every one of them).
func heightOf(msg []byte) (uint64, bool) {
	const key = `"height":`
	head := msg[:min(len(msg), 512)]
	i := bytes.Index(head, []byte(key))
	if i < 0 {
		return 0, false
	}
	j := i + len(key)
	k := j
	for k < len(head) && head[k] >= '0' && head[k] <= '9' {
		k++
	}
	h, err := strconv.ParseUint(string(head[j:k]), 10, 64)
	if err != nil {
		return 0, false
	}
	return h, true
}

// Run runs the fan-out bench: it connects the subscribers, records commit
// times from consensus_events, measures for cfg.Duration, waits cfg.Grace
// for the window's last deliveries and reports. Progress goes to out.
func Run(ctx context.Context, cfg Config, out io.Writer) (Report, error) {
	if err := cfg.Validate(); err != nil {
		return Report{}, err
	}
	if cfg.Grace == 0 {
		cfg.Grace = 10 * time.Second
	}
	if cfg.DialConcurrency == 0 {
		cfg.DialConcurrency = 64
	}
	base := strings.TrimRight(cfg.WS, "/")
	base = strings.TrimSuffix(base, "/ws")
	rep := Report{Clients: cfg.Clients}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	// Commit times, from one consensus_events subscriber.
	ev, err := wsclient.Dial(ctx, base+"/ws/consensus_events")
	if err != nil {
		return rep, fmt.Errorf("bench ws: consensus_events: %w", err)
	}
	defer ev.Close()
	var cmu sync.Mutex
	commits := map[uint64]time.Time{}
	go func() {
		for {
			op, msg, err := ev.ReadMessage()
			if err != nil {
				return
			}
			var m struct {
				Kind   string
				Height uint64
				Time   int64
			}
			if op == wsclient.OpText && json.Unmarshal(msg, &m) == nil && m.Kind == "commit" && m.Time > 0 {
				cmu.Lock()
				commits[m.Height] = time.UnixMilli(m.Time)
				cmu.Unlock()
			}
		}
	}()

	rec := &receipts{by: map[uint64]*receipt{}}
	var lost atomic.Int64
	conns := make([]*wsclient.Conn, 0, cfg.Clients)
	var connMu sync.Mutex
	defer func() {
		cancel() // first: the readers must not count these closes as lost
		connMu.Lock()
		for _, c := range conns {
			c.Close()
		}
		connMu.Unlock()
	}()
	t0 := time.Now()
	sem := make(chan struct{}, cfg.DialConcurrency)
	var dialErr atomic.Pointer[error]
	var wg sync.WaitGroup
	for i := 0; i < cfg.Clients && ctx.Err() == nil && dialErr.Load() == nil; i++ {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := wsclient.Dial(ctx, base+"/ws/new_blocks")
			<-sem
			if err != nil {
				dialErr.CompareAndSwap(nil, &err)
				return
			}
			connMu.Lock()
			conns = append(conns, c)
			connMu.Unlock()
			go func() {
				head := make([]byte, 512)
				for {
					op, msg, err := c.Skim(head)
					at := time.Now()
					if err != nil {
						if ctx.Err() == nil && lost.Add(1) <= 3 {
							fmt.Fprintf(out, "bench ws: a subscriber's stream ended: %v\n", err)
						}
						return
					}
					if h, ok := heightOf(msg); ok && op == wsclient.OpText {
						rec.add(h, at)
					}
				}
			}()
		}()
	}
	wg.Wait()
	rep.Connected, rep.ConnectTime = len(conns), time.Since(t0)
	if p := dialErr.Load(); p != nil {
		return rep, fmt.Errorf("bench ws: %d of %d subscribers connected: %w", rep.Connected, cfg.Clients, *p)
	}
	// A subscriber counts from the first block after the server registered
	// it, which may be a moment after its handshake returned: the window
	// opens once one block has reached every subscriber.
	for ready := false; !ready; {
		select {
		case <-ctx.Done():
			return rep, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
		rec.mu.Lock()
		for _, x := range rec.by {
			ready = ready || x.n >= rep.Connected
		}
		rec.mu.Unlock()
		if !ready && time.Since(t0) > 2*time.Minute {
			return rep, errors.New("bench ws: no block reached every subscriber within 2 minutes")
		}
	}
	fmt.Fprintf(out, "bench ws: %d subscribers connected in %v, all receiving; measuring for %v\n", rep.Connected, rep.ConnectTime.Round(time.Millisecond), cfg.Duration)

	// The window: blocks committed between start and end.
	start := time.Now()
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for end := start.Add(cfg.Duration); time.Now().Before(end); {
		select {
		case <-ctx.Done():
			return rep, ctx.Err()
		case <-tick.C:
			rec.mu.Lock()
			n := len(rec.by)
			rec.mu.Unlock()
			fmt.Fprintf(out, "  %3.0fs  heights seen %d  lost %d\n", time.Since(start).Seconds(), n, lost.Load())
		}
	}
	end := time.Now()
	if cfg.Metrics != "" {
		if v, ok := bench.ScrapeMetric(ctx, http.DefaultClient, cfg.Metrics, "process_resident_memory_bytes", 5*time.Second); ok {
			rep.NodeRSSBytes = v
		}
	}
	select { // the window's last blocks are still on their way
	case <-ctx.Done():
		return rep, ctx.Err()
	case <-time.After(cfg.Grace):
	}

	cmu.Lock()
	var window []uint64
	for h, at := range commits {
		// Whole milliseconds: a commit in the window's first ms counts.
		if !at.Before(start.Truncate(time.Millisecond)) && at.Before(end) {
			window = append(window, h)
		}
	}
	commitAt := func(h uint64) time.Time { return commits[h] }
	cmu.Unlock()
	rep.Lost = int(lost.Load())
	var lastD, firstD []time.Duration
	rec.mu.Lock()
	for _, h := range window {
		rep.Blocks++
		x := rec.by[h]
		got := 0
		if x != nil {
			got = x.n
			lastD = append(lastD, x.last.Sub(commitAt(h)))
			firstD = append(firstD, x.first.Sub(commitAt(h)))
		}
		if got >= rep.Connected {
			rep.Complete++
		} else if len(rep.Incomplete) < 20 {
			if rep.Incomplete == nil {
				rep.Incomplete = map[uint64]int{}
			}
			rep.Incomplete[h] = got
		}
		rep.Missing += int64(max(0, rep.Connected-got))
	}
	rec.mu.Unlock()
	if len(lastD) > 0 {
		rep.LastP50, rep.LastP99 = bench.Percentile(lastD, 50), quantile.Nearest(lastD, 99)
		rep.LastMax = lastD[len(lastD)-1]
		rep.FirstP50 = bench.Percentile(firstD, 50)
	}
	if rep.Blocks == 0 {
		return rep, errors.New("bench ws: no block committed in the window (is the node producing blocks?)")
	}
	return rep, nil
}

// Print writes the report as a table.
func (r Report) Print(w io.Writer) {
	fmt.Fprintf(w, "subscribers         %d connected of %d (in %v), %d lost during the run\n", r.Connected, r.Clients, r.ConnectTime.Round(time.Millisecond), r.Lost)
	fmt.Fprintf(w, "blocks in window    %d, received by every subscriber: %d, missing receipts: %d\n", r.Blocks, r.Complete, r.Missing)
	for h, n := range r.Incomplete {
		fmt.Fprintf(w, "  height %d reached %d subscribers\n", h, n)
	}
	fmt.Fprintf(w, "commit → last sub   p50 %v  p99 %v  max %v\n", r.LastP50.Round(time.Millisecond), r.LastP99.Round(time.Millisecond), r.LastMax.Round(time.Millisecond))
	fmt.Fprintf(w, "commit → first sub  p50 %v\n", r.FirstP50.Round(time.Millisecond))
	if r.NodeRSSBytes > 0 {
		fmt.Fprintf(w, "node RSS            %.0f MiB\n", r.NodeRSSBytes/(1<<20))
	}
}
