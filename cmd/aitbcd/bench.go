package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"aitbc/bench"
	"aitbc/bench/load"
	"aitbc/bench/rpcbench"
	"aitbc/bench/sigbench"
)

// runBench is `aitbcd bench SUBCOMMAND`.
func runBench(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return usagef("bench: want a subcommand: sigverify, load, rpc, ws, suite or compare")
	}
	switch args[0] {
	case "sigverify":
		return runBenchSigverify(args[1:], stdout, stderr)
	case "load":
		return runBenchLoad(args[1:], stdout, stderr)
	case "rpc":
		return runBenchRPC(args[1:], stdout, stderr)
	case "ws":
		return runBenchWS(args[1:], stdout, stderr)
	case "suite":
		return runBenchSuite(args[1:], stdout, stderr)
	case "compare":
		return runBenchCompare(args[1:], stdout, stderr)
	case "-h", "--help", "help":
		fmt.Fprintln(stdout, "Usage: aitbcd bench sigverify [--backend cpu|kernel-host|cuda] [--compare BACKEND] [--batch N] [--seconds S] [--workers N] [--json FILE]")
		fmt.Fprintln(stdout, "       aitbcd bench load --key FAUCET_KEY [--rpc URL] [--ws URL] [--tps N] [--seconds S] [--senders N] [--metrics URL] [--presign] [--send-to URL,URL] [--tx-bytes N] [--batch N] [--json FILE]")
		fmt.Fprintln(stdout, "       aitbcd bench rpc [--rpc URL] [--concurrency N] [--seconds S] [--mix "+strings.Join(rpcbench.DefaultMix, ",")+"] [--json FILE]")
		fmt.Fprintln(stdout, "       aitbcd bench ws [--ws URL] [--clients N] [--seconds S] [--grace S] [--metrics URL] [--json FILE]")
		fmt.Fprintln(stdout, "       aitbcd bench suite [--out DIR] [--budget 9m] [--rates N,N,...] [--single-rate N] [--single-index] [-v]")
		fmt.Fprintln(stdout, "       aitbcd bench compare A B   (report.json files or their directories; prints B/A)")
		return nil
	}
	return usagef("bench: unknown subcommand %q (want sigverify, load, rpc, ws, suite or compare)", args[0])
}

// runBenchSigverify is `aitbcd bench sigverify`: flags over
// sigbench.Sigverify. Ctrl-C stops it.
func runBenchSigverify(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("bench sigverify", stderr)
	backend := fs.String("backend", "cpu", "backend to measure: "+strings.Join(sigbench.Backends, " | "))
	compare := fs.String("compare", "", "also measure this backend at every batch size and print where --backend overtakes it (e.g. --backend cuda --compare cpu)")
	batch := fs.Int("batch", 0, "one batch size (default: 16, 64, 256, 1024 and 4096)")
	seconds := fs.Float64("seconds", 2, "seconds per batch size (and for the stdlib baseline)")
	workers := fs.Int("workers", 0, "CPU goroutines for the cpu backend and the baseline (0 = one per core)")
	msgLen := fs.Int("msg-len", 160, "signed message length in bytes")
	jsonOut := fs.String("json", "", "also write the report as JSON to this file")
	if err := parse(fs, args); err != nil {
		return err
	}
	cfg := sigbench.SigverifyConfig{Backend: *backend, Compare: *compare, Workers: *workers, MsgLen: *msgLen,
		Duration: time.Duration(*seconds * float64(time.Second))}
	switch {
	case *seconds <= 0 || *seconds > 3600:
		return usagef("--seconds %v: want a value in (0, 3600]", *seconds)
	case *batch < 0:
		return usagef("--batch %d: must be positive", *batch)
	case *batch > 0:
		cfg.Batches = []int{*batch}
	}
	if err := cfg.Validate(); err != nil {
		return usagef("%v", err)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	rep, err := sigbench.Sigverify(ctx, cfg, stdout)
	if err != nil {
		if errors.Is(err, sigbench.ErrUnknownBackend) || errors.Is(err, bench.ErrBadConfig) {
			return usagef("%v", err)
		}
		return err
	}
	if *jsonOut != "" {
		b, err := json.MarshalIndent(rep, "", "  ")
		if err != nil {
			return err
		}
		if err := os.WriteFile(*jsonOut, append(b, '\n'), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// runBenchLoad is `aitbcd bench load`: flags over load.Run. Ctrl-C
// stops it (the table of what was measured is still printed).
func runBenchLoad(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("bench load", stderr)
	rpcURL := fs.String("rpc", "http://127.0.0.1:9080", "RPC base URL of the node")
	wsURL := fs.String("ws", "ws://127.0.0.1:9081/ws", "WebSocket URL of the node (new_blocks is subscribed)")
	keyPath := fs.String("key", "", "faucet account key file that funds the senders (devnet: DIR/faucet.key)")
	tps := fs.Int("tps", 1000, "aggregate target rate of transfers per second")
	seconds := fs.Float64("seconds", 10, "seconds of sending")
	senders := fs.Int("senders", 64, "sender accounts (each one request in flight: the concurrency)")
	metrics := fs.String("metrics", "", "Prometheus URL of the node, scraped for aitbc_index_lag_blocks (e.g. http://127.0.0.1:9090/metrics)")
	presign := fs.Bool("presign", false, "sign every tx before the clock starts (measures the node without the client's signing)")
	drain := fs.Float64("drain", 30, "seconds to wait after sending for the accepted txs to commit")
	fee := fs.Uint64("fee", 0, "fee per transfer (default: the node's estimate)")
	sendTo := fs.String("send-to", "", "comma-separated RPC base URLs the txs go to, round-robin by sender (default: --rpc)")
	txBytes := fs.Int("tx-bytes", 0, "pad each transfer's payload to this canonical size in bytes (0: no payload)")
	batch := fs.Int("batch", 0, "send this many txs per POST /rpc/send_txs (0 or 1: one send_tx per tx)")
	jsonOut := fs.String("json", "", "also write the report as JSON to this file")
	if err := parse(fs, args); err != nil {
		return err
	}
	switch {
	case *keyPath == "":
		return usagef("--key is required (the faucet key)")
	case *seconds <= 0 || *seconds > 86400:
		return usagef("--seconds %v: want a value in (0, 86400]", *seconds)
	case *drain < 0 || *drain > 3600:
		return usagef("--drain %v: want a value in [0, 3600]", *drain)
	case *tps < 1 || *tps > 1_000_000:
		return usagef("--tps %d: want 1..1000000", *tps)
	case *senders < 1 || *senders > 10_000:
		return usagef("--senders %d: want 1..10000", *senders)
	}
	priv, err := loadAccountKey(*keyPath)
	if err != nil {
		return err
	}
	cfg := load.Config{RPC: *rpcURL, WS: *wsURL, Faucet: priv, TPS: *tps, Senders: *senders,
		Duration: time.Duration(*seconds * float64(time.Second)), MetricsURL: *metrics, Presign: *presign,
		Drain: time.Duration(*drain * float64(time.Second)), Fee: *fee, TxBytes: *txBytes, Batch: *batch}
	if *sendTo != "" {
		for _, u := range strings.Split(*sendTo, ",") {
			if u = strings.TrimSpace(u); u == "" {
				return usagef("--send-to %q: empty URL", *sendTo)
			}
			cfg.SendTo = append(cfg.SendTo, u)
		}
	}
	if *drain == 0 {
		cfg.Drain = time.Nanosecond // 0 means the default in load.Config
	}
	if err := cfg.Validate(); err != nil {
		return usagef("%v", err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	rep, err := load.Run(ctx, cfg, stdout)
	if *jsonOut != "" && rep.Submitted > 0 {
		b, jerr := rep.JSON()
		if jerr == nil {
			jerr = os.WriteFile(*jsonOut, append(b, '\n'), 0o644)
		}
		err = errors.Join(err, jerr)
	}
	return err
}

// runBenchRPC is `aitbcd bench rpc`: flags over rpcbench.Run. Ctrl-C stops
// it (the table of what was measured is still printed, and written with
// --json).
func runBenchRPC(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("bench rpc", stderr)
	rpcURL := fs.String("rpc", "http://127.0.0.1:9080", "RPC base URL of the node")
	concurrency := fs.Int("concurrency", 32, "concurrent keep-alive clients, one request in flight each")
	seconds := fs.Float64("seconds", 10, "seconds of querying")
	mix := fs.String("mix", "", "comma-separated endpoint kinds queried in turn, from "+strings.Join(rpcbench.Kinds, ",")+
		" (default "+strings.Join(rpcbench.DefaultMix, ",")+", leaving out kinds the chain has nothing for)")
	scan := fs.Int("scan", 256, "blocks read back from the head looking for txs and addresses to query")
	jsonOut := fs.String("json", "", "also write the report as JSON to this file")
	if err := parse(fs, args); err != nil {
		return err
	}
	switch {
	case *seconds <= 0 || *seconds > 86400:
		return usagef("--seconds %v: want a value in (0, 86400]", *seconds)
	case *concurrency < 1 || *concurrency > 10_000:
		return usagef("--concurrency %d: want 1..10000", *concurrency)
	case *scan < 1:
		return usagef("--scan %d: want at least 1", *scan)
	}
	cfg := rpcbench.Config{URL: *rpcURL, Concurrency: *concurrency, ScanBlocks: *scan,
		Duration: time.Duration(*seconds * float64(time.Second))}
	if *mix != "" {
		for _, k := range strings.Split(*mix, ",") {
			if k = strings.TrimSpace(k); k == "" {
				return usagef("--mix %q: empty endpoint kind", *mix)
			}
			cfg.Mix = append(cfg.Mix, k)
		}
	}
	if err := cfg.Validate(); err != nil {
		return usagef("%v", err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	rep, err := rpcbench.Run(ctx, cfg, stdout)
	if *jsonOut != "" && rep.Total.Requests > 0 {
		b, jerr := rep.JSON()
		if jerr == nil {
			jerr = os.WriteFile(*jsonOut, append(b, '\n'), 0o644)
		}
		err = errors.Join(err, jerr)
	}
	return err
}
