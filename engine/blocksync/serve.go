package blocksync

import (
	"log/slog"

	"aitbc/engine"
)

// MaxServeBytes stops a block-sync answer before it grows past this many
// encoded bytes (one block is always sent, whatever its size).
const MaxServeBytes = 16 << 20

// Serve reads the blocks from..from+count-1 that src has, up to head and
// short of MaxServeBytes, with their certificates: the answer to a peer's
// block request (empty when we have none of them).
func Serve(src engine.BlockSource, head, from uint64, count int, log *slog.Logger) []engine.SyncedBlock {
	var out []engine.SyncedBlock
	size := 0
	for i := 0; i < count; i++ {
		h := from + uint64(i)
		if h > head || h < from {
			break
		}
		blk, err := src.Block(h)
		if err != nil {
			log.Warn("block request: read block", "height", h, "err", err)
			break
		}
		cert, err := src.CommitCert(h)
		if err != nil {
			log.Warn("block request: read commit", "height", h, "err", err)
			break
		}
		sz := blk.EncodedSize()
		if len(out) > 0 && size+sz > MaxServeBytes {
			break
		}
		out = append(out, engine.SyncedBlock{Block: blk, Cert: cert})
		size += sz
	}
	return out
}
