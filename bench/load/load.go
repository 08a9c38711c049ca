package load

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"aitbc/bench"
	"aitbc/bench/internal/wsclient"
	"aitbc/engine/types"
	"aitbc/internal/quantile"
	netws "aitbc/netio/ws"
	"aitbc/rpc/api"
	"aitbc/rpc/client"
)

// Config is one load bench run (aitbcd bench load). A zero field
// means its default.
type Config struct {
	// RPC is the node's REST base URL, e.g. http://127.0.0.1:9080.
	RPC string
	// WS is the node's WebSocket URL, e.g. ws://127.0.0.1:9081/ws; the
	// bench subscribes to new_blocks on it.
	WS string
	// Faucet funds the senders; it needs (Amount+fee) × the run's txs.
	Faucet ed25519.PrivateKey
	// TPS is the aggregate target rate of transfers. Default 1000.
	TPS int
	// Duration of the sending phase. Default 10s.
	Duration time.Duration
	// Senders is the number of funded accounts, each sending its
	// transfers in nonce order with one request in flight: it is also
	// the concurrency bound. Default 64.
	Senders int
	// MetricsURL, if set, is scraped every 500 ms for
	// aitbc_index_lag_blocks.
	MetricsURL string
	// Amount of each transfer. Default 1.
	Amount uint64
	// Fee of each transfer; below the node's estimate (0 included) the
	// estimate is used.
	Fee uint64
	// Presign signs every tx before the clock starts, so the run measures
	// the node and the HTTP path without the client's signing cost.
	Presign bool
	// Drain is how long to wait after the last send for the accepted txs
	// to be committed. Default 30s.
	Drain time.Duration
	// Progress is the interval of progress lines. Default 1s.
	Progress time.Duration
	// HTTP overrides the tuned keep-alive client (tests).
	HTTP *http.Client
	// SendTo, if set, lists the REST base URLs the txs go to, sender i
	// using SendTo[i mod len]: round-robin over a devnet's nodes. RPC
	// still funds the senders and answers the lost-tx queries.
	SendTo []string
	// TxBytes pads each transfer's payload so its canonical encoding is
	// this long (0: no payload). It must be at least the unpadded size.
	TxBytes int
	// Batch > 1 sends that many consecutive slots of a sender in one
	// POST /rpc/send_txs when the last of them is due (each tx's latency
	// still counts from its own slot).
	Batch int
	// NodeCPU, if set, reads the CPU time the nodes under test have used;
	// it is read when sending starts and when the run ends, and the
	// difference is reported per committed tx.
	NodeCPU func() time.Duration
}

func (c Config) withDefaults() Config {
	if c.TPS == 0 {
		c.TPS = 1000
	}
	if c.Duration == 0 {
		c.Duration = 10 * time.Second
	}
	if c.Senders == 0 {
		c.Senders = 64
	}
	if c.Amount == 0 {
		c.Amount = 1
	}
	if c.Drain == 0 {
		c.Drain = 30 * time.Second
	}
	if c.Progress == 0 {
		c.Progress = time.Second
	}
	return c
}

// Validate checks the config after defaults; errors wrap ErrBadConfig.
func (c Config) Validate() error {
	c = c.withDefaults()
	bad := func(f string, a ...any) error { return fmt.Errorf("%w: "+f, append([]any{ErrBadConfig}, a...)...) }
	switch {
	case c.RPC == "":
		return bad("no RPC URL")
	case c.WS == "":
		return bad("no WebSocket URL")
	case len(c.Faucet) != ed25519.PrivateKeySize:
		return bad("no faucet key")
	case c.TPS < 1 || c.TPS > 1_000_000:
		return bad("tps %d not in [1, 1000000]", c.TPS)
	case c.Duration < 0 || c.Duration > 24*time.Hour:
		return bad("duration %v not in (0, 24h]", c.Duration)
	case c.Senders < 1 || c.Senders > 10_000:
		return bad("senders %d not in [1, 10000]", c.Senders)
	case c.Drain < 0:
		return bad("drain %v is negative", c.Drain)
	case c.Progress < 0:
		return bad("progress interval %v is negative", c.Progress)
	case c.Batch < 0 || c.Batch > api.MaxBatchTxs:
		return bad("batch %d not in [0, %d]", c.Batch, api.MaxBatchTxs)
	case c.TxBytes < 0 || c.TxBytes > types.MaxTxBytes:
		return bad("tx bytes %d not in [0, %d]", c.TxBytes, types.MaxTxBytes)
	}
	return nil
}

// Report is the outcome of one Run. Submitted counts send_tx
// requests; each ends as Accepted, Rejected (503 mempool_full or busy,
// retried after a back-off) or an error. Committed counts the accepted
// txs seen in a new_blocks message plus LateCommitted; Uncommitted the
// sent txs not found committed when the run ended (Lost among them).
type Report struct {
	TargetTPS       int           `json:"target_tps"`
	Seconds         float64       `json:"seconds"`
	Senders         int           `json:"senders"`
	Presigned       bool          `json:"presigned"`
	Fee             uint64        `json:"fee"`
	Submitted       int64         `json:"submitted"`
	Accepted        int64         `json:"accepted"`
	Rejected        int64         `json:"rejected"`
	Errors          int64         `json:"errors"`
	ErrorSamples    []string      `json:"error_samples,omitempty"`
	Committed       int64         `json:"committed"`
	Uncommitted     int64         `json:"uncommitted"`
	OfferedTPS      float64       `json:"offered_tps"`   // Submitted / Seconds
	AcceptedTPS     float64       `json:"accepted_tps"`  // Accepted / Seconds
	CommittedTPS    float64       `json:"committed_tps"` // Committed / (start → last commit seen)
	FinalityP50     time.Duration `json:"finality_p50_ns"`
	FinalityP90     time.Duration `json:"finality_p90_ns"`
	FinalityP99     time.Duration `json:"finality_p99_ns"`
	FinalityMax     time.Duration `json:"finality_max_ns"`
	Blocks          int           `json:"blocks"` // first to last block carrying a bench tx
	MeanTxsPerBlock float64       `json:"mean_txs_per_block"`
	IntervalP50     time.Duration `json:"block_interval_p50_ns"` // from header times
	IntervalP99     time.Duration `json:"block_interval_p99_ns"`
	StartHeight     uint64        `json:"start_height"`
	EndHeight       uint64        `json:"end_height"`
	IndexLagMax     float64       `json:"index_lag_max"`
	IndexLagLast    float64       `json:"index_lag_last"`
	IndexLagSamples int           `json:"index_lag_samples"`
	// ClientCPUSeconds is this process's CPU time during the sending and
	// draining phases; ClientCPUPerTx divides it by Submitted (µs).
	ClientCPUSeconds float64 `json:"client_cpu_seconds"`
	ClientCPUPerTx   float64 `json:"client_cpu_us_per_tx"`
	// NodeCPUSeconds is the nodes' CPU time from the start of sending to
	// the end of the run (Config.NodeCPU; 0 without it), and
	// NodeCPUPerTx that over Committed, in µs: all nodes together.
	NodeCPUSeconds float64 `json:"node_cpu_seconds"`
	NodeCPUPerTx   float64 `json:"node_cpu_us_per_tx"`
	// TxBytes is the canonical size of each transfer sent.
	TxBytes int `json:"tx_bytes"`
	// LateCommitted are accepted txs no new_blocks message carried (the
	// stream dropped them, or they committed after the drain) that
	// get_tx found committed at the end; they count in Committed but
	// have no latency. Lost are accepted txs that get_tx did not find
	// committed either: a run with any is a failure (ErrLost).
	LateCommitted int64 `json:"late_committed"`
	Lost          int64 `json:"lost"`
}

// JSON renders the report for --json.
func (r Report) JSON() ([]byte, error) { return json.MarshalIndent(r, "", "  ") }

// Run runs cfg against a node: it funds cfg.Senders fresh accounts from
// the faucet and waits until that is final, then sends transfers at
// cfg.TPS for cfg.Duration, follows new_blocks to time each tx from
// submission to the block that carries it, prints a progress line every
// cfg.Progress and the table at the end.
func Run(ctx context.Context, cfg Config, out io.Writer) (Report, error) {
	if err := cfg.Validate(); err != nil {
		return Report{}, err
	}
	cfg = cfg.withDefaults()
	hc := cfg.HTTP
	if hc == nil {
		hc = bench.NewHTTPClient(cfg.Senders)
	}
	c := &client.Client{BaseURL: cfg.RPC, HTTP: hc}
	rep := Report{TargetTPS: cfg.TPS, Seconds: cfg.Duration.Seconds(), Senders: cfg.Senders, Presigned: cfg.Presign}

	// Follow blocks before anything is sent, so no commit is missed.
	dctx, dcancel := context.WithTimeout(ctx, 10*time.Second)
	ws, err := wsclient.Dial(dctx, cfg.WS)
	dcancel()
	if err != nil {
		return rep, err
	}
	defer ws.Close()
	if err := ws.WriteFrame(wsclient.OpText, []byte(`{"op":"subscribe","topics":["new_blocks"]}`)); err != nil {
		return rep, fmt.Errorf("bench: ws subscribe: %w", err)
	}
	tr := newTracker()
	wsDone := make(chan error, 1)
	go func() { wsDone <- followBlocks(ws, tr) }()

	st, err := c.Status(ctx)
	if err != nil {
		return rep, fmt.Errorf("bench: status: %w", err)
	}
	rep.StartHeight = st.Head.Height
	fmt.Fprintf(out, "load: chain %s at height %d; %d senders, %d tx/s for %v (presign %v)\n",
		st.ChainID, st.Head.Height, cfg.Senders, cfg.TPS, cfg.Duration, cfg.Presign)
	senders, fee, err := fund(ctx, c, cfg, st.ChainID, out)
	if err != nil {
		return rep, err
	}
	rep.Fee = fee

	// Scrape the index lag from now on.
	var (
		lag   indexLag
		lagMu sync.Mutex
	)
	lag.seen.Store(-1)
	sctx, scancel := context.WithCancel(ctx)
	var scrapeWG sync.WaitGroup
	if cfg.MetricsURL != "" {
		scrapeWG.Add(1)
		go func() {
			defer scrapeWG.Done()
			scrapeIndexLag(sctx, &http.Client{Timeout: 2 * time.Second}, cfg.MetricsURL, 500*time.Millisecond, &lag, &lagMu)
		}()
	}

	var cnt counters
	nodeCPU := cfg.NodeCPU
	if nodeCPU == nil {
		nodeCPU = func() time.Duration { return 0 }
	}
	node0 := nodeCPU()
	cpu0 := bench.ProcessCPU()
	start := time.Now()
	p := newPacer(start, cfg.TPS, cfg.Duration)
	var wg sync.WaitGroup
	for _, s := range senders {
		wg.Add(1)
		go func() { defer wg.Done(); s.run(ctx, p, tr, &cnt) }()
	}
	sendDone := make(chan struct{})
	go func() { wg.Wait(); close(sendDone) }()

	// Progress until sending is over and the accepted txs are committed
	// (or the drain time runs out).
	prog := newProgress(out, start, &cnt, tr, &lag)
	tick := time.NewTicker(cfg.Progress)
	var drainEnd <-chan time.Time
	var wsErr error
loop:
	for {
		select {
		case <-tick.C:
			prog.line()
		case <-sendDone:
			sendDone = nil
			drainEnd = time.After(cfg.Drain)
			fmt.Fprintf(out, "load: sending done after %v; waiting up to %v for %d txs to commit\n",
				time.Since(start).Round(time.Millisecond), cfg.Drain, tr.outstanding())
		case <-drainEnd:
			break loop
		case wsErr = <-wsDone:
			break loop
		case <-ctx.Done():
			break loop
		}
		if sendDone == nil && tr.outstanding() == 0 {
			break
		}
	}
	tick.Stop()
	prog.line()
	cpu := bench.ProcessCPU() - cpu0
	nodeUsed := nodeCPU() - node0
	scancel()
	scrapeWG.Wait()
	ws.Close()
	wg.Wait()

	rep.Submitted, rep.Accepted = cnt.submitted.Load(), cnt.accepted.Load()
	rep.Rejected, rep.Errors = cnt.rejected.Load(), cnt.errors.Load()
	rep.ErrorSamples = cnt.samples()
	tr.mu.Lock()
	lat := tr.latencies
	blocks := tr.blocks
	last := tr.last
	left := make([]types.Hash, 0, len(tr.pending))
	for h := range tr.pending {
		left = append(left, h)
	}
	tr.mu.Unlock()
	queried := []*client.Client{c}
	for _, u := range cfg.SendTo {
		if u != cfg.RPC {
			queried = append(queried, &client.Client{BaseURL: u, HTTP: hc})
		}
	}
	rep.LateCommitted, rep.Lost = reconcile(context.WithoutCancel(ctx), queried, left, tr.acceptedSet(), cfg.Drain)
	rep.Uncommitted = int64(len(left)) - rep.LateCommitted
	rep.Committed = int64(len(lat)) + rep.LateCommitted
	rep.OfferedTPS = float64(rep.Submitted) / cfg.Duration.Seconds()
	rep.AcceptedTPS = float64(rep.Accepted) / cfg.Duration.Seconds()
	if !last.IsZero() {
		rep.CommittedTPS = float64(rep.Committed) / last.Sub(start).Seconds()
	}
	rep.FinalityP50, rep.FinalityP90 = bench.Percentile(lat, 50), quantile.Nearest(lat, 90)
	rep.FinalityP99, rep.FinalityMax = quantile.Nearest(lat, 99), quantile.Nearest(lat, 100)
	rep.Blocks, rep.MeanTxsPerBlock, rep.IntervalP50, rep.IntervalP99 = blockStats(blocks)
	rep.EndHeight = tr.head.Load()
	lagMu.Lock()
	rep.IndexLagMax, rep.IndexLagLast, rep.IndexLagSamples = lag.max, lag.last, lag.samples
	lagMu.Unlock()
	rep.ClientCPUSeconds = cpu.Seconds()
	if rep.Submitted > 0 {
		rep.ClientCPUPerTx = float64(cpu.Microseconds()) / float64(rep.Submitted)
	}
	rep.NodeCPUSeconds = nodeUsed.Seconds()
	if rep.Committed > 0 {
		rep.NodeCPUPerTx = float64(nodeUsed.Microseconds()) / float64(rep.Committed)
	}
	rep.TxBytes = senders[0].size()
	WriteTable(out, rep)
	if err := ctx.Err(); err != nil {
		return rep, context.Cause(ctx)
	}
	if wsErr != nil {
		return rep, fmt.Errorf("bench: new_blocks stream ended: %w", wsErr)
	}
	if rep.Lost > 0 {
		return rep, fmt.Errorf("%w: %d of %d accepted txs", ErrLost, rep.Lost, rep.Accepted)
	}
	return rep, nil
}

// reconcile asks the nodes about each tx no block carried while the run
// watched: committed ones are late; accepted ones that no node holds
// any more are lost, and so are those still pending after grace (polled
// every half second until then). A query error counts as not held: the
// run cannot show the tx was committed.
func reconcile(ctx context.Context, cs []*client.Client, left []types.Hash, accepted map[types.Hash]bool, grace time.Duration) (late, lost int64) {
	deadline := time.Now().Add(grace)
	for len(left) > 0 {
		var still []types.Hash
		for _, h := range left {
			switch txStatus(ctx, cs, h) {
			case api.TxCommitted:
				late++
			case api.TxPending:
				still = append(still, h)
			default:
				if accepted[h] {
					lost++
				}
			}
		}
		left = still
		if len(left) == 0 || time.Now().After(deadline) || !bench.SleepCtx(ctx, 500*time.Millisecond) {
			break
		}
	}
	for _, h := range left {
		if accepted[h] {
			lost++
		}
	}
	return late, lost
}

// txStatus is the best status any node gives h: committed over pending
// over unknown ("").
func txStatus(ctx context.Context, cs []*client.Client, h types.Hash) string {
	best := ""
	for _, c := range cs {
		ctx1, cancel := context.WithTimeout(ctx, 5*time.Second)
		r, err := c.Tx(ctx1, h)
		cancel()
		switch {
		case err != nil:
		case r.Status == api.TxCommitted:
			return api.TxCommitted
		case r.Status == api.TxPending:
			best = api.TxPending
		}
	}
	return best
}

// followBlocks reads new_blocks messages into tr until the connection
// ends.
func followBlocks(ws *wsclient.Conn, tr *tracker) error {
	for {
		op, msg, err := ws.ReadMessage()
		if err != nil {
			return err
		}
		at := time.Now()
		if op != wsclient.OpText {
			continue
		}
		var b api.BlockMessage
		if err := json.Unmarshal(msg, &b); err != nil || b.Topic != netws.TopicNewBlocks {
			continue // subscribe replies and other topics
		}
		tr.block(b.Height, b.Time, b.TxHashes, at)
	}
}

// counters are the senders' shared tallies.
type counters struct {
	submitted, accepted, rejected, errors atomic.Int64
	errSamples                            bench.Samples
}

func (c *counters) fail(err error) {
	c.errors.Add(1)
	c.errSamples.Add(err.Error())
}

func (c *counters) samples() []string { return c.errSamples.List() }

// progress prints one line per interval: rates since the last line,
// rejections so far, the head and the index lag.
type progress struct {
	out                      io.Writer
	start, prev              time.Time
	cnt                      *counters
	tr                       *tracker
	lag                      *indexLag
	prevSub, prevCom, prevRj int64
}

func newProgress(out io.Writer, start time.Time, cnt *counters, tr *tracker, lag *indexLag) *progress {
	return &progress{out: out, start: start, prev: start, cnt: cnt, tr: tr, lag: lag}
}

func (p *progress) line() {
	now := time.Now()
	dt := now.Sub(p.prev).Seconds()
	if dt <= 0 {
		return
	}
	sub, com, rj := p.cnt.submitted.Load(), p.tr.committed.Load(), p.cnt.rejected.Load()
	lag := "n/a"
	if v := p.lag.seen.Load(); v >= 0 {
		lag = fmt.Sprint(v)
	}
	fmt.Fprintf(p.out, "t=%5.1fs submitted %6.0f/s committed %6.0f/s rejected %d (+%d) errors %d head %d index_lag %s\n",
		now.Sub(p.start).Seconds(), float64(sub-p.prevSub)/dt, float64(com-p.prevCom)/dt, rj, rj-p.prevRj,
		p.cnt.errors.Load(), p.tr.head.Load(), lag)
	p.prev, p.prevSub, p.prevCom, p.prevRj = now, sub, com, rj
}
