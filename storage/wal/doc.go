// Package wal is the consensus write-ahead log: an append-only file of
// opaque records tagged with a height, synced before Write returns. The
// engine writes its own signed proposals and votes here before sending
// them, and replays the current height's records after a restart, so a
// validator never signs two different values for one height, round and
// step.
//
// File format, one record after another:
//
//	u32 BE length of body || u32 BE CRC-32C of body || body
//	body = u64 BE height || data
//
// Open reads the file and truncates a last record that is short or fails
// its checksum: the tail of a write torn by a crash. A damaged record with
// more of the file after it is not a torn write but corruption, and Open
// refuses with ErrCorrupt naming the file and the offset: dropping it
// would drop the later records too, the validator's own votes among them,
// and it could then sign twice. (Move the file aside only once this
// validator's votes for the current height are otherwise known.) Truncate
// drops the records of decided heights: it empties the file when nothing
// is left, and otherwise appends a floor mark (a record of height 0 whose
// data is the lowest height kept; Open drops what lies below it) and
// rewrites the file, through a temporary file and an atomic rename, only
// once the dropped records take more than 1 MiB. A node commits the next
// height's votes to the log while the block below them is still being
// written (engine/node/write.go), so the log often holds records above
// the height it truncates below.
package wal
