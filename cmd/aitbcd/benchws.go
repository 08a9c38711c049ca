package main

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"aitbc/bench/wsbench"
)

// runBenchWS is `aitbcd bench ws`: flags over wsbench.Run.
func runBenchWS(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("bench ws", stderr)
	wsURL := fs.String("ws", "ws://127.0.0.1:9081", "WebSocket base URL of the node")
	clients := fs.Int("clients", 1000, "new_blocks subscribers (the node needs WS_MAX_CONNS and WS_MAX_CONNS_PER_ADDR above this)")
	seconds := fs.Float64("seconds", 30, "seconds of measuring once every subscriber is connected")
	grace := fs.Float64("grace", 10, "seconds to wait after the window for its last blocks to arrive")
	metrics := fs.String("metrics", "", "the node's /metrics URL, to report its resident memory")
	jsonOut := fs.String("json", "", "also write the report as JSON to this file")
	if err := parse(fs, args); err != nil {
		return err
	}
	cfg := wsbench.Config{WS: *wsURL, Clients: *clients, Metrics: *metrics, Duration: time.Duration(*seconds * float64(time.Second)),
		Grace: time.Duration(*grace * float64(time.Second))}
	if err := cfg.Validate(); err != nil {
		return usagef("%v", err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	rep, err := wsbench.Run(ctx, cfg, stdout)
	if rep.Connected > 0 {
		rep.Print(stdout)
	}
	if *jsonOut != "" && rep.Connected > 0 {
		b, jerr := json.MarshalIndent(rep, "", "  ")
		if jerr == nil {
			jerr = os.WriteFile(*jsonOut, append(b, '\n'), 0o644)
		}
		err = errors.Join(err, jerr)
	}
	return err
}
