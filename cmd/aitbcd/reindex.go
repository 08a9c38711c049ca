package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"aitbc/engine/indexer"
	"aitbc/engine/types"
	"aitbc/internal/config"
	"aitbc/observability"
	"aitbc/storage/blockstore"
	"aitbc/storage/index"
)

// runReindex is `aitbcd reindex [--config FILE] [--from H] [--batch N]`:
// it rebuilds the SQL index of DATABASE_URL from the block store in
// DATA_DIR (see indexer.Reindex). The node must be stopped: Badger allows
// one process per data directory.
func runReindex(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("reindex", stderr)
	cfgPath := fs.String("config", "", "TOML config file of the node (paths in it are relative to it)")
	from := fs.Uint64("from", 1, "first height to rewrite (at most the index's last height + 1); lower heights are replayed, not written")
	batch := fs.Int("batch", indexer.DefaultBatch, "blocks per database transaction")
	var scratch config.Config
	scratch.RegisterFlags(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	if *batch < 1 || *batch > 10000 {
		return fmt.Errorf("%w: --batch %d: want 1..10000", config.ErrInvalid, *batch)
	}
	cfg, err := config.Load(*cfgPath, fs)
	if err != nil {
		return err
	}
	if cfg.DatabaseURL == "" {
		return fmt.Errorf("%w: DATABASE_URL is empty: nothing to reindex into", config.ErrInvalid)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	log, err := observability.NewLogger(stderr, cfg.LogLevel, cfg.LogFormat)
	if err != nil {
		return err
	}
	base := filepath.Dir(*cfgPath)
	gen, err := loadGenesis(resolve(base, cfg.GenesisFile))
	if err != nil {
		return err
	}
	dir := resolve(base, cfg.DataDir)
	if _, err := os.Stat(dir); err != nil {
		return fmt.Errorf("DATA_DIR: %w", err)
	}
	store, err := blockstore.Open(blockstore.Options{Dir: dir, SyncWrites: true, Logger: log})
	if err != nil {
		return fmt.Errorf("DATA_DIR: %w (a running node holds the data directory: stop it before reindexing)", err)
	}
	defer store.Close()
	if err := store.CheckChain(gen.ChainID, gen.Hash()); err != nil {
		return fmt.Errorf("DATA_DIR: %w", err)
	}
	cfg.IndexRequired = true
	ix, err := openIndex(ctx, cfg, base, gen, log)
	if err != nil {
		return err
	}
	defer ix.Close()

	last, err := ix.LastIndexedHeight(ctx)
	if err != nil {
		return err
	}
	head, _, err := store.Head()
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "reindex: block store head %d, index at %d; rewriting heights %d..%d\n", head, last, max(*from, 1), head)
	start := time.Now()
	every := start
	p, err := indexer.Reindex(ctx, ix, store, gen, indexer.ReindexOptions{From: *from, Batch: *batch, Progress: func(p indexer.ReindexProgress) {
		if time.Since(every) >= time.Second || p.Height == p.Head {
			every = time.Now()
			fmt.Fprintf(stdout, "reindex: height %d/%d  %d blocks, %d txs, %d receipts  %.1fs\n",
				p.Height, p.Head, p.Blocks, p.Txs, p.Receipts, time.Since(start).Seconds())
		}
	}})
	if err != nil {
		if errors.Is(err, context.Canceled) {
			return fmt.Errorf("reindex interrupted at height %d (the index is consistent up to it; run again to finish)", p.Height)
		}
		return err
	}
	elapsed := time.Since(start)
	rate := 0.0
	if s := elapsed.Seconds(); s > 0 {
		rate = float64(p.Blocks) / s
	}
	fmt.Fprintf(stdout, "reindex: done: %d blocks, %d txs, %d receipts in %.1fs (%.0f blocks/s); index at height %d\n",
		p.Blocks, p.Txs, p.Receipts, elapsed.Seconds(), rate, max(p.Height, last))
	return nil
}

// openIndex opens the SQL index of DATABASE_URL for the chain of gen (a
// relative sqlite path is relative to the config file's directory). An
// empty URL is no index. A URL that does not parse or a database that
// cannot be opened disables the index with a warning, or, with
// INDEX_REQUIRED, is an error; neither message shows the password.
// `aitbcd start` and `aitbcd reindex` share it.
func openIndex(ctx context.Context, cfg config.Config, base string, gen *types.Genesis, log *slog.Logger) (*index.Index, error) {
	if cfg.DatabaseURL == "" {
		log.Info("SQL index disabled: DATABASE_URL is empty; the query routes answer 503")
		return nil, nil
	}
	url := cfg.DatabaseURL
	if rel, ok := relativeSQLite(url); ok {
		url = "sqlite://" + resolve(base, rel)
	}
	ix, err := index.Open(ctx, url, log, index.WithGenesis(gen))
	if err == nil {
		return ix, nil
	}
	if cfg.IndexRequired {
		return nil, fmt.Errorf("DATABASE_URL: %w (INDEX_REQUIRED is set: no start without the index)", err)
	}
	log.Warn("SQL index disabled: the node runs without it (INDEX_REQUIRED=true refuses to start instead)", "err", err)
	return nil, nil
}
