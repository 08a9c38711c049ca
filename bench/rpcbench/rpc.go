package rpcbench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"text/tabwriter"
	"time"

	"aitbc/bench"
	"aitbc/rpc/client"
)

// Config is one read-path bench run (aitbcd bench rpc). A zero field
// means its default.
type Config struct {
	// URL is the node's REST base URL, e.g. http://127.0.0.1:9080.
	URL string
	// Concurrency is the number of workers, each with one request in
	// flight on its own keep-alive connection. Default 32.
	Concurrency int
	// Duration of the measured phase. Default 10s.
	Duration time.Duration
	// Mix is the endpoint kinds to query (names from Kinds), each
	// worker issuing them in turn. Default DefaultMix.
	Mix []string
	// ScanBlocks bounds how many blocks back from the head discovery
	// reads looking for txs and addresses to query. Default 256.
	ScanBlocks int
	// Progress is the interval of progress lines. Default 1s.
	Progress time.Duration
	// HTTP overrides the keep-alive client (tests).
	HTTP *http.Client
}

func (c Config) withDefaults() Config {
	if c.Concurrency == 0 {
		c.Concurrency = 32
	}
	if c.Duration == 0 {
		c.Duration = 10 * time.Second
	}
	if len(c.Mix) == 0 {
		c.Mix = DefaultMix
	}
	if c.ScanBlocks == 0 {
		c.ScanBlocks = 256
	}
	if c.Progress == 0 {
		c.Progress = time.Second
	}
	return c
}

// Validate checks the config after defaults; errors wrap ErrBadConfig and
// name the field.
func (c Config) Validate() error {
	c = c.withDefaults()
	bad := func(f string, a ...any) error { return fmt.Errorf("%w: "+f, append([]any{ErrBadConfig}, a...)...) }
	u, err := url.Parse(c.URL)
	switch {
	case c.URL == "":
		return bad("no RPC URL")
	case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
		return bad("RPC URL %.100q: want http://HOST:PORT", c.URL)
	case c.Concurrency < 1 || c.Concurrency > 10_000:
		return bad("concurrency %d not in [1, 10000]", c.Concurrency)
	case c.Duration < 0 || c.Duration > 24*time.Hour:
		return bad("duration %v not in (0, 24h]", c.Duration)
	case c.ScanBlocks < 1 || c.ScanBlocks > 1_000_000:
		return bad("scan blocks %d not in [1, 1000000]", c.ScanBlocks)
	case c.Progress < 0:
		return bad("progress interval %v is negative", c.Progress)
	}
	return parseMix(c.Mix)
}

// Row is one endpoint kind's figures (or the total's). Latency is from
// sending the request to the last byte of the answer.
type Row struct {
	Endpoint string        `json:"endpoint"`
	Requests int64         `json:"requests"`
	Errors   int64         `json:"errors"`
	PerSec   float64       `json:"requests_per_second"`
	P50      time.Duration `json:"p50_ns"`
	P90      time.Duration `json:"p90_ns"`
	P99      time.Duration `json:"p99_ns"`
	Max      time.Duration `json:"max_ns"`
}

// Report is the outcome of one Run. An error is any answer that
// is not a 200 with the route's JSON about what was asked, or a failed
// request; requests cut off by an interrupt are not counted at all.
type Report struct {
	ChainID     string  `json:"chain_id"`
	StartHeight uint64  `json:"start_height"`
	Concurrency int     `json:"concurrency"`
	Seconds     float64 `json:"seconds"`         // asked for
	Elapsed     float64 `json:"elapsed_seconds"` // start to the last answer; the req/s basis
	Interrupted bool    `json:"interrupted"`     // stopped early (Ctrl-C): a partial report
	// Mix is the kinds queried; Skipped the default ones left out, with why.
	Mix     []string `json:"mix"`
	Skipped []string `json:"skipped,omitempty"`
	// What discovery found to query.
	TargetBlocks    int `json:"target_blocks"`
	TargetTxs       int `json:"target_txs"`
	TargetAddresses int `json:"target_addresses"`

	Rows         []Row    `json:"rows"`
	Total        Row      `json:"total"`
	ErrorSamples []string `json:"error_samples,omitempty"`
	// ClientCPUSeconds is this process's CPU time while measuring;
	// ClientCPUPerRequest divides it by the requests (µs).
	ClientCPUSeconds    float64 `json:"client_cpu_seconds"`
	ClientCPUPerRequest float64 `json:"client_cpu_us_per_request"`
}

// JSON renders the report for --json.
func (r Report) JSON() ([]byte, error) { return json.MarshalIndent(r, "", "  ") }

// maxRPCBody bounds one answer the bench reads (a full block's JSON is the
// largest).
const maxRPCBody = 96 << 20

// rpcHTTPClient is a keep-alive client for conns concurrent requests: an
// idle pool of exactly conns, so each worker keeps its connection.
func rpcHTTPClient(conns int) *http.Client {
	hc := bench.NewHTTPClient(conns)
	tr := hc.Transport.(*http.Transport)
	tr.MaxIdleConns, tr.MaxIdleConnsPerHost = conns, conns
	return hc
}

// Run runs cfg against a node: it discovers what to query (the head, the
// newest heights, txs and addresses from recent blocks), then
// cfg.Concurrency workers issue the mix in turn for cfg.Duration, each
// answer checked. It prints a progress line every cfg.Progress and the
// table at the end. When ctx ends early it still prints and returns the
// partial report, with an error saying so.
func Run(ctx context.Context, cfg Config, out io.Writer) (Report, error) {
	if err := cfg.Validate(); err != nil {
		return Report{}, err
	}
	explicit := len(cfg.Mix) > 0
	cfg = cfg.withDefaults()
	hc := cfg.HTTP
	if hc == nil {
		hc = rpcHTTPClient(cfg.Concurrency)
		defer hc.CloseIdleConnections()
	}
	c := &client.Client{BaseURL: cfg.URL, HTTP: hc}
	needIndex := slices.Contains(cfg.Mix, "txs") || slices.Contains(cfg.Mix, "blocks")
	t, err := discoverTargets(ctx, c, cfg.ScanBlocks, needIndex)
	if err != nil {
		return Report{}, err
	}
	rep := Report{ChainID: t.chainID, StartHeight: t.head, Concurrency: cfg.Concurrency, Seconds: cfg.Duration.Seconds(),
		TargetBlocks: len(t.heights), TargetTxs: len(t.txs), TargetAddresses: len(t.addrs)}
	var kinds []*rpcKind
	for _, name := range cfg.Mix {
		qs, why := t.queries(cfg.URL, name)
		if len(qs) == 0 {
			if explicit {
				return rep, fmt.Errorf("%w: %s: %s", ErrNoTargets, name, why)
			}
			rep.Skipped = append(rep.Skipped, name+": "+why)
			fmt.Fprintf(out, "rpc: %s left out of the mix: %s\n", name, why)
			continue
		}
		kinds = append(kinds, &rpcKind{name: name, queries: qs, check: rpcChecks[name]})
		rep.Mix = append(rep.Mix, name)
	}
	if len(kinds) == 0 {
		return rep, fmt.Errorf("%w: every kind of the mix was left out", ErrNoTargets)
	}
	fmt.Fprintf(out, "rpc: chain %s at height %d; %d heights, %d txs, %d addresses to query; %d workers for %v, mix %s\n",
		t.chainID, t.head, len(t.heights), len(t.txs), len(t.addrs), cfg.Concurrency, cfg.Duration, strings.Join(rep.Mix, ","))

	var (
		samples bench.Samples
		stop    atomic.Bool
		wg      sync.WaitGroup
	)
	cpu0 := bench.ProcessCPU()
	start := time.Now()
	for w := range cfg.Concurrency {
		wg.Add(1)
		go func() { defer wg.Done(); rpcWorker(ctx, hc, kinds, w, &stop, &samples) }()
	}
	prog := &rpcProgress{out: out, start: start, prev: start, kinds: kinds}
	tick := time.NewTicker(cfg.Progress)
	end := time.NewTimer(cfg.Duration)
loop:
	for {
		select {
		case <-tick.C:
			prog.line()
		case <-end.C:
			break loop
		case <-ctx.Done():
			rep.Interrupted = true
			break loop
		}
	}
	tick.Stop()
	end.Stop()
	stop.Store(true)
	wg.Wait() // each worker finishes the request it has in flight
	elapsed := time.Since(start)
	cpu := bench.ProcessCPU() - cpu0
	if time.Since(prog.prev) >= cfg.Progress/2 {
		prog.line() // the tail since the last line, unless too short to be a rate
	}

	rep.Elapsed = elapsed.Seconds()
	total := &histSnapshot{}
	for _, k := range kinds {
		s := k.hist.snapshot()
		total.merge(s)
		row := rpcRow(k.name, k.reqs.Load(), k.errs.Load(), s, elapsed)
		rep.Rows = append(rep.Rows, row)
		rep.Total.Requests += row.Requests
		rep.Total.Errors += row.Errors
	}
	rep.Total = rpcRow("total", rep.Total.Requests, rep.Total.Errors, total, elapsed)
	rep.ErrorSamples = samples.List()
	rep.ClientCPUSeconds = cpu.Seconds()
	if rep.Total.Requests > 0 {
		rep.ClientCPUPerRequest = float64(cpu.Microseconds()) / float64(rep.Total.Requests)
	}
	WriteTable(out, rep)
	if rep.Interrupted {
		return rep, fmt.Errorf("bench: rpc stopped after %v, the report is partial: %w", elapsed.Round(time.Millisecond), context.Cause(ctx))
	}
	return rep, nil
}

func rpcRow(name string, reqs, errs int64, s *histSnapshot, elapsed time.Duration) Row {
	return Row{Endpoint: name, Requests: reqs, Errors: errs, PerSec: float64(reqs) / elapsed.Seconds(),
		P50: s.percentile(50), P90: s.percentile(90), P99: s.percentile(99), Max: s.max}
}

// rpcWorker issues the mix in turn, starting at kind w so the workers
// spread over the kinds, until stop is set. A request that fails because
// ctx ended is the interrupt, not the node's failure: it is not counted.
func rpcWorker(ctx context.Context, hc *http.Client, kinds []*rpcKind, w int, stop *atomic.Bool, samples *bench.Samples) {
	var buf bytes.Buffer
	for i := w; !stop.Load(); i++ {
		k := kinds[i%len(kinds)]
		q := k.queries[(k.next.Add(1)-1)%uint64(len(k.queries))]
		t0 := time.Now()
		status, err := getInto(ctx, hc, q.url, &buf)
		d := time.Since(t0)
		if err != nil && ctx.Err() != nil {
			return
		}
		k.hist.record(d)
		k.reqs.Add(1)
		switch {
		case err != nil:
		case status != http.StatusOK:
			err = fmt.Errorf("HTTP %d: %s", status, snippetOf(buf.Bytes()))
		default:
			err = k.check(buf.Bytes(), q.want)
		}
		if err != nil {
			k.errs.Add(1)
			samples.Add(k.name + ": " + err.Error())
		}
	}
}

// getInto GETs u and reads the whole body into buf (reused across
// requests, so a worker allocates no body buffer per request).
func getInto(ctx context.Context, hc *http.Client, u string, buf *bytes.Buffer) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return 0, err
	}
	resp, err := hc.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	buf.Reset()
	if _, err := buf.ReadFrom(io.LimitReader(resp.Body, maxRPCBody+1)); err != nil {
		return resp.StatusCode, fmt.Errorf("read body: %w", err)
	}
	if buf.Len() > maxRPCBody {
		return resp.StatusCode, fmt.Errorf("body over %d bytes", maxRPCBody)
	}
	return resp.StatusCode, nil
}

// rpcProgress prints one line per interval: the rate since the last line,
// the average so far and the errors.
type rpcProgress struct {
	out         io.Writer
	start, prev time.Time
	kinds       []*rpcKind
	prevReqs    int64
}

func (p *rpcProgress) line() {
	now := time.Now()
	dt := now.Sub(p.prev).Seconds()
	if dt <= 0 {
		return
	}
	var reqs, errs int64
	for _, k := range p.kinds {
		reqs, errs = reqs+k.reqs.Load(), errs+k.errs.Load()
	}
	fmt.Fprintf(p.out, "t=%5.1fs %7.0f req/s (average %.0f/s) requests %d errors %d\n",
		now.Sub(p.start).Seconds(), float64(reqs-p.prevReqs)/dt, float64(reqs)/now.Sub(p.start).Seconds(), reqs, errs)
	p.prev, p.prevReqs = now, reqs
}

// WriteTable prints rep as a table: one row per endpoint kind in mix
// order, then the total; latencies in milliseconds. Then the client's CPU
// time and the error samples.
func WriteTable(out io.Writer, rep Report) {
	ms := func(d time.Duration) string { return fmt.Sprintf("%.3fms", float64(d)/float64(time.Millisecond)) }
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "endpoint\trequests\treq/s\tp50\tp90\tp99\tmax\terrors\t")
	for _, r := range append(slices.Clone(rep.Rows), rep.Total) {
		fmt.Fprintf(tw, "%s\t%d\t%.0f\t%s\t%s\t%s\t%s\t%d\t\n", r.Endpoint, r.Requests, r.PerSec, ms(r.P50), ms(r.P90), ms(r.P99), ms(r.Max), r.Errors)
	}
	tw.Flush()
	fmt.Fprintf(out, "client cpu %.2fs (%.1f µs/request)\n", rep.ClientCPUSeconds, rep.ClientCPUPerRequest)
	for _, e := range rep.ErrorSamples {
		fmt.Fprintf(out, "error sample: %s\n", e)
	}
}
